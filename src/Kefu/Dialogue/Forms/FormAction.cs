using System.Text.Json;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Slots;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Forms;

/// <summary>
/// A form as Rasa 3 runs it (rasa/core/actions/forms.py): on activation it sets the active loop and
/// takes slots the triggering message already filled; after each user message it rejects when the
/// message filled none of its slots (so other policies can answer), lets the validation action
/// (validate_&lt;form&gt;) check the candidates, then asks for the next empty required slot, or deactivates when
/// all are filled. The question is the first of action_ask_&lt;form&gt;_&lt;slot&gt;, utter_ask_&lt;form&gt;_&lt;slot&gt;,
/// action_ask_&lt;slot&gt;, utter_ask_&lt;slot&gt; the project has (Rasa's FormAction._ask_for_slot).
/// </summary>
public sealed class FormAction(FormDefinition form, Func<string, IAction?> findAction) : IAction
{
    public string Name => form.Name;

    /// <summary>requested_slot's values, made once: a SlotSet that repeats the current value then changes no state.</summary>
    private readonly Dictionary<string, JsonElement> slotNames =
        form.RequiredSlots.Distinct().ToDictionary(slot => slot, slot => JsonSerializer.SerializeToElement(slot));

    public async Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        var tracker = context.Tracker;
        var events = new List<DialogueEvent>();
        var state = tracker.State;

        if (state.ActiveLoop != form.Name)
        {
            events.Add(new ActiveLoopSet(form.Name));
            events.AddRange(SlotsOnActivation(context.Domain, state));
        }
        else if (Policies.StateFeaturizer.JustHeardUser(state) && !FilledThisTurn(tracker).Any())
        {
            return [new ActionExecutionRejected(form.Name)];
        }

        if (findAction($"validate_{form.Name}") is { } validator)
        {
            var validation = await validator.RunAsync(context with { Tracker = tracker.Suppose(events) }, ct).ConfigureAwait(false);
            if (validation.Any(e => e is ActionExecutionRejected)) return validation;
            events.AddRange(validation);
        }

        var after = tracker.Suppose(events).State;
        if (after.ActiveLoop != form.Name) return events;   // the validation action deactivated the form
        var next = form.RequiredSlots.FirstOrDefault(slot => after.Slot(slot) is not { ValueKind: not JsonValueKind.Null });
        if (next is null)
        {
            events.Add(new ActiveLoopSet(null));
            events.Add(new SlotSet(TrackerState.RequestedSlot, null));
            return events;
        }
        events.Add(new SlotSet(TrackerState.RequestedSlot, slotNames[next]));
        var ask = context with { Tracker = tracker.Suppose(events) };
        foreach (var name in (string[])[$"action_ask_{form.Name}_{next}", $"utter_ask_{form.Name}_{next}", $"action_ask_{next}", $"utter_ask_{next}"])
            if (findAction(name) is { } question)
            {
                events.AddRange(await question.RunAsync(ask, ct).ConfigureAwait(false));
                break;
            }
        return events;
    }

    /// <summary>Slots of this form set since the latest user message (by slot mappings).</summary>
    private IEnumerable<SlotSet> FilledThisTurn(Tracker tracker)
    {
        // newest first by index: Enumerable.Reverse would copy the whole conversation
        var events = tracker.AppliedEvents();
        for (int i = events.Count - 1; i >= 0 && events[i] is not UserUttered; i--)
            if (events[i] is SlotSet s && form.RequiredSlots.Contains(s.Name) && s.Value is { ValueKind: not JsonValueKind.Null })
                yield return s;
    }

    /// <summary>
    /// Required slots already filled are set again so the validation action checks them (Rasa's
    /// FormAction.activate); mappings conditioned on this form apply to the triggering message too, and
    /// from_trigger_intent fills here.
    /// </summary>
    private IEnumerable<SlotSet> SlotsOnActivation(Domain domain, TrackerState state)
    {
        foreach (var slotName in form.RequiredSlots)
            if (state.Slot(slotName) is { ValueKind: not JsonValueKind.Null } prefilled) yield return new SlotSet(slotName, prefilled);
        var asIfActive = state with { ActiveLoop = form.Name };
        var intent = state.LatestMessage?.Parse?.Intent.Name;
        foreach (var set in SlotExtractor.Extract(domain, asIfActive))
            if (form.RequiredSlots.Contains(set.Name)) yield return set;
        foreach (var slotName in form.RequiredSlots)
        {
            if (domain.FindSlot(slotName) is not { } slot) continue;
            var trigger = slot.Mappings.OfType<FromTriggerIntentMapping>()
                .FirstOrDefault(m => SlotExtractor.Applies(m, asIfActive, intent));
            if (trigger is not null) yield return new SlotSet(slotName, trigger.Value);
        }
    }
}
