using System.Text.Json;

namespace Kefu.Server.Contracts;

/// <summary>
/// Rasa's NLG endpoint response: the text (rewritten, or the template when a guardrail held), the template's buttons,
/// image and custom payload; KefuOutcome and KefuMeanLogProb say how the text was chosen.
/// </summary>
public sealed record NlgResponse(
    string? Text,
    IReadOnlyList<RestChannelButton> Buttons,
    string? Image,
    JsonElement? Custom,
    IReadOnlyList<JsonElement> Elements,
    IReadOnlyList<JsonElement> Attachments,
    string KefuOutcome,
    double? KefuMeanLogProb);
