using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Generation.CausalLm;

namespace Kefu.Generation.Nlg;

/// <summary>
/// `action_generate_response`: the local generator (endpoints.yml `nlg: {model: ...}`) answers the latest user message,
/// e.g. as the action of a rule on `nlu_fallback` when no intent fits. The reply passes the same guardrails as the NLG
/// endpoint; when it does not, the bot says `utter_default` (nothing when the domain has none). With
/// <paramref name="retrieve"/> (the project's knowledge base), the passages it finds for the message fill {passages} in
/// the prompt format, so a generator fine-tuned on "passages + question → answer" answers from them; nothing checks that
/// it did (action_llm_answer is the grounded answer that cites its passages).
/// </summary>
/// <param name="retrieve">The text of the passages retrieved for a message, or null when there are none.</param>
public sealed class GenerateResponseAction(ResponseRewriter rewriter, Func<string, string?>? retrieve = null) : IAction
{
    public const string ActionName = "action_generate_response";
    public const string FallbackResponse = "utter_default";

    public string Name => ActionName;

    public async Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        string user = context.Tracker.State.LatestMessage?.Text ?? "";
        var fallback = context.Utter(FallbackResponse);
        string template = fallback.OfType<BotUttered>().FirstOrDefault()?.Message.Text ?? "";
        // generation is CPU work of up to a few seconds: off the conversation's thread
        var result = await Task.Run(() => rewriter.Rewrite(template, user, retrieve?.Invoke(user)), ct);
        return result.Outcome == RewriteOutcome.Rewritten
            ? [new BotUttered(new BotMessage(result.Text), ActionName)]
            : fallback;
    }
}
