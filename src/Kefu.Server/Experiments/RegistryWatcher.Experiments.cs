using Kefu.Dialogue;
using Kefu.Experiments;
using Kefu.Models;
using Microsoft.Extensions.Logging;

namespace Kefu.Server;

/// <summary>
/// Live A/B experiments (docs/experiments.md): while models/experiments.json has a running experiment its arms are
/// served side by side; once it stops, the promoted version is loaded again.
/// </summary>
public sealed partial class RegistryWatcher
{
    readonly IEventStore? store;

    /// <summary>
    /// Loads the running experiment when it is new to the watcher; null when none runs (the promoted version is then what
    /// to serve). A damaged experiments.json is logged once and changes nothing.
    /// </summary>
    async Task<bool?> CheckExperimentAsync(RegistryContents registry, IEventStore events, CancellationToken ct)
    {
        LiveExperiment? running;
        try
        {
            running = LiveExperiments.Read(models).Running;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (e.Message != lastProblem)
                logger.LogError("{Error}; still serving {Serving}", e.Message, reloader.Serving);
            lastProblem = e.Message;
            return false;
        }
        if (running is null) return null;
        string key = running.ServingKey;
        if (key == loaded) return false;
        var written = File.GetLastWriteTimeUtc(LiveExperiments.PathIn(models));
        if (failed == (key, written)) return false;
        var paths = new List<string>();
        foreach (var arm in running.Arms)
        {
            if (registry.Find(arm.Version) is not { } version)
            {
                logger.LogError("Experiment {Name} names version {Version}, which {Registry} does not list; still serving {Serving}",
                    running.Name, arm.Version, ModelRegistry.RegistryPath(models), reloader.Serving);
                failed = (key, written);
                return false;
            }
            paths.Add(ModelRegistry.ArchivePath(models, version));
        }
        try
        {
            await reloader.LoadExperimentAsync(running, paths, events, $"experiment {running.Name} is running: {LiveExperiments.Describe(running)}", ct)
                .ConfigureAwait(false);
            Volatile.Write(ref loaded, key);
            failed = null;
            return true;
        }
        catch (ModelLoadException)
        {
            failed = (key, written);   // logged by the reloader in one line
            return false;
        }
    }
}
