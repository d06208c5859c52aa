namespace Kefu.Server.Contracts;

/// <summary>POST /webhooks/rest/sessions: the new conversation's sender id; its cookie comes in Set-Cookie.</summary>
public sealed record SessionResponse(string Sender);
