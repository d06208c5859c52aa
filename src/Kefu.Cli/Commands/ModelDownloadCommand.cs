using System.CommandLine;
using System.Text.Json;
using Kefu.Hub;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu model download REPO_ID [--revision REV] [--cache-dir DIR] [--include GLOB]... [--json]`: a model from the
/// Hugging Face hub into the huggingface_hub cache (shared with Python tools). Progress goes to stderr; stdout's last
/// line is the snapshot folder, or with --json one object {"repo_id","revision","commit","path","files"}.
/// </summary>
internal static class ModelDownloadCommand
{
    public static Command Create() => Create(Environment.GetEnvironmentVariable);

    /// <param name="env">Environment variables (HF_ENDPOINT, HF_HUB_CACHE, HF_TOKEN, ...); tests pass their own.</param>
    internal static Command Create(Func<string, string?> env)
    {
        var repo = new Argument<string>("REPO_ID") { Description = "The model's hub id, org/name as in its URL (e.g. sentence-transformers/all-MiniLM-L6-v2)" };
        var revision = new Option<string>("--revision") { Description = "Branch, tag or commit hash", DefaultValueFactory = _ => HubClient.DefaultRevision };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Hub cache folder (default: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub)" };
        var include = new Option<string[]>("--include") { Description = "Only files matching this glob (fnmatch, e.g. '*.json', '1_Pooling/*'); repeatable; default: every file" };
        var json = new Option<bool>("--json") { Description = "Print {\"repo_id\",\"revision\",\"commit\",\"path\",\"files\"} as JSON" };
        var command = new Command("download", "Download a model from the Hugging Face hub into the shared huggingface_hub cache")
        {
            repo, revision, cacheDir, include, json,
        };
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(repo)!, parse.GetValue(revision)!, parse.GetValue(cacheDir), parse.GetValue(include) ?? [], parse.GetValue(json),
            env, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(string repoId, string revision, string? cacheDir, string[] include, bool json,
        Func<string, string?> env, TextWriter output, TextWriter error, CancellationToken ct)
    {
        try
        {
            var settings = HubSettings.FromEnvironment(env, cacheDir);
            bool interactive = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
            var client = new HubClient(settings, error, interactive);
            var snapshot = await client.DownloadAsync(repoId, revision, include, ct);
            error.WriteLine(Summary(snapshot, settings));
            if (json)
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    repo_id = snapshot.RepoId,
                    revision = snapshot.Revision,
                    commit = snapshot.Commit,
                    path = snapshot.Path,
                    files = snapshot.Files,
                }));
            }
            else
            {
                output.WriteLine(snapshot.Path);
            }
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // HubException (an IOException) carries the message for people; other I/O errors are the cache's disk.
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static string Summary(HubSnapshot s, HubSettings settings)
    {
        string files = s.Files.Count == 1 ? "1 file" : $"{s.Files.Count} files";
        string how = settings.Offline ? "from the cache (HF_HUB_OFFLINE)"
            : s.Downloaded.Count == 0 ? "all already cached"
            : $"{s.Downloaded.Count} downloaded, {s.Files.Count - s.Downloaded.Count} already cached";
        return $"{s.RepoId} at {s.Commit}: {files}, {how}";
    }
}
