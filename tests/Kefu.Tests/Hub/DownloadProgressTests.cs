using Kefu.Hub;

namespace Kefu.Tests.Hub;

public class DownloadProgressTests
{
    [Fact]
    public void A_terminal_gets_one_bar_per_file_redrawn_in_place()
    {
        var w = new StringWriter();
        var bar = new DownloadProgress(w, interactive: true).Start("model.safetensors", 45_400_000, resumedFrom: 0);
        bar.Report(22_700_000);
        bar.Finish();

        string[] draws = w.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("model.safetensors  [##########----------]  22.7 MB/45.4 MB   50%  ", draws[^1]);
        Assert.EndsWith(" MB/s" + Environment.NewLine, draws[^1]);
        Assert.DoesNotContain('\n', string.Concat(draws[..^1]));
    }

    [Fact]
    public void Elsewhere_plain_lines_say_start_and_end()
    {
        var w = new StringWriter();
        var bar = new DownloadProgress(w, interactive: false).Start("model.safetensors", 262_144, resumedFrom: 131_072);
        bar.Report(262_144);
        bar.Finish();

        var lines = w.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("model.safetensors: resuming at 131.1 kB", lines[0]);
        Assert.StartsWith("model.safetensors: done, 262.1 kB at ", lines[1]);
        Assert.Equal(2, lines.Length);
    }

    [Theory]
    [InlineData(999, "999 B")]
    [InlineData(231_508, "231.5 kB")]
    [InlineData(45_437_760, "45.4 MB")]
    [InlineData(1_340_000_000, "1.34 GB")]
    public void Sizes_are_decimal_units(long bytes, string shown) => Assert.Equal(shown, DownloadProgress.Size(bytes));
}
