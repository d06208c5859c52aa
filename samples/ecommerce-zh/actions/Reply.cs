using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce;

/// <summary>
/// What an action says and sets, in order. A response is uttered with the slots set before it as its values
/// (rasa_sdk's utter_message(response=..., **kwargs)), so it shows them although the events apply after the messages
/// (README, "Custom actions").
/// </summary>
public sealed class Reply(CollectingDispatcher dispatcher)
{
    private readonly List<ActionEvent> events = [];
    private readonly Dictionary<string, object?> slots = new(StringComparer.Ordinal);

    public IReadOnlyList<ActionEvent> Events => events;

    /// <summary>The slots set, the latest value of each: a validate_{slot} method's answer.</summary>
    public IReadOnlyDictionary<string, object?> Slots => slots;

    public Reply Set(string slot, object? value)
    {
        events.Add(new SlotSet(slot, value));
        slots[slot] = value;
        return this;
    }

    public Reply Utter(string response)
    {
        dispatcher.UtterMessage(response: response, kwargs: slots.Count == 0 ? null : new Dictionary<string, object?>(slots));
        return this;
    }

    public Task<IReadOnlyList<ActionEvent>> Done() => Task.FromResult(Events);
}
