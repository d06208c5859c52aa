using Kefu.Hub;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Hub;

/// <summary>Broken transfers, damaged bytes, refused access, missing things, no network: each ends well or in a clear HubException.</summary>
public class HubFailureTests
{
    private const string Weights = "model.safetensors";

    [Fact]
    public async Task A_transfer_cut_mid_file_resumes_with_a_range_request()
    {
        var repo = TinyRepo.Create();
        await using var hub = await FakeHub.StartAsync(repo);
        hub.Cut(Weights, times: 1);
        using var cache = new TempProject("kefu-hub-");

        var snapshot = await TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync(TinyRepo.Id, include: [Weights]);

        Assert.Equal(repo[Weights].Bytes, File.ReadAllBytes(Path.Combine(snapshot.Path, Weights)));
        var resumed = Assert.Single(hub.Requests, r => r.Cdn && r.Range is not null);
        Assert.Matches("^bytes=[1-9][0-9]*-$", resumed.Range);
    }

    [Fact]
    public async Task A_run_that_gives_up_keeps_the_partial_file_and_the_next_run_resumes_it()
    {
        var repo = TinyRepo.Create();
        await using var hub = await FakeHub.StartAsync(repo);
        hub.Cut(Weights, times: 2);
        using var cache = new TempProject("kefu-hub-");
        var settings = hub.Settings(cache.Dir);
        string partial = Path.Combine(TinyRepo.Root(cache.Dir), "blobs", repo[Weights].Sha256 + ".incomplete");

        var e = await Assert.ThrowsAsync<HubException>(() => TinyRepo.Client(settings, attempts: 2).DownloadAsync(TinyRepo.Id, include: [Weights]));
        Assert.Equal(HubError.Network, e.Error);
        Assert.Contains("running again resumes", e.Message);
        long kept = new FileInfo(partial).Length;
        Assert.InRange(kept, 1, repo[Weights].Bytes.Length - 1);
        Assert.False(File.Exists(Path.Combine(TinyRepo.Root(cache.Dir), "snapshots", TinyRepo.Commit, Weights)));

        int mark = hub.Requests.Count;
        var snapshot = await TinyRepo.Client(settings).DownloadAsync(TinyRepo.Id, include: [Weights]);

        Assert.Equal(repo[Weights].Bytes, File.ReadAllBytes(Path.Combine(snapshot.Path, Weights)));
        Assert.Contains(hub.Since(mark), r => r.Cdn && r.Range == $"bytes={kept}-");
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public async Task A_server_that_ignores_range_gets_the_download_restarted()
    {
        var repo = TinyRepo.Create();
        await using var hub = await FakeHub.StartAsync(repo);
        hub.IgnoreRange = true;
        using var cache = new TempProject("kefu-hub-");
        string blobs = Path.Combine(TinyRepo.Root(cache.Dir), "blobs");
        Directory.CreateDirectory(blobs);
        File.WriteAllBytes(Path.Combine(blobs, repo[Weights].Sha256 + ".incomplete"), new byte[1000]); // not a prefix of the file

        var snapshot = await TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync(TinyRepo.Id, include: [Weights]);

        Assert.Contains(hub.Requests, r => r.Cdn && r.Range == "bytes=1000-");
        Assert.Equal(repo[Weights].Bytes, File.ReadAllBytes(Path.Combine(snapshot.Path, Weights)));
    }

    [Fact]
    public async Task Bytes_with_the_wrong_sha256_are_an_error_and_nothing_is_linked()
    {
        var repo = TinyRepo.Create();
        await using var hub = await FakeHub.StartAsync(repo);
        hub.Corrupt.Add(Weights);
        using var cache = new TempProject("kefu-hub-");

        var e = await Assert.ThrowsAsync<HubException>(() => TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync(TinyRepo.Id, include: [Weights]));

        Assert.Equal(HubError.ChecksumMismatch, e.Error);
        Assert.Contains($"{Weights} of {TinyRepo.Id} arrived damaged: its sha256 is ", e.Message);
        Assert.Contains(repo[Weights].Sha256, e.Message);
        string root = TinyRepo.Root(cache.Dir);
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "blobs")));
        Assert.False(File.Exists(Path.Combine(root, "snapshots", TinyRepo.Commit, Weights)));
    }

    [Fact]
    public async Task A_damaged_cached_blob_is_detected_and_fetched_again()
    {
        var repo = TinyRepo.Create();
        await using var hub = await FakeHub.StartAsync(repo);
        using var cache = new TempProject("kefu-hub-");
        var log = new StringWriter();
        var client = TinyRepo.Client(hub.Settings(cache.Dir), log);
        var snapshot = await client.DownloadAsync(TinyRepo.Id, include: [Weights, "config.json"]);
        string blobs = Path.Combine(TinyRepo.Root(cache.Dir), "blobs");
        using (var weights = File.OpenWrite(Path.Combine(blobs, repo[Weights].Sha256))) weights.WriteByte(0x42); // same size, other bytes
        File.WriteAllText(Path.Combine(blobs, repo["config.json"].GitSha1), "{}"); // wrong size

        var again = await client.DownloadAsync(TinyRepo.Id, include: [Weights, "config.json"]);

        Assert.Equal(new[] { "config.json", Weights }, again.Downloaded);
        Assert.Equal(repo[Weights].Bytes, File.ReadAllBytes(Path.Combine(snapshot.Path, Weights)));
        Assert.Equal(repo["config.json"].Bytes, File.ReadAllBytes(Path.Combine(snapshot.Path, "config.json")));
        Assert.Contains($"{Weights}: the cached copy is damaged (its sha256 is ", log.ToString());
    }

    [Fact]
    public async Task A_gated_repo_without_a_token_names_HF_TOKEN_and_with_one_downloads_without_leaking_it_to_the_CDN()
    {
        var repo = TinyRepo.Create();
        await using var hub = await FakeHub.StartAsync(repo);
        hub.RequiredToken = "hf_secret";
        using var cache = new TempProject("kefu-hub-");

        var e = await Assert.ThrowsAsync<HubException>(() => TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync(TinyRepo.Id));
        Assert.Equal(HubError.GatedRepo, e.Error);
        Assert.Contains($"{TinyRepo.Id} is a gated model: accept its conditions at {hub.Endpoint}/{TinyRepo.Id}, then set HF_TOKEN", e.Message);

        var snapshot = await TinyRepo.Client(hub.Settings(cache.Dir, token: "hf_secret")).DownloadAsync(TinyRepo.Id);
        Assert.Equal(repo[Weights].Bytes, File.ReadAllBytes(Path.Combine(snapshot.Path, Weights)));
        Assert.Contains(hub.Requests, r => !r.Cdn && r.Authorization == "Bearer hf_secret");
        Assert.All(hub.Requests.Where(r => r.Cdn), r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task A_repo_that_does_not_exist_is_RepoNotFound()
    {
        await using var hub = await FakeHub.StartAsync(TinyRepo.Create());
        using var cache = new TempProject("kefu-hub-");

        var e = await Assert.ThrowsAsync<HubException>(() => TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync("acme/nope"));

        Assert.Equal(HubError.RepoNotFound, e.Error);
        Assert.Contains($"repository acme/nope was not found on {hub.Endpoint}", e.Message);
        Assert.Contains("HF_TOKEN", e.Message);
    }

    [Fact]
    public async Task A_file_missing_on_resolve_is_EntryNotFound_and_so_is_an_include_matching_nothing()
    {
        await using var hub = await FakeHub.StartAsync(TinyRepo.Create());
        hub.Missing.Add("README.md");
        using var cache = new TempProject("kefu-hub-");
        var client = TinyRepo.Client(hub.Settings(cache.Dir));

        var missing = await Assert.ThrowsAsync<HubException>(() => client.DownloadAsync(TinyRepo.Id, include: ["*.md"]));
        Assert.Equal(HubError.EntryNotFound, missing.Error);
        Assert.Contains($"README.md was not found in {TinyRepo.Id} at revision '{TinyRepo.Commit}'", missing.Message);

        var none = await Assert.ThrowsAsync<HubException>(() => client.DownloadAsync(TinyRepo.Id, include: ["*.onnx"]));
        Assert.Equal(HubError.EntryNotFound, none.Error);
        Assert.Equal("no file of acme/tiny-bert at revision 'main' matches *.onnx; it has 1_Pooling/config.json, README.md, " +
            "config.json, model.safetensors, pytorch_model.bin, tokenizer_config.json, vocab.txt.", none.Message);
    }

    [Fact]
    public async Task An_unknown_revision_is_RevisionNotFound()
    {
        await using var hub = await FakeHub.StartAsync(TinyRepo.Create());
        using var cache = new TempProject("kefu-hub-");

        var e = await Assert.ThrowsAsync<HubException>(() => TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync(TinyRepo.Id, "v9"));

        Assert.Equal(HubError.RevisionNotFound, e.Error);
        Assert.Contains($"revision 'v9' was not found in {TinyRepo.Id}", e.Message);
    }

    [Fact]
    public async Task Offline_the_cache_answers_without_any_request()
    {
        await using var hub = await FakeHub.StartAsync(TinyRepo.Create());
        using var cache = new TempProject("kefu-hub-");
        var online = await TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync(TinyRepo.Id);
        var offline = new HubSettings(TinyRepo.ClosedEndpoint(), cache.Dir, Token: null, Offline: true);

        var all = await TinyRepo.Client(offline).DownloadAsync(TinyRepo.Id);
        var json = await TinyRepo.Client(offline).DownloadAsync(TinyRepo.Id, include: ["*.json"]);
        var pinned = await TinyRepo.Client(offline).DownloadAsync(TinyRepo.Id, TinyRepo.Commit);

        Assert.Equal((online.Path, online.Commit), (all.Path, all.Commit));
        Assert.Equal(online.Files, all.Files);
        Assert.Equal(new[] { "1_Pooling/config.json", "config.json", "tokenizer_config.json" }, json.Files);
        Assert.Equal(online.Path, pinned.Path);
        Assert.Empty(all.Downloaded);
    }

    [Fact]
    public async Task Offline_a_cache_miss_says_what_is_missing_and_how_to_download_it()
    {
        using var cache = new TempProject("kefu-hub-");
        var offline = new HubSettings(TinyRepo.ClosedEndpoint(), cache.Dir, Token: null, Offline: true);

        var e = await Assert.ThrowsAsync<HubException>(() => TinyRepo.Client(offline).DownloadAsync(TinyRepo.Id, "v1.0"));

        Assert.Equal(HubError.OfflineCacheMiss, e.Error);
        Assert.Contains($"HF_HUB_OFFLINE is set and the cache does not hold {TinyRepo.Id} at revision 'v1.0': {Path.Combine(TinyRepo.Root(cache.Dir), "refs", "v1.0")} does not exist", e.Message);
        Assert.Contains($"kefu model download {TinyRepo.Id} --revision v1.0", e.Message);
    }

    [Fact]
    public async Task Offline_a_damaged_LFS_blob_is_an_error_not_a_model()
    {
        var repo = TinyRepo.Create();
        await using var hub = await FakeHub.StartAsync(repo);
        using var cache = new TempProject("kefu-hub-");
        await TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync(TinyRepo.Id, include: [Weights]);
        using (var weights = File.OpenWrite(Path.Combine(TinyRepo.Root(cache.Dir), "blobs", repo[Weights].Sha256))) weights.WriteByte(0x42);

        var e = await Assert.ThrowsAsync<HubException>(() => TinyRepo.Client(hub.Settings(cache.Dir, offline: true)).DownloadAsync(TinyRepo.Id));

        Assert.Equal(HubError.ChecksumMismatch, e.Error);
        Assert.Contains($"the cached {Weights} of {TinyRepo.Id} is damaged", e.Message);
    }

    [Fact]
    public async Task Connection_refused_names_the_endpoint_or_falls_back_on_the_cache()
    {
        await using var hub = await FakeHub.StartAsync(TinyRepo.Create());
        using var cache = new TempProject("kefu-hub-");
        string closed = TinyRepo.ClosedEndpoint();
        var down = new HubSettings(closed, cache.Dir, Token: null, Offline: false);

        var e = await Assert.ThrowsAsync<HubException>(() => TinyRepo.Client(down).DownloadAsync(TinyRepo.Id));
        Assert.Equal(HubError.Network, e.Error);
        Assert.StartsWith($"cannot reach the hub at {closed}: connection refused.", e.Message);
        Assert.Contains("HF_HUB_OFFLINE=1", e.Message);

        var online = await TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync(TinyRepo.Id);
        var log = new StringWriter();
        var fallback = await TinyRepo.Client(down, log).DownloadAsync(TinyRepo.Id);
        Assert.Equal(online.Path, fallback.Path);
        Assert.StartsWith($"warning: cannot reach the hub at {closed}: connection refused.", log.ToString());
    }

    [Theory]
    [InlineData("not a repo")]
    [InlineData("a/b/c")]
    [InlineData("acme/--x")]
    [InlineData("-acme/x")]
    [InlineData("acme/x.git")]
    public async Task A_malformed_repo_id_is_refused_before_any_request(string id)
    {
        using var cache = new TempProject("kefu-hub-");
        var settings = new HubSettings(TinyRepo.ClosedEndpoint(), cache.Dir, Token: null, Offline: false);

        var e = await Assert.ThrowsAsync<HubException>(() => TinyRepo.Client(settings).DownloadAsync(id));

        Assert.Equal(HubError.InvalidName, e.Error);
        Assert.Contains($"'{id}' is not a Hugging Face repo id", e.Message);
    }
}
