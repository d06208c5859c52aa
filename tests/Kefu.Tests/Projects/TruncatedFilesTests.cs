using Kefu.Projects;

namespace Kefu.Tests.Projects;

/// <summary>Bad input never crashes the loader: every file of the sample cut short at many points still gives diagnostics, not exceptions.</summary>
public class TruncatedFilesTests
{
    public static TheoryData<string> Files() => ["domain.yml", "config.yml", "data/nlu.yml", "data/stories.yml", "data/rules.yml", "tests/test_stories.yml"];

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_cut_of_a_file_reads_without_throwing(string file)
    {
        using var temp = TempProject.Valid();
        string full = File.ReadAllText(temp.PathOf(file));
        var random = new Random(file.Length);
        for (int trial = 0; trial < 25; trial++)
        {
            int cut = random.Next(full.Length);
            string text = trial % 2 == 0 ? full[..cut] : full.Remove(cut, Math.Min(7, full.Length - cut));
            temp.Write(file, text);
            var project = RasaProject.Read(temp.Dir);
            Assert.All(project.Diagnostics, d => Assert.True(d.Location.Line >= 1 && d.Location.Column >= 1, d.ToString()));
        }
    }
}
