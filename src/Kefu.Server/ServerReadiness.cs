namespace Kefu.Server;

/// <summary>
/// Whether the bot can take messages. The server starts not ready (liveness only); whoever loads the model
/// calls MarkReady, after which /readyz answers 200 and the chat endpoints stop answering 503. A conversation store
/// found damaged (at the start-up check or by a read) makes it not ready for good: restore the file and restart.
/// </summary>
public sealed class ServerReadiness
{
    private volatile ModelInfo? _model;
    private volatile string? _storeProblem;
    private volatile bool _unloaded;

    public bool IsReady => _model is not null && _storeProblem is null;

    public ModelInfo? Model => _model;

    /// <summary>What is wrong with the conversation store, in one line; null while nothing is known to be.</summary>
    public string? StoreProblem => _storeProblem;

    /// <summary>Why the server is not ready, as the 503s say it; null when it is.</summary>
    public string? Reason => _storeProblem is { } store ? store + "; the server takes no messages until the file is restored"
        : _model is null && _unloaded ? "the model was unloaded (DELETE /model); load one with PUT /model or promote a version (kefu models promote)"
        : _model is null ? "the bot's model is not loaded yet; retry shortly"
        : null;

    public void MarkReady(ModelInfo model)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _unloaded = false;
    }

    public void MarkNotReady() => _model = null;

    /// <summary>No model, on purpose (DELETE /model): not ready, and the 503s say how to load one.</summary>
    public void MarkUnloaded()
    {
        _unloaded = true;
        _model = null;
    }

    public void MarkStoreFailed(string problem) => _storeProblem ??= problem ?? throw new ArgumentNullException(nameof(problem));
}
