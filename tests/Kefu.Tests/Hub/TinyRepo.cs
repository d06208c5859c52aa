using System.Net;
using System.Net.Sockets;
using System.Text;
using Kefu.Hub;

namespace Kefu.Tests.Hub;

/// <summary>A small synthetic model repo (two LFS files of 256 KB and 64 KB, five git files) most hub tests download.</summary>
internal static class TinyRepo
{
    public const string Id = "acme/tiny-bert";
    public const string Commit = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c";

    public static FakeRepo Create() => new(Id, Commit,
    [
        Text("config.json", "{\"model_type\": \"bert\", \"hidden_size\": 8, \"num_hidden_layers\": 1}\n"),
        Text("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n"),
        Text("tokenizer_config.json", "{\"do_lower_case\": true}\n"),
        Text("1_Pooling/config.json", "{\"word_embedding_dimension\": 8, \"pooling_mode_mean_tokens\": true}\n"),
        Text("README.md", "# tiny-bert\n\nA model for tests.\n"),
        new FakeFile("model.safetensors", Random(256 * 1024, seed: 1), Lfs: true),
        new FakeFile("pytorch_model.bin", Random(64 * 1024, seed: 2), Lfs: true),
    ], Tags: ["v1.0"]);

    /// <summary>The hub cache folder for this repo inside <paramref name="cacheDir"/>.</summary>
    public static string Root(string cacheDir) => Path.Combine(cacheDir, "models--acme--tiny-bert");

    /// <summary>A client that retries at once (tests must not sleep) and logs to <paramref name="log"/>.</summary>
    public static HubClient Client(HubSettings settings, TextWriter? log = null, int attempts = 5) =>
        new(settings, log, interactiveProgress: false, new HubHttp(settings) { RetryDelay = TimeSpan.Zero, MaxAttempts = attempts });

    /// <summary>An http endpoint on 127.0.0.1 where nothing listens (connection refused).</summary>
    public static string ClosedEndpoint()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return $"http://127.0.0.1:{port}";
    }

    private static FakeFile Text(string path, string text) => new(path, Encoding.UTF8.GetBytes(text), Lfs: false);

    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

/// <summary>A fact that skips with a message when ../shared/models/all-MiniLM-L6-v2 is absent.</summary>
public sealed class MiniLmFactAttribute : FactAttribute
{
    public static string Folder => Path.Combine(RepoPaths.Shared, "models", "all-MiniLM-L6-v2");

    public MiniLmFactAttribute()
    {
        if (!File.Exists(Path.Combine(Folder, "model.safetensors")))
            Skip = "../shared/models/all-MiniLM-L6-v2 is absent (expected beside the folder holding Kefu.slnx).";
    }
}
