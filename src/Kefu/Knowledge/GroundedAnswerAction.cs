using System.Text;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Generation.Llm;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Kefu.Knowledge;

/// <summary>
/// How a grounded answer is made. <paramref name="Passages"/>: how many retrieved passages the LLM may see, at most;
/// <paramref name="MinConfidence"/>: passages below this retrieval confidence are not shown (none left: the bot says it
/// has no answer instead of asking the LLM); null: half the knowledge base's answer threshold, so passages not sure
/// enough to be the answer on their own may still ground one (a default, not a measured choice); <paramref name="ContextBudgetChars"/>: the passages' text sent, at most, in
/// characters (a passage that would cross it is cut, the rest left out).
/// </summary>
public sealed record GroundedAnswerOptions(int Passages = 4, float? MinConfidence = null, int ContextBudgetChars = 4000);

/// <summary>
/// `action_llm_answer` (RAG): answers the latest message from the knowledge base's passages through the project's LLM,
/// and only from them. The passages go to the model numbered; it must cite them as [n] or answer NO_ANSWER. The reply
/// carries its sources in `custom.citations` ({id, title, source}). Nothing relevant retrieved, NO_ANSWER, or an LLM that
/// fails or times out: `utter_kb_no_answer` (else `utter_default`), never an error to the customer. When the channel
/// streams (<see cref="ReplyStream"/>), the answer is asked for as a stream and its pieces are written as they come.
/// </summary>
public sealed class GroundedAnswerAction(KnowledgeBase kb, IChatClient llm, GroundedAnswerOptions options, ILogger? log = null) : IAction
{
    public const string ActionName = "action_llm_answer";
    public const string NoAnswer = "NO_ANSWER";

    public const string Instructions =
        "You are a customer-service assistant. Answer the customer's question using only the numbered passages below. " +
        "Cite every passage you use as [n]. If the passages do not contain the answer, reply exactly NO_ANSWER. " +
        "Answer in the customer's language, briefly.";

    public string Name => ActionName;

    public async Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        string question = context.Tracker.State.LatestMessage?.Text ?? "";
        float least = options.MinConfidence ?? kb.Threshold / 2;
        var passages = kb.Search(question, options.Passages).Where(p => p.Confidence >= least).ToList();
        var shown = Budget(passages, options.ContextBudgetChars);
        if (shown.Count == 0) return NoAnswerReply(context);

        var prompt = new StringBuilder();
        for (int i = 0; i < shown.Count; i++) prompt.Append('[').Append(i + 1).Append("] ").Append(shown[i].Title).Append('\n').Append(shown[i].Text).Append("\n\n");
        prompt.Append("Question: ").Append(question);
        string answer;
        try
        {
            ChatMessage[] messages = [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, prompt.ToString())];
            answer = ReplyStream.Listening
                ? (await StreamAsync(messages, ct)).Trim()
                : (await llm.GetResponseAsync(messages, cancellationToken: ct)).Text.Trim();
        }
        catch (LlmException e)
        {
            log?.LogWarning("{Action}: {Error}; answering with the fallback", ActionName, e.Message);
            return NoAnswerReply(context);
        }
        if (answer.Length == 0 || answer.Contains(NoAnswer, StringComparison.Ordinal)) return NoAnswerReply(context);
        var cited = Enumerable.Range(0, shown.Count).Where(i => answer.Contains($"[{i + 1}]", StringComparison.Ordinal)).Select(i => shown[i]).ToList();
        var citations = JsonSerializer.SerializeToElement(new
        {
            citations = (cited.Count > 0 ? cited : shown).Select(p => new { id = p.Id, title = p.Title, source = p.Source }),
        });
        return [new BotUttered(new BotMessage(answer, Custom: citations), ActionName)];
    }

    /// <summary>
    /// The answer token by token, each piece written to the <see cref="ReplyStream"/> as it comes; the first pieces are held
    /// until they cannot be the start of NO_ANSWER, so a refusal is never shown as text.
    /// </summary>
    async Task<string> StreamAsync(ChatMessage[] messages, CancellationToken ct)
    {
        var text = new StringBuilder();
        int shown = 0;
        await foreach (var update in llm.GetStreamingResponseAsync(messages, cancellationToken: ct))
        {
            text.Append(update.Text);
            var sofar = text.ToString().TrimStart();
            if (shown == 0 && sofar.Length < NoAnswer.Length && NoAnswer.StartsWith(sofar, StringComparison.Ordinal)) continue;
            if (sofar.StartsWith(NoAnswer, StringComparison.Ordinal)) continue;
            await ReplyStream.WriteAsync(sofar[shown..]);
            shown = sofar.Length;
        }
        return text.ToString();
    }

    /// <summary>The passages in rank order until their text fills the budget; the one crossing it is cut.</summary>
    internal static List<RetrievedPassage> Budget(IReadOnlyList<RetrievedPassage> passages, int budget)
    {
        var kept = new List<RetrievedPassage>();
        int used = 0;
        foreach (var p in passages)
        {
            if (used >= budget) break;
            int room = budget - used;
            kept.Add(p.Text.Length <= room ? p : p with { Text = p.Text[..room] });
            used += Math.Min(p.Text.Length, room);
        }
        return kept;
    }

    private static IReadOnlyList<DialogueEvent> NoAnswerReply(ActionContext c)
    {
        var none = c.Utter("utter_kb_no_answer");
        return none.Count > 0 ? none : c.Utter("utter_default");
    }
}
