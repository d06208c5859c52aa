using Kefu.Models;
using Microsoft.Extensions.Logging;

namespace Kefu.Server;

/// <summary>
/// Loads the registry's promoted version when it changes (kefu models promote, rollback, a kefu train): a
/// FileSystemWatcher on models/registry.json wakes it, and it also looks every <c>interval</c> (network drives and
/// containers can miss file events). A version that failed to load is not tried again until the registry changes.
/// A damaged registry is logged once per distinct problem; the loaded model keeps serving.
/// </summary>
public sealed partial class RegistryWatcher : IAsyncDisposable
{
    readonly string models;
    readonly ModelReloader reloader;
    readonly ILogger logger;
    readonly FileSystemWatcher? watcher;
    readonly SemaphoreSlim wake = new(0);
    readonly CancellationTokenSource stop = new();
    readonly Task loop;
    string? loaded;
    (string Version, DateTime Written)? failed;
    string? lastProblem;

    /// <param name="loadedVersion">The version serving now (null: none of the registry's, e.g. a legacy model.kefu).</param>
    /// <param name="store">The conversation store: with it, models/experiments.json is watched too (live A/B experiments).</param>
    public RegistryWatcher(string modelsDirectory, string? loadedVersion, ModelReloader reloader, ILogger logger, TimeSpan interval,
        Kefu.Dialogue.IEventStore? store = null)
    {
        models = modelsDirectory;
        this.store = store;
        loaded = loadedVersion;
        this.reloader = reloader;
        this.logger = logger;
        Directory.CreateDirectory(models);
        try
        {
            watcher = new FileSystemWatcher(models, ModelRegistry.FileName) { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite };
            watcher.Changed += (_, _) => Wake();
            watcher.Created += (_, _) => Wake();
            watcher.Renamed += (_, _) => Wake();
            if (store is not null) watcher.Filters.Add(Kefu.Experiments.LiveExperiments.FileName);
            watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or ArgumentException)
        {
            logger.LogWarning("Not watching {Folder} for promotions ({Error}); checking it every {Seconds} s", models, e.Message, interval.TotalSeconds);
        }
        if (store is not null) Wake();   // a running experiment is served from the start, not after the first interval
        loop = Task.Run(() => RunAsync(interval, stop.Token));
    }

    /// <summary>The version the watcher last loaded (or started with); for a live experiment, its <see cref="Kefu.Experiments.LiveExperiment.ServingKey"/>.</summary>
    public string? LoadedVersion => Volatile.Read(ref loaded);

    /// <summary>The version of a registry archive path (models/versions/v3.kefu is v3); null for any other file.</summary>
    public static string? VersionOf(string modelsDirectory, string modelPath) =>
        Path.GetDirectoryName(Path.GetFullPath(modelPath)) == Path.Combine(Path.GetFullPath(modelsDirectory), ModelRegistry.VersionsFolder)
            ? Path.GetFileNameWithoutExtension(modelPath) : null;

    void Wake()
    {
        if (wake.CurrentCount == 0) wake.Release();
    }

    async Task RunAsync(TimeSpan interval, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await wake.WaitAsync(interval, ct).ConfigureAwait(false);
                await CheckAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError("Checking {Folder} for a promoted version failed: {Error}", models, e.Message);
            }
        }
    }

    /// <summary>
    /// Loads the promoted version when its promotion is new to the watcher (a model put in by PUT /model, or unloaded by
    /// DELETE /model, stays until the next promotion); false when nothing changed or the load failed.
    /// </summary>
    public async Task<bool> CheckAsync(CancellationToken ct = default)
    {
        RegistryContents registry;
        try
        {
            registry = ModelRegistry.Read(models);
            lastProblem = null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (e.Message != lastProblem)
                logger.LogError("{Error}; still serving {Serving}", e.Message, reloader.Serving);
            lastProblem = e.Message;
            return false;
        }
        if (store is not null && await CheckExperimentAsync(registry, store, ct).ConfigureAwait(false) is { } experimentLoaded)
            return experimentLoaded;
        if (registry.PromotedVersion is not { } promoted || promoted.Id == loaded) return false;
        string path = ModelRegistry.ArchivePath(models, promoted);
        var written = File.GetLastWriteTimeUtc(ModelRegistry.RegistryPath(models));
        if (failed == (promoted.Id, written)) return false;
        try
        {
            await reloader.LoadAsync(path, $"{promoted.Id} was promoted", ct).ConfigureAwait(false);
            Volatile.Write(ref loaded, promoted.Id);
            failed = null;
            return true;
        }
        catch (ModelLoadException)
        {
            failed = (promoted.Id, written);   // logged by the reloader in one line
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        watcher?.Dispose();
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        stop.Dispose();
    }
}
