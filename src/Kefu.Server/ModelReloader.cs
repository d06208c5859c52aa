using Microsoft.Extensions.Logging;

namespace Kefu.Server;

/// <summary>A model loaded into an engine, ready to be swapped in, and what /status says of it.</summary>
public sealed record LoadedModel(Kefu.Dialogue.IChatService Engine, ModelInfo Info);

/// <summary>A model file that could not be loaded; the engine that was serving still is.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Loads a model file in the background and swaps it in (<see cref="EngineSwitch"/>) only once it has loaded; a load
/// that fails is logged in one line and the old model keeps serving. One load at a time. `kefu serve` sets
/// <see cref="Loader"/> (the CLI knows how a bot is built) and <see cref="ModelsDirectory"/>, the only folder PUT /model
/// takes files from.
/// </summary>
public sealed partial class ModelReloader(EngineSwitch engines, ServerReadiness readiness, ILogger<ModelReloader> logger)
{
    readonly SemaphoreSlim one = new(1, 1);

    /// <summary>Reads a model file into an engine; throws when the file is not a usable model.</summary>
    public Func<string, LoadedModel>? Loader { get; set; }

    public string? ModelsDirectory { get; set; }

    /// <summary>The model id serving now, or "no model".</summary>
    public string Serving => readiness.Model?.ModelId ?? "no model";

    public Task<LoadedModel> LoadAsync(string path, string why, CancellationToken ct = default)
    {
        var loader = Loader ?? throw new ModelLoadException("this server loads no model files (it was not started by kefu serve with a project)");
        return SwapInAsync(path, () => loader(path), why, ct);
    }

    /// <summary>Runs <paramref name="load"/> in the background and swaps its engine in; <paramref name="path"/> names what it loads, for the log.</summary>
    async Task<LoadedModel> SwapInAsync(string path, Func<LoadedModel> load, string why, CancellationToken ct)
    {
        await one.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            LoadedModel loaded;
            try
            {
                loaded = await Task.Run(load, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                string serving = Serving;
                logger.LogError("Could not load {Path} ({Why}): {Error}; still serving {Serving}", path, why, e.Message.ReplaceLineEndings(" "), serving);
                throw new ModelLoadException($"could not load {path}: {e.Message}; still serving {serving}", e);
            }
            engines.Swap(loaded.Engine);
            readiness.MarkReady(loaded.Info);
            logger.LogInformation("Serving {ModelId} from {Path} ({Why})", loaded.Info.ModelId, path, why);
            return loaded;
        }
        finally
        {
            one.Release();
        }
    }

    /// <summary>Rasa's DELETE /model: the chat routes answer 503 until a model is loaded again.</summary>
    public async Task UnloadAsync(CancellationToken ct = default)
    {
        await one.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            readiness.MarkUnloaded();
            logger.LogInformation("Model unloaded (DELETE /model): the chat routes answer 503 until one is loaded");
        }
        finally
        {
            one.Release();
        }
    }
}
