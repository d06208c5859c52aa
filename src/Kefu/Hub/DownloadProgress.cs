using System.Diagnostics;
using System.Globalization;

namespace Kefu.Hub;

/// <summary>
/// Per-file download progress, always on the writer given (stderr in the CLI, so stdout stays machine-readable).
/// On a terminal one line per file is redrawn in place:
/// <c>model.safetensors  [########------------]  18.2/45.4 MB   40%  21.3 MB/s</c>;
/// elsewhere (logs, CI, tests) plain lines: one every <see cref="PlainInterval"/> while a file downloads, one when done.
/// </summary>
internal sealed class DownloadProgress(TextWriter? writer, bool interactive)
{
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    public TextWriter? Writer { get; } = writer;

    public bool Interactive { get; } = interactive;

    public FileProgress Start(string name, long? total, long resumedFrom) => new(this, name, total, resumedFrom);

    /// <summary>"1.2 kB", "45.4 MB", "1.3 GB" (decimal units, as tqdm and the hub's file pages show them).</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1000 => $"{bytes} B",
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0.0} kB"),
        < 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.0} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.00} GB"),
    };
}

/// <summary>One file's progress; <see cref="Report"/> takes the bytes on disk so far (resumed ones included).</summary>
internal sealed class FileProgress
{
    private const int BarWidth = 20;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly DownloadProgress owner;
    private readonly string name;
    private readonly long? total;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private long startBytes;
    private long done;
    private TimeSpan lastDrawn;
    private int drawnWidth;

    internal FileProgress(DownloadProgress owner, string name, long? total, long resumedFrom)
    {
        this.owner = owner;
        this.name = name;
        this.total = total;
        startBytes = done = resumedFrom;
        if (owner.Writer is { } w && !owner.Interactive)
            w.WriteLine(resumedFrom > 0 ? $"{name}: resuming at {DownloadProgress.Size(resumedFrom)}" : $"{name}: downloading{(total is long t ? " " + DownloadProgress.Size(t) : "")}");
    }

    public void Report(long bytesOnDisk)
    {
        done = bytesOnDisk;
        var now = clock.Elapsed;
        var interval = owner.Interactive ? RedrawInterval : DownloadProgress.PlainInterval;
        if (now - lastDrawn < interval) return;
        lastDrawn = now;
        Draw(final: false);
    }

    /// <summary>The server ignored the Range request or the partial file was unusable: counting starts again from 0.</summary>
    public void Restart()
    {
        startBytes = done = 0;
        lastDrawn = TimeSpan.Zero;
        clock.Restart();
    }

    public void Finish() => Draw(final: true);

    private void Draw(bool final)
    {
        if (owner.Writer is not { } w) return;
        double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
        string speed = string.Create(CultureInfo.InvariantCulture, $"{(done - startBytes) / 1e6 / seconds:0.0} MB/s");
        string amount = total is long t ? $"{DownloadProgress.Size(done)}/{DownloadProgress.Size(t)}" : DownloadProgress.Size(done);
        string percent = total is long all and > 0 ? $"{100 * done / all,3}%" : "   ";
        if (owner.Interactive)
        {
            int filled = total is long all2 and > 0 ? (int)(BarWidth * Math.Min(done, all2) / all2) : 0;
            string line = $"{name}  [{new string('#', filled)}{new string('-', BarWidth - filled)}]  {amount}  {percent}  {speed}";
            w.Write("\r" + line.PadRight(drawnWidth));
            drawnWidth = line.Length;
            if (final) w.WriteLine();
        }
        else
        {
            w.WriteLine(final ? $"{name}: done, {DownloadProgress.Size(done)} at {speed}" : $"{name}: {amount}  {percent}  {speed}");
        }
        w.Flush();
    }
}
