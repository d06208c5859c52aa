namespace Kefu.Dialogue;

/// <summary>
/// Who may run a conversation's turn now. The holder of a conversation's lock loads its tracker, runs the turn and
/// appends its events; everyone else asking for that conversation waits, and is let in in the order they asked.
/// In-process by default (<see cref="ConversationLocks"/>); a lock store shared by several server replicas (Redis)
/// orders one conversation's messages whichever replica receives them.
/// </summary>
public interface IConversationLocks
{
    /// <summary>Waits for the conversation's turn; disposing the lease lets the next one in.</summary>
    Task<IAsyncDisposable> AcquireAsync(string conversationId, CancellationToken ct);

    /// <summary>
    /// Whether other processes run turns on the same store: then a tracker kept in memory is checked against the store
    /// before each turn and appends are fenced (<see cref="IEventStore.AppendExpectingAsync"/>).
    /// </summary>
    bool SharedAcrossProcesses { get; }
}
