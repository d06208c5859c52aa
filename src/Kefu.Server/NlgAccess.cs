using Kefu.Generation.Nlg;

namespace Kefu.Server;

/// <summary>
/// The project's local response generator for POST /nlg: set once the bot has loaded (the route answers 503 until then),
/// null when endpoints.yml names no `nlg: {model: ...}` (it answers 404).
/// </summary>
public sealed class NlgAccess
{
    volatile bool loaded;
    RasaNlgServer? server;

    public bool Loaded => loaded;
    public RasaNlgServer? Server => server;

    public void Set(RasaNlgServer? nlg)
    {
        server = nlg;
        loaded = true;
    }
}
