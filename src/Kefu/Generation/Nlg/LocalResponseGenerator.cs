using Kefu.Dialogue;
using Kefu.Dialogue.Responses;
using Kefu.Dialogue.Tracking;
using Kefu.Generation.CausalLm;
using Kefu.Observability;

namespace Kefu.Generation.Nlg;

/// <summary>
/// endpoints.yml `nlg: {model: ..., rewrite_responses: true}`: the bot's own responses rewritten by the local generator
/// in the context of the latest user message, as POST /nlg rewrites other bots' (<see cref="RasaNlgServer"/>). Only the
/// text is rewritten (buttons, image and custom stay the template's); a reply the guardrails stop keeps the template.
/// </summary>
public sealed class LocalResponseGenerator(ResponseRewriter rewriter) : IResponseGenerator
{
    public async Task<BotMessage?> GenerateAsync(string response, BotMessage rendered, Tracker tracker, string? channel, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(rendered.Text)) return null;
        // generation is CPU work of up to a few seconds: off the conversation's thread
        var result = await Task.Run(() => rewriter.Rewrite(rendered.Text, tracker.State.LatestMessage?.Text), ct).ConfigureAwait(false);
        bool rewritten = result.Outcome == RewriteOutcome.Rewritten;
        KefuMetrics.NlgResponses.Add(1, new KeyValuePair<string, object?>("outcome", rewritten ? "generated" : "template"));
        return rewritten ? rendered with { Text = result.Text } : null;
    }
}
