namespace Kefu.Server.Contracts;

/// <summary>
/// POST /webhooks/rest/conversations/{sender}/feedback: a thumbs vote on one bot message, named by <see cref="Index"/>, its
/// event index in the conversation (the <c>index</c> the messages route gives it); <see cref="Value"/> "up" or "down".
/// </summary>
public sealed record FeedbackRequest(int? Index, string? Value);

/// <summary>The vote as the conversation holds it; <see cref="Stored"/> is false when it repeated the latest vote (nothing was stored).</summary>
public sealed record FeedbackResponse(string Sender, int Index, string Value, bool Stored);

/// <summary>POST /webhooks/rest/conversations/{sender}/rating: 1–5 stars for the conversation and an optional short comment.</summary>
public sealed record RatingRequest(int? Stars, string? Comment = null);

/// <summary>The rating as the conversation holds it; <see cref="Stored"/> is false when it repeated the latest rating.</summary>
public sealed record RatingResponse(string Sender, int Stars, string? Comment, bool Stored);
