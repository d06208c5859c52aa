using Kefu.Knowledge;

namespace Kefu.Server;

/// <summary>
/// The project's knowledge for the /kb routes: set once the model and knowledge have loaded (the routes answer 503
/// until then), null when the project has no knowledge.yml (they answer 404).
/// </summary>
public sealed class KnowledgeAccess
{
    volatile bool loaded;
    KnowledgeService? service;

    public bool Loaded => loaded;
    public KnowledgeService? Service => service;

    public void Set(KnowledgeService? knowledge)
    {
        service = knowledge;
        loaded = true;
    }
}
