namespace Kefu.Server;

/// <summary>
/// Whether the bot can take messages. The server starts not ready (liveness only); whoever loads the model
/// calls MarkReady, after which /readyz answers 200 and the chat endpoints stop answering 503.
/// </summary>
public sealed class ServerReadiness
{
    private volatile ModelInfo? _model;

    public bool IsReady => _model is not null;

    public ModelInfo? Model => _model;

    public void MarkReady(ModelInfo model) => _model = model ?? throw new ArgumentNullException(nameof(model));

    public void MarkNotReady() => _model = null;
}
