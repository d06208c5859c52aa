namespace Kefu.Server;

/// <summary>
/// A part of the project that routes use once the bot has loaded: the knowledge for /kb (<c>LoadedLater&lt;KnowledgeService&gt;</c>),
/// the local response generator for POST /nlg (<c>LoadedLater&lt;RasaNlgServer&gt;</c>). Until <see cref="Set"/> the routes
/// answer 503; a null value means the project has none (they answer 404).
/// </summary>
public sealed class LoadedLater<T> where T : class
{
    volatile bool loaded;
    T? value;

    public bool Loaded => loaded;
    public T? Value => value;

    public void Set(T? loadedValue)
    {
        value = loadedValue;
        loaded = true;
    }
}
