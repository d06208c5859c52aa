using System.Text.Json;
using System.Text.RegularExpressions;
using Kefu.Generation.CausalLm;
using Kefu.Projects;

namespace Kefu.Generation.Nlg;

/// <summary>A reply in Rasa's NLG protocol, with how it was made (kefu's own field).</summary>
public sealed record NlgReply(string? Text, IReadOnlyList<ResponseButton> Buttons, string? Image, JsonElement? Custom, string Outcome,
    double? MeanLogProbability);

/// <summary>
/// Rasa's NLG endpoint protocol: POST {"response": NAME, "arguments": {...}, "tracker": {...}, "channel": {"name"}} →
/// {"text", "buttons", "image", "custom", ...}. The named response's variation for the channel (else one without a
/// channel) is taken from the domain, its {placeholders} filled from the arguments and then the tracker's slots, and its
/// text rewritten by the <see cref="ResponseRewriter"/> in the context of the tracker's latest user message; buttons,
/// image and custom stay as the template has them.
/// </summary>
public sealed partial class RasaNlgServer(Domain domain, ResponseRewriter rewriter)
{
    /// <exception cref="ArgumentException">The body is not an NLG request, or names no response of the domain.</exception>
    public NlgReply Respond(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("response", out var name) || name.ValueKind != JsonValueKind.String)
            throw new ArgumentException("an NLG request is {\"response\": NAME, \"arguments\", \"tracker\", \"channel\"}; \"response\" is missing");
        string responseName = name.GetString()!;
        var response = domain.FindResponse(responseName) ?? throw new ArgumentException($"the domain has no response '{responseName}'");
        string? channel = body.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.Object && c.TryGetProperty("name", out var cn)
            && cn.ValueKind == JsonValueKind.String ? cn.GetString() : null;
        var variation = response.Variations.FirstOrDefault(v => v.Channel is not null && v.Channel == channel)
            ?? response.Variations.FirstOrDefault(v => v.Channel is null)
            ?? throw new ArgumentException($"response '{responseName}' has no variation for channel '{channel}'");
        var tracker = body.TryGetProperty("tracker", out var t) && t.ValueKind == JsonValueKind.Object ? t : default;
        if (variation.Text is null)
            return new NlgReply(null, variation.Buttons, variation.Image, variation.Custom, "no_text", null);
        string template = Fill(variation.Text, body.TryGetProperty("arguments", out var a) ? a : default, tracker);
        string? user = tracker.ValueKind == JsonValueKind.Object && tracker.TryGetProperty("latest_message", out var latest)
            && latest.ValueKind == JsonValueKind.Object && latest.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString() : null;
        var rewritten = rewriter.Rewrite(template, user);
        return new NlgReply(rewritten.Text, variation.Buttons, variation.Image, variation.Custom, OutcomeName(rewritten.Outcome),
            double.IsFinite(rewritten.MeanLogProbability) ? rewritten.MeanLogProbability : null);
    }

    private static string OutcomeName(RewriteOutcome outcome) => outcome switch
    {
        RewriteOutcome.Rewritten => "rewritten",
        RewriteOutcome.EmptyKeptTemplate => "template: empty generation",
        RewriteOutcome.TooLongKeptTemplate => "template: too long",
        RewriteOutcome.BannedKeptTemplate => "template: banned phrase",
        _ => "template: below min_log_prob",
    };

    // {name} from the request's arguments, then the tracker's slots; unknown placeholders stay as written
    private static string Fill(string template, JsonElement arguments, JsonElement tracker) => Placeholder().Replace(template, m =>
    {
        string key = m.Groups[1].Value;
        if (arguments.ValueKind == JsonValueKind.Object && arguments.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null)
            return value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        if (tracker.ValueKind == JsonValueKind.Object && tracker.TryGetProperty("slots", out var slots) && slots.ValueKind == JsonValueKind.Object
            && slots.TryGetProperty(key, out var slot) && slot.ValueKind != JsonValueKind.Null)
            return slot.ValueKind == JsonValueKind.String ? slot.GetString()! : slot.GetRawText();
        return m.Value;
    });

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Placeholder();
}
