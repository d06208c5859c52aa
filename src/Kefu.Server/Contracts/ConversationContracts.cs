namespace Kefu.Server.Contracts;

/// <summary>
/// POST /conversations/{id}/messages. Sender "user" runs a turn as the webhook does; sender "agent" (with
/// the agent's name) is a human agent writing during a handoff.
/// </summary>
public sealed record ConversationMessageRequest(string? Text, string? Sender, string? Agent = null);
