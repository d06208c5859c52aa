namespace Kefu.Server;

/// <summary>
/// How much one request, one conversation and one answer may hold. The public routes take whatever a client sends, so
/// each of these bounds memory (or disk) that a client could otherwise grow at will. Characters are Unicode scalar values
/// (Python's <c>len</c>, as Rasa counts), for message texts and ids alike. docs/server.md, "Limits", lists them.
/// </summary>
public sealed record ServerLimits
{
    /// <summary>Characters of a message: the webhook's <c>message</c>, the <c>text</c> of /model/parse and of added messages.</summary>
    public int MaxMessageCharacters { get; init; } = 10_000;

    /// <summary>Characters of a sender (conversation) id and of an agent's name.</summary>
    public int MaxIdCharacters { get; init; } = 256;

    /// <summary>
    /// Events one conversation may hold; a message to a conversation that has as many is refused with 409. A turn is
    /// 3–10 events, so the default is some 10,000 turns: no customer gets there, a script filling one conversation does.
    /// </summary>
    public int MaxConversationEvents { get; init; } = 100_000;

    /// <summary>Messages in one answer of the poll route: the default and the most of its <c>limit</c>.</summary>
    public int MaxMessagesPerPage { get; init; } = 100;

    /// <summary>
    /// Events of one conversation the dialogue engine keeps in memory (its last turns and what the policies have not
    /// folded into their state yet); older ones stay in the store and are read from it only when something needs them.
    /// </summary>
    public int MaxEventsInMemory { get; init; } = 256;

    /// <summary>The first limit that is not a positive number, as "name is value"; null when all are.</summary>
    public string? Invalid() =>
        MaxMessageCharacters < 1 ? $"MaxMessageCharacters is {MaxMessageCharacters}"
        : MaxIdCharacters < 1 ? $"MaxIdCharacters is {MaxIdCharacters}"
        : MaxConversationEvents < 1 ? $"MaxConversationEvents is {MaxConversationEvents}"
        : MaxMessagesPerPage < 1 ? $"MaxMessagesPerPage is {MaxMessagesPerPage}"
        : MaxEventsInMemory < 1 ? $"MaxEventsInMemory is {MaxEventsInMemory}"
        : null;
}
