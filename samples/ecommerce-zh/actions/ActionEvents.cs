using System.Text.Json;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;

namespace Kefu.Samples.Ecommerce;

/// <summary>
/// The events an action returns, in order. Each utterance is rendered with the slot values as they are at
/// that point of the list, so a response sees the slots set before it (README, "Custom actions").
/// </summary>
public sealed class ActionEvents(ActionContext context)
{
    private readonly List<DialogueEvent> events = [];
    private Tracker tracker = context.Tracker;

    public IReadOnlyList<DialogueEvent> Events => events;

    public ActionEvents Set(string slot, string? value) =>
        Set(slot, value is null ? null : JsonSerializer.SerializeToElement(value));

    public ActionEvents Set(string slot, JsonElement? value) => Add(new SlotSet(slot, value));

    public ActionEvents Utter(string response)
    {
        foreach (var e in (context with { Tracker = tracker }).Utter(response)) Add(e);
        return this;
    }

    public ActionEvents Add(DialogueEvent e)
    {
        events.Add(e);
        tracker = tracker.Append(e);
        return this;
    }
}
