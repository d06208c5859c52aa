namespace Kefu.Dialogue;

/// <summary>
/// The text of a reply while an action is still making it (an LLM's tokens), for a channel that shows it as it comes
/// (POST /webhooks/rest/stream, the web chat). A channel listens around one turn; an action that makes text piece by
/// piece writes each piece when someone listens. The pieces are provisional: the turn's messages, persisted first as
/// always, are the reply (a streamed answer may still end in the fallback). The listener is an AsyncLocal, so it flows
/// with the turn into its actions and concurrent turns never see each other's.
/// </summary>
public static class ReplyStream
{
    static readonly AsyncLocal<Func<string, ValueTask>?> listener = new();

    /// <summary>Whether the current turn's channel streams.</summary>
    public static bool Listening => listener.Value is not null;

    /// <summary>Sends pieces written in this flow to <paramref name="onText"/> until disposed.</summary>
    public static IDisposable Listen(Func<string, ValueTask> onText)
    {
        var previous = listener.Value;
        listener.Value = onText;
        return new Restore(previous);
    }

    /// <summary>A piece of the reply being made; nothing when no channel listens.</summary>
    public static ValueTask WriteAsync(string text) =>
        listener.Value is { } write && text.Length > 0 ? write(text) : ValueTask.CompletedTask;

    sealed class Restore(Func<string, ValueTask>? previous) : IDisposable
    {
        public void Dispose() => listener.Value = previous;
    }
}
