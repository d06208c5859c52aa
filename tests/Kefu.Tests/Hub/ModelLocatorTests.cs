using System.CommandLine;
using System.Text.Json;
using Kefu.Cli.Commands;
using Kefu.Hub;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Hub;

public class ModelLocatorTests
{
    [Fact]
    public void An_existing_folder_is_its_full_path_without_any_request()
    {
        using var folder = new TempProject("kefu-hub-", ("acme/tiny-bert/config.json", "{}"));
        var nowhere = new HubSettings(TinyRepo.ClosedEndpoint(), folder.PathOf("cache"), Token: null, Offline: false);
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, folder.PathOf("acme/tiny-bert"));

        Assert.Equal(folder.PathOf("acme/tiny-bert"), ModelLocator.Resolve(relative, null, null, nowhere, default));
    }

    [Fact]
    public async Task A_repo_id_is_downloaded_with_the_default_include_set()
    {
        await using var hub = await FakeHub.StartAsync(TinyRepo.Create());
        using var cache = new TempProject("kefu-hub-");
        var log = new StringWriter();

        string path = ModelLocator.Resolve(TinyRepo.Id, null, log, hub.Settings(cache.Dir), default);

        Assert.Equal(Path.Combine(TinyRepo.Root(cache.Dir), "snapshots", TinyRepo.Commit), path);
        Assert.Equal(
            new[] { "1_Pooling/config.json", "config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt" },
            Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(path, f).Replace('\\', '/')).Order(StringComparer.Ordinal));
        Assert.Contains("model.safetensors: done", log.ToString());
        Assert.Equal(path, ModelLocator.Resolve(TinyRepo.Id, null, null, hub.Settings(cache.Dir, offline: true), default));
    }

    [Theory]
    [InlineData("./no/such/folder")]
    [InlineData("models/acme/tiny-bert")]
    public void A_name_that_is_neither_folder_nor_repo_id_says_both(string name)
    {
        var nowhere = new HubSettings(TinyRepo.ClosedEndpoint(), Path.GetTempPath(), Token: null, Offline: false);

        var e = Assert.Throws<HubException>(() => ModelLocator.Resolve(name, null, null, nowhere, default));

        Assert.Equal(HubError.InvalidName, e.Error);
        Assert.Equal($"'{name}' is neither an existing folder (there is none at {Path.GetFullPath(name)}) nor a Hugging Face repo id " +
            "(org/name, e.g. sentence-transformers/all-MiniLM-L6-v2).", e.Message);
    }

    [Fact]
    public async Task A_repo_id_the_hub_does_not_know_also_says_there_is_no_such_folder()
    {
        await using var hub = await FakeHub.StartAsync(TinyRepo.Create());
        using var cache = new TempProject("kefu-hub-");

        var e = Assert.Throws<HubException>(() => ModelLocator.Resolve("acme/nope", null, null, hub.Settings(cache.Dir), default));

        Assert.Equal(HubError.RepoNotFound, e.Error);
        Assert.EndsWith($"(There is no folder '{Path.GetFullPath("acme/nope")}' either.)", e.Message);
    }
}

/// <summary>`kefu model download` through its command object, with its own environment and writers.</summary>
public class ModelDownloadCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Run(Dictionary<string, string> env, params string[] args)
    {
        var root = new RootCommand { ModelDownloadCommand.Create(name => env.GetValueOrDefault(name)) };
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await root.Parse(["download", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task The_last_line_on_stdout_is_the_snapshot_folder_and_progress_goes_to_stderr()
    {
        await using var hub = await FakeHub.StartAsync(TinyRepo.Create());
        using var cache = new TempProject("kefu-hub-");
        var env = new Dictionary<string, string> { ["HF_ENDPOINT"] = hub.Endpoint, ["HF_HUB_CACHE"] = cache.Dir };

        var (code, stdout, stderr) = await Run(env, TinyRepo.Id, "--include", "*.json", "--include", "*.safetensors");

        Assert.Equal(0, code);
        Assert.Equal(Path.Combine(TinyRepo.Root(cache.Dir), "snapshots", TinyRepo.Commit), stdout.TrimEnd('\n').Split('\n')[^1]);
        Assert.Contains("model.safetensors: done, 262.1 kB at ", stderr);
        Assert.Contains($"{TinyRepo.Id} at {TinyRepo.Commit}: 4 files, 4 downloaded, 0 already cached", stderr);
    }

    [Fact]
    public async Task Json_prints_one_object_with_repo_revision_commit_path_and_files()
    {
        await using var hub = await FakeHub.StartAsync(TinyRepo.Create());
        using var cache = new TempProject("kefu-hub-");
        var env = new Dictionary<string, string> { ["HF_ENDPOINT"] = hub.Endpoint };

        var (code, stdout, _) = await Run(env, TinyRepo.Id, "--revision", "v1.0", "--cache-dir", cache.Dir, "--include", "*.txt", "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        var o = json.RootElement;
        Assert.Equal(["repo_id", "revision", "commit", "path", "files"], o.EnumerateObject().Select(p => p.Name));
        Assert.Equal(TinyRepo.Id, o.GetProperty("repo_id").GetString());
        Assert.Equal("v1.0", o.GetProperty("revision").GetString());
        Assert.Equal(TinyRepo.Commit, o.GetProperty("commit").GetString());
        Assert.Equal(Path.Combine(TinyRepo.Root(cache.Dir), "snapshots", TinyRepo.Commit), o.GetProperty("path").GetString());
        Assert.Equal(["vocab.txt"], o.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task Errors_are_one_line_on_stderr_and_exit_one()
    {
        using var cache = new TempProject("kefu-hub-");
        var env = new Dictionary<string, string> { ["HF_HUB_OFFLINE"] = "1", ["HF_HUB_CACHE"] = cache.Dir };

        var (code, stdout, stderr) = await Run(env, TinyRepo.Id);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.StartsWith($"error: HF_HUB_OFFLINE is set and the cache does not hold {TinyRepo.Id} at revision 'main'", stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }
}
