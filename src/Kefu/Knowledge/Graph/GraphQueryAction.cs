using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;

namespace Kefu.Knowledge.Graph;

/// <summary>
/// `action_kb_query`: answers the latest message from the knowledge graph and remembers what the conversation is
/// about in the slots `kb_entity` (an entity id) and `kb_attribute`, so that 那它的电话呢 and 那天坛呢 are answered
/// about the right entity. The NLU's entity values are linked first, then the text itself. When the graph finds nothing
/// (no place named or remembered) and the knowledge base has a confident FAQ answer, that answers instead (the NLU took
/// an FAQ question for a graph one); otherwise it says so (no slot changes), with `utter_kb_no_answer` when the domain has it.
/// </summary>
public sealed class GraphQueryAction(GraphAnswerer answerer, KnowledgeBase? faq = null) : IAction
{
    public const string ActionName = "action_kb_query";
    public const string EntitySlot = "kb_entity", AttributeSlot = "kb_attribute";

    public string Name => ActionName;

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct) => Task.FromResult(Run(context));

    IReadOnlyList<DialogueEvent> Run(ActionContext c)
    {
        var answer = Ask(answerer, c);
        if (!answer.Answered && answer.Subject is null)
        {
            if (faq?.Answer(c.Tracker.State.LatestMessage?.Text ?? "").Best is { } best) return KbAnswerAction.Say(c, best.Text, best.Id);
            if (c.Utter("utter_kb_no_answer") is { Count: > 0 } custom) return custom;
        }
        return Reply(c, answer);
    }

    /// <summary>The graph's answer to the latest message, given the entity and attribute the slots remember.</summary>
    internal static GraphAnswer Ask(GraphAnswerer answerer, ActionContext c)
    {
        var state = c.Tracker.State;
        var message = state.LatestMessage;
        var values = message?.Parse?.Entities.Select(e => e.Value?.ToString() ?? "").Where(v => v.Length > 0) ?? [];
        return answerer.Answer(message?.Text ?? "", state.SlotText(EntitySlot), state.SlotText(AttributeSlot), values);
    }

    /// <summary>The answer's sentence and, where the domain has the slots, the entity and attribute it is about.</summary>
    internal static IReadOnlyList<DialogueEvent> Reply(ActionContext c, GraphAnswer answer)
    {
        var events = new List<DialogueEvent> { new BotUttered(new BotMessage(answer.Text)) };
        if (answer.Subject is { } subject && c.Domain.FindSlot(EntitySlot) is not null)
            events.Add(new SlotSet(EntitySlot, JsonSerializer.SerializeToElement(subject)));
        if (c.Domain.FindSlot(AttributeSlot) is not null && answer.Subject is not null)
            events.Add(new SlotSet(AttributeSlot, answer.Attribute is { } a ? JsonSerializer.SerializeToElement(a) : null));
        return events;
    }
}
