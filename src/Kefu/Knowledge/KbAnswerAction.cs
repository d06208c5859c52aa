using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;

namespace Kefu.Knowledge;

/// <summary>
/// `action_kb_answer`: answers the latest message from the knowledge base. A retrieval intent the NLU found
/// (`faq/ask_price`) answers with the FAQ entry of that id when the FAQ has it; otherwise the message text is searched.
/// Confident (≥ threshold): the passage's text. Not confident but with candidates: `utter_kb_did_you_mean` (or a
/// built-in sentence) with the candidates' questions as buttons, each button sending its question back. Nothing:
/// `utter_kb_no_answer`, else `utter_default`. The passage id goes into the slot `kb_passage` when the domain has it.
/// With a knowledge graph, a message the FAQ is not confident about that the graph answers (it names or remembers a place
/// and asks a fact or a list of it) is answered from the graph, as action_kb_query would: the NLU took a graph question
/// for an FAQ one, or this action runs as the fallback.
/// </summary>
public sealed class KbAnswerAction(KnowledgeBase kb, string? language = null, Graph.GraphAnswerer? graph = null) : IAction
{
    public const string ActionName = "action_kb_answer";
    public const string PassageSlot = "kb_passage";

    public string Name => ActionName;

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct) =>
        Task.FromResult(Run(context));

    IReadOnlyList<DialogueEvent> Run(ActionContext c)
    {
        var message = c.Tracker.State.LatestMessage;
        var text = message?.Text ?? "";
        if (message?.Parse?.Retrieval is { } full && full.Name.IndexOf('/') is > 0 and var slash && kb.FindFaq(full.Name[(slash + 1)..]) is { } entry)
            return Say(c, entry.Text, entry.Id);
        var answer = kb.Answer(text);
        if (answer.Best is { } best) return Say(c, best.Text, best.Id);
        if (graph is not null && Graph.GraphQueryAction.Ask(graph, c) is { Answered: true } fact) return Graph.GraphQueryAction.Reply(c, fact);
        if (answer.Candidates.Count > 0)
        {
            var buttons = answer.Candidates.Select(p => p.MatchedQuestion ?? p.Title).Where(q => q.Length > 0).Distinct()
                .Select(q => new BotButton(q, q)).ToList();
            var ask = c.Utter("utter_kb_did_you_mean") is [BotUttered { Message: var m }, ..] ? m.Text : null;
            return [new BotUttered(new BotMessage(ask ?? DidYouMean(), Buttons: buttons), "utter_kb_did_you_mean")];
        }
        var none = c.Utter("utter_kb_no_answer");
        return none.Count > 0 ? none : c.Utter("utter_default");
    }

    string DidYouMean() =>
        language is { } lang && lang.StartsWith("zh", StringComparison.Ordinal) ? "您是想问以下哪个问题？" : "Did you mean one of these?";

    internal static IReadOnlyList<DialogueEvent> Say(ActionContext c, string text, string id)
    {
        var events = new List<DialogueEvent> { new BotUttered(new BotMessage(text)) };
        if (c.Domain.FindSlot(PassageSlot) is not null) events.Add(new SlotSet(PassageSlot, JsonSerializer.SerializeToElement(id)));
        return events;
    }
}
