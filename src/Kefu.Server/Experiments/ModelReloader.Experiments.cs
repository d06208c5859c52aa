using Kefu.Dialogue;
using Kefu.Experiments;
using Kefu.Server.Experiments;

namespace Kefu.Server;

/// <summary>A live experiment's arms loaded side by side behind an <see cref="ExperimentRouter"/>.</summary>
public sealed partial class ModelReloader
{
    /// <summary>
    /// Loads the archive of every arm (<paramref name="paths"/>, in the order of the arms) and swaps in a router between them;
    /// nothing changes when one fails to load. /status names the experiment and its versions.
    /// </summary>
    public Task<LoadedModel> LoadExperimentAsync(LiveExperiment experiment, IReadOnlyList<string> paths, IEventStore store, string why,
        CancellationToken ct = default)
    {
        var loader = Loader ?? throw new ModelLoadException("this server loads no model files (it was not started by kefu serve with a project)");
        return SwapInAsync(string.Join(" and ", paths), () =>
        {
            var arms = paths.Select(loader).ToList();
            var router = new ExperimentRouter(experiment, arms.Select(a => a.Engine).ToList(), store);
            string id = $"{experiment.Name} ({string.Join(", ", experiment.Arms.Select((a, i) => $"{a.Name}={arms[i].Info.ModelId}"))})";
            return new LoadedModel(router, new ModelInfo(arms[0].Info.ModelFile, id, arms[0].Info.TrainedAt));
        }, why, ct);
    }
}
