using Kefu.Tests.Projects;

namespace Kefu.Tests.Cli;

/// <summary>`kefu nlu bench` as a process: it writes to the console itself.</summary>
public class NluBenchCommandTests
{
    [Fact]
    public async Task An_oos_label_that_neither_file_holds_is_an_error_naming_the_intents_there_are()
    {
        using var temp = new TempProject("kefu-nlu-bench-",
            ("train.csv", "text,intent\nhello,greet\nhi,greet\nbye,goodbye\nsee you,goodbye\n"),
            ("test.csv", "text,intent\nhey,greet\nplay music,out_of_scope\n"));

        var (code, stdout, stderr) = await RetrainProcessTests.Run("nlu", "bench", "--train", temp.PathOf("train.csv"), "--test", temp.PathOf("test.csv"),
            "--oos-label", "oos");

        Assert.Equal(1, code);
        Assert.Equal($"error: --oos-label 'oos' is an intent of neither {temp.PathOf("train.csv")} nor {temp.PathOf("test.csv")}; " +
            "their intents are goodbye, greet, out_of_scope", stderr.Trim());
        Assert.Equal("", stdout);

        // in the test file only is how OOS benchmarks often come: accepted
        (code, _, stderr) = await RetrainProcessTests.Run("nlu", "bench", "--train", temp.PathOf("train.csv"), "--test", temp.PathOf("test.csv"),
            "--oos-label", "out_of_scope");
        Assert.True(code == 0, stderr);
    }
}
