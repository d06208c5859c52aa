using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;

namespace Kefu.Knowledge.Graph;

/// <summary>
/// `action_kb_query`: answers the latest message from the knowledge graph and remembers what the conversation is
/// about in the slots `kb_entity` (an entity id) and `kb_attribute`, so that 那它的电话呢 and 那天坛呢 are answered
/// about the right entity. The NLU's entity values are linked first, then the text itself. When nothing is found it
/// says so (no slot changes); `utter_kb_no_answer` replaces the built-in sentence when the domain has it.
/// </summary>
public sealed class GraphQueryAction(GraphAnswerer answerer) : IAction
{
    public const string ActionName = "action_kb_query";
    public const string EntitySlot = "kb_entity", AttributeSlot = "kb_attribute";

    public string Name => ActionName;

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct) => Task.FromResult(Run(context));

    IReadOnlyList<DialogueEvent> Run(ActionContext c)
    {
        var state = c.Tracker.State;
        var message = state.LatestMessage;
        var text = message?.Text ?? "";
        var values = message?.Parse?.Entities.Select(e => e.Value?.ToString() ?? "").Where(v => v.Length > 0) ?? [];
        var answer = answerer.Answer(text, state.SlotText(EntitySlot), state.SlotText(AttributeSlot), values);
        if (!answer.Answered && answer.Subject is null && c.Utter("utter_kb_no_answer") is { Count: > 0 } custom) return custom;
        var events = new List<DialogueEvent> { new BotUttered(new BotMessage(answer.Text)) };
        if (answer.Subject is { } subject && c.Domain.FindSlot(EntitySlot) is not null)
            events.Add(new SlotSet(EntitySlot, JsonSerializer.SerializeToElement(subject)));
        if (c.Domain.FindSlot(AttributeSlot) is not null && answer.Subject is not null)
            events.Add(new SlotSet(AttributeSlot, answer.Attribute is { } a ? JsonSerializer.SerializeToElement(a) : null));
        return events;
    }
}
