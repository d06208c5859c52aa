namespace Kefu.Server.Agents;

// The console's JSON (snake_case on the wire, as every route of the server).

public sealed record SignInRequest(string? Name, string? Password);

public sealed record AgentInfo(string Name, string DisplayName, string Role);

public sealed record QueueItem(string ConversationId, DateTimeOffset HandedOffAt, double WaitingSeconds, string? Reason, string? ClaimedBy, DateTimeOffset? ClaimedAt);

public sealed record QueueResponse(IReadOnlyList<QueueItem> Conversations, int Unclaimed);

/// <summary>
/// One line of the conversation as the console shows it. Kind: "user" (with the NLU's intent and confidence from the
/// stored parse_data), "bot", "agent" (Agent names who), "handoff" (Text is the reason), "handback".
/// </summary>
public sealed record ConsoleMessage(int Index, string Kind, string? Text, DateTimeOffset At, string? Agent = null, string? Intent = null, double? Confidence = null);

public sealed record NoteItem(string Agent, string Text, DateTimeOffset At);

/// <summary>The conversation's last <c>ConsoleRoutes.MaxEvents</c> events (First is the index of the first read), its queue state and notes.</summary>
public sealed record ConversationView(string ConversationId, bool HandedOff, string? ClaimedBy, int First, IReadOnlyList<ConsoleMessage> Messages, IReadOnlyList<NoteItem> Notes);

public sealed record ReplyRequest(string? Text);

public sealed record HandBackRequest(string? Note);

public sealed record TransferRequest(string? Agent);
