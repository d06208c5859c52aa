using System.Text.Json;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>
/// Rasa SDK's FormValidationAction: validate_&lt;form&gt; gets the tracker with the slot candidates appended as
/// SlotSet events at its end (the SDK's Tracker.slots_to_validate), validates each one and returns a SlotSet per
/// candidate: the value kept, normalised, or null to reject it (the form asks again), with any utterance
/// explaining why before it.
/// </summary>
public abstract class FormValidationAction : IAction
{
    public abstract string FormName { get; }

    public string Name => "validate_" + FormName;

    /// <summary>Validates one candidate, adding events to <paramref name="output"/> (at least the slot's SlotSet).</summary>
    protected abstract void Validate(string slot, JsonElement value, ActionEvents output);

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        var output = new ActionEvents(context);
        foreach (var candidate in SlotsToValidate(context.Tracker))
        {
            if (candidate.Value is { ValueKind: not JsonValueKind.Null } value) Validate(candidate.Name, value, output);
            else output.Set(candidate.Name, (JsonElement?)null);
        }
        return Task.FromResult(output.Events);
    }

    /// <summary>The SlotSet events at the end of the event list, one per slot (the latest value), in order.</summary>
    public static IReadOnlyList<SlotSet> SlotsToValidate(Tracker tracker)
    {
        var trailing = new List<SlotSet>();
        for (int i = tracker.Events.Count - 1; i >= 0 && tracker.Events[i] is SlotSet s; i--)
            if (!trailing.Any(t => t.Name == s.Name)) trailing.Add(s);
        trailing.Reverse();
        return trailing;
    }

    protected static string? Text(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
}
