using Kefu.Projects;

namespace Kefu.Tests;

public class DiagnosticTests
{
    [Fact]
    public void Diagnostic_prints_file_line_column()
    {
        var d = new Diagnostic(Severity.Error, new SourceLocation("data/nlu.yml", 3, 7), "unbalanced '['");
        Assert.Equal("data/nlu.yml:3:7: error: unbalanced '['", d.ToString());
    }
}
