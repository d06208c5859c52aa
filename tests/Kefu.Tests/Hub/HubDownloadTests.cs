using System.Security.Cryptography;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Hub;

/// <summary>Downloads from the fake hub land in the huggingface_hub cache layout, once.</summary>
public class HubDownloadTests
{
    [Fact]
    public async Task A_download_lays_out_blobs_snapshots_and_refs_as_huggingface_hub()
    {
        var repo = TinyRepo.Create();
        await using var hub = await FakeHub.StartAsync(repo);
        using var cache = new TempProject("kefu-hub-");

        var snapshot = await TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync(TinyRepo.Id);

        string root = TinyRepo.Root(cache.Dir);
        Assert.Equal(Path.Combine(root, "snapshots", TinyRepo.Commit), snapshot.Path);
        Assert.Equal((TinyRepo.Id, "main", TinyRepo.Commit), (snapshot.RepoId, snapshot.Revision, snapshot.Commit));
        Assert.Equal(TinyRepo.Commit, File.ReadAllText(Path.Combine(root, "refs", "main")));
        Assert.Equal(repo.Files.Select(f => f.Path).Order(StringComparer.Ordinal), snapshot.Files);
        Assert.Equal(snapshot.Files, snapshot.Downloaded);
        foreach (var f in repo.Files)
        {
            string entry = Path.Combine(snapshot.Path, f.Path);
            string up = string.Concat(Enumerable.Repeat("../", 2 + f.Path.Count(c => c == '/')));
            Assert.Equal($"{up}blobs/{f.Etag}", new FileInfo(entry).LinkTarget);
            Assert.Equal(f.Bytes, File.ReadAllBytes(entry));
        }
        // Blobs are named by sha256 for LFS files and by git-sha1 (the weak W/"..." ETag unwrapped) for the others.
        Assert.Equal(repo.Files.Select(f => f.Etag).Order(StringComparer.Ordinal),
            Directory.GetFiles(Path.Combine(root, "blobs")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(64, repo["model.safetensors"].Etag.Length);
        Assert.Equal(40, repo["config.json"].Etag.Length);
        // LFS bytes came from the CDN origin, after a 302 from resolve.
        Assert.Contains(hub.Requests, r => r.Cdn && r.Method == "GET" && r.Path.StartsWith("/cdn/" + repo["model.safetensors"].Sha256, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_second_run_asks_only_for_the_revision_and_fetches_no_file()
    {
        await using var hub = await FakeHub.StartAsync(TinyRepo.Create());
        using var cache = new TempProject("kefu-hub-");
        var client = TinyRepo.Client(hub.Settings(cache.Dir));
        await client.DownloadAsync(TinyRepo.Id);
        int mark = hub.Requests.Count;

        var again = await client.DownloadAsync(TinyRepo.Id);

        Assert.Empty(again.Downloaded);
        var request = Assert.Single(hub.Since(mark));
        Assert.Equal(("GET", $"/api/models/{TinyRepo.Id}/revision/main?blobs=true"), (request.Method, request.Path));
    }

    [Fact]
    public async Task Include_patterns_take_only_matching_files_fnmatch_style()
    {
        await using var hub = await FakeHub.StartAsync(TinyRepo.Create());
        using var cache = new TempProject("kefu-hub-");
        var client = TinyRepo.Client(hub.Settings(cache.Dir));

        var json = await client.DownloadAsync(TinyRepo.Id, include: ["*.json"]);
        Assert.Equal(["1_Pooling/config.json", "config.json", "tokenizer_config.json"], json.Files);
        Assert.False(File.Exists(Path.Combine(json.Path, "model.safetensors")));
        Assert.DoesNotContain(hub.Requests, r => r.Cdn);

        var more = await client.DownloadAsync(TinyRepo.Id, include: ["1_Pooling/", "vocab.txt"]);
        Assert.Equal(["1_Pooling/config.json", "vocab.txt"], more.Files);
        Assert.Equal(["vocab.txt"], more.Downloaded);
        Assert.Equal(json.Path, more.Path);
    }

    [Fact]
    public async Task A_commit_hash_revision_writes_no_ref_and_a_tag_writes_its_own()
    {
        await using var hub = await FakeHub.StartAsync(TinyRepo.Create());
        using var cache = new TempProject("kefu-hub-");
        var client = TinyRepo.Client(hub.Settings(cache.Dir));
        string refs = Path.Combine(TinyRepo.Root(cache.Dir), "refs");

        var pinned = await client.DownloadAsync(TinyRepo.Id, TinyRepo.Commit, ["config.json"]);
        Assert.Equal(TinyRepo.Commit, pinned.Commit);
        Assert.False(Directory.Exists(refs));
        Assert.Contains(hub.Requests, r => r.Path == $"/{TinyRepo.Id}/resolve/{TinyRepo.Commit}/config.json");

        var tagged = await client.DownloadAsync(TinyRepo.Id, "v1.0", ["config.json"]);
        Assert.Equal(pinned.Path, tagged.Path);
        Assert.Empty(tagged.Downloaded);
        Assert.Equal(TinyRepo.Commit, File.ReadAllText(Path.Combine(refs, "v1.0")));
    }

    [Fact]
    public async Task A_renamed_repo_is_followed_through_relative_redirects_and_cached_under_the_name_asked()
    {
        var repo = TinyRepo.Create();
        await using var hub = await FakeHub.StartAsync(repo);
        hub.Renamed["acme/old-name"] = TinyRepo.Id;
        using var cache = new TempProject("kefu-hub-");

        var snapshot = await TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync("acme/old-name", include: ["config.json", "*.safetensors"]);

        Assert.Equal(Path.Combine(cache.Dir, "models--acme--old-name", "snapshots", TinyRepo.Commit), snapshot.Path);
        Assert.Equal(repo["model.safetensors"].Bytes, File.ReadAllBytes(Path.Combine(snapshot.Path, "model.safetensors")));
        Assert.Contains(hub.Requests, r => r.Method == "HEAD" && r.Path.StartsWith($"/{TinyRepo.Id}/resolve/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Blobs_shared_by_two_commits_are_linked_not_downloaded_again()
    {
        var first = TinyRepo.Create();
        var second = first with { Commit = "2222222222222222222222222222222222222222" };
        await using var hub = await FakeHub.StartAsync(first);
        await using var next = await FakeHub.StartAsync(second);
        using var cache = new TempProject("kefu-hub-");
        await TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync(TinyRepo.Id);

        var moved = await TinyRepo.Client(next.Settings(cache.Dir)).DownloadAsync(TinyRepo.Id);

        Assert.Empty(moved.Downloaded);
        Assert.DoesNotContain(next.Requests, r => r.Method == "GET" && !r.Path.StartsWith("/api/", StringComparison.Ordinal));
        Assert.Equal(second.Commit, File.ReadAllText(Path.Combine(TinyRepo.Root(cache.Dir), "refs", "main")));
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(TinyRepo.Root(cache.Dir), "snapshots")).Length);
    }

    [MiniLmFact]
    public async Task The_real_MiniLM_folder_downloads_end_to_end_byte_for_byte()
    {
        const string id = "sentence-transformers/all-MiniLM-L6-v2";
        var repo = FakeRepo.FromFolder(id, "c9745ed1d9f207416be6d2e6f8de32d1f16199bf", MiniLmFactAttribute.Folder);
        await using var hub = await FakeHub.StartAsync(repo);
        using var cache = new TempProject("kefu-hub-");

        var snapshot = await TinyRepo.Client(hub.Settings(cache.Dir)).DownloadAsync(id);

        Assert.Equal(Path.Combine(cache.Dir, "models--sentence-transformers--all-MiniLM-L6-v2", "snapshots", repo.Commit), snapshot.Path);
        Assert.Contains("1_Pooling/config.json", snapshot.Files);
        foreach (var f in repo.Files)
        {
            using var stream = File.OpenRead(Path.Combine(snapshot.Path, f.Path));
            Assert.Equal(f.Sha256, Convert.ToHexStringLower(SHA256.HashData(stream)));
        }
        var weights = new FileInfo(Path.Combine(snapshot.Path, "model.safetensors"));
        Assert.Equal($"../../blobs/{repo["model.safetensors"].Sha256}", weights.LinkTarget);
    }
}
