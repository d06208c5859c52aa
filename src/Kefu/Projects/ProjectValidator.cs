using System.Text.Json;
using Kefu.Projects.Yaml;

namespace Kefu.Projects;

/// <summary>
/// Checks that need the whole project: every intent, action, slot, entity and form that stories, rules,
/// forms and slot mappings name must exist in the domain (or be a Rasa built-in).
/// </summary>
internal sealed class ProjectValidator(Domain domain, DiagnosticBag diagnostics)
{
    public void CheckDomain()
    {
        foreach (var intent in domain.Intents)
            foreach (var entity in intent.UsedEntities.Concat(intent.IgnoreEntities))
                if (domain.FindEntity(entity) is null)
                    diagnostics.Warning(intent.Location, $"intent '{intent.Name}' names the entity '{entity}', which is not in the domain's entities");

        foreach (var slot in domain.Slots)
            foreach (var mapping in slot.Mappings)
                CheckMapping(slot, mapping);

        foreach (var form in domain.Forms)
        {
            foreach (var required in form.RequiredSlots)
                if (domain.FindSlot(required) is null)
                    diagnostics.Error(form.Location, $"form '{form.Name}' requires the slot '{required}', which is not in the domain's slots; add it under slots with its mappings");
            foreach (var intent in form.IgnoredIntents)
                WarnUnknownIntent(intent, form.Location, $"form '{form.Name}' ignores");
        }

        foreach (var response in domain.Responses)
            foreach (var condition in response.Variations.SelectMany(v => v.Conditions))
                if (domain.FindSlot(condition.Slot) is null)
                    diagnostics.Error(condition.Location, $"response '{response.Name}' has a condition on the slot '{condition.Slot}', which is not in the domain's slots");
    }

    private void CheckMapping(SlotDefinition slot, SlotMapping mapping)
    {
        if (mapping is FromEntityMapping fromEntity)
        {
            var entity = domain.FindEntity(fromEntity.Entity);
            if (entity is null)
                diagnostics.Error(mapping.Location, $"slot '{slot.Name}' is filled from the entity '{fromEntity.Entity}', which is not in the domain's entities");
            else if (fromEntity.Role is { } role && !entity.Roles.Contains(role))
                diagnostics.Warning(mapping.Location, $"slot '{slot.Name}' is filled from the role '{role}' of entity '{entity.Name}', which does not declare that role");
            else if (fromEntity.Group is { } group && !entity.Groups.Contains(group))
                diagnostics.Warning(mapping.Location, $"slot '{slot.Name}' is filled from the group '{group}' of entity '{entity.Name}', which does not declare that group");
        }
        if (mapping is CustomMapping { Action: { } action } && !domain.IsKnownAction(action))
            diagnostics.Warning(mapping.Location, $"slot '{slot.Name}' is filled by the action '{action}', which is not in the domain's actions");
        foreach (var intent in mapping.Intent.Concat(mapping.NotIntent))
            WarnUnknownIntent(intent, mapping.Location, $"a mapping of slot '{slot.Name}' names");
        foreach (var condition in mapping.Conditions)
        {
            if (condition.ActiveLoop is { } loop && domain.FindForm(loop) is null && !domain.IsKnownAction(loop))
                diagnostics.Error(condition.Location, $"a mapping of slot '{slot.Name}' is conditioned on the active loop '{loop}', which is not a form of the domain");
            if (condition.RequestedSlot is { } requested && domain.FindSlot(requested) is null)
                diagnostics.Error(condition.Location, $"a mapping of slot '{slot.Name}' is conditioned on the requested slot '{requested}', which is not in the domain's slots");
        }
    }

    /// <param name="untrainedIntents">Whether to warn about domain intents without examples (not when a data file could not be read: they may be in it).</param>
    public void CheckNlu(IReadOnlyList<NluReader.LocatedExample> examples, bool untrainedIntents = true)
    {
        if (examples.Count == 0) return;
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (example, at) in examples)
        {
            string intent = BaseIntent(example.Intent);
            if (domain.FindIntent(intent) is null && !Domain.BuiltInIntents.Contains(intent) && reported.Add("intent:" + intent))
                diagnostics.Warning(at, $"the intent '{intent}' has training examples but is not in the domain's intents, so the dialogue never sees it");
            foreach (var span in example.Entities)
                if (domain.FindEntity(span.Entity) is null && reported.Add("entity:" + span.Entity))
                    diagnostics.Warning(at, $"the entity '{span.Entity}' is annotated in examples but is not in the domain's entities");
        }
        if (!untrainedIntents) return;
        var trained = examples.Select(e => BaseIntent(e.Example.Intent)).ToHashSet(StringComparer.Ordinal);
        // Rasa's default intents (restart, session_start, nlu_fallback...) come from payloads and the fallback classifier.
        foreach (var intent in domain.Intents.Where(i => !trained.Contains(i.Name) && !Domain.BuiltInIntents.Contains(i.Name)))
            diagnostics.Warning(intent.Location, $"the intent '{intent.Name}' has no NLU examples, so it can never be recognized");
    }

    /// <summary>
    /// A `{name}` in a response that names no slot: the dialogue fills it with "None" (as Rasa does), so the customer
    /// reads "选择新的None". An error when the dialogue utters the response itself (a story, rule or test step, a form's
    /// utter_ask_*, or one Kefu utters on its own such as utter_default); a warning otherwise, since a custom action may send
    /// the response with that value. `{intent}` in utter_ask_affirmation is filled by the two-stage fallback, `{position}` in
    /// utter_handoff_queue (and utter_handoff_queue_no_estimate) and `{wait_minutes}` in utter_handoff_queue by the agent console.
    /// </summary>
    public void CheckPlaceholders(IReadOnlyList<PlaceholderUse> uses, IEnumerable<StoryStep> steps)
    {
        if (uses.Count == 0) return;
        var uttered = new HashSet<string>(KefuUtterances, StringComparer.Ordinal);
        foreach (var step in steps)
            if (step is ActionStep action) uttered.Add(action.Action);
        foreach (var form in domain.Forms)
            foreach (var slot in form.RequiredSlots)
            {
                uttered.Add($"utter_ask_{slot}");
                uttered.Add($"utter_ask_{form.Name}_{slot}");
            }
        foreach (var use in uses)
        {
            if (domain.FindSlot(use.Name) is not null || (use.Response == "utter_ask_affirmation" && use.Name == "intent")
                || (use.Response == "utter_handoff_queue" && use.Name is "position" or "wait_minutes")
                || (use.Response == "utter_handoff_queue_no_estimate" && use.Name == "position")) continue;
            string message = $"response '{use.Response}' uses '{{{use.Name}}}', but there is no slot '{use.Name}' in the domain: the customer would read 'None' in its place";
            if (uttered.Contains(use.Response) || uttered.Contains(use.Response.Split('/')[0]))
                diagnostics.Error(use.Location, $"{message}; add the slot or correct the name");
            else
                diagnostics.Warning(use.Location, $"{message}, unless a custom action sends this response with a value for '{use.Name}'");
        }
    }

    // Responses Kefu's dialogue utters without a story naming them (fallback, handoff, restart, errors).
    private static readonly string[] KefuUtterances =
        ["utter_default", "utter_ask_rephrase", "utter_ask_affirmation", "utter_action_error", "utter_back", "utter_handoff", "utter_handback", "utter_restart"];

    // A retrieval intent's examples are labelled "faq/ask_name"; the domain lists "faq".
    private static string BaseIntent(string intent) => intent.Split('/')[0];

    public void CheckStories(string kind, IEnumerable<(string Name, IReadOnlyList<StoryStep> Steps)> stories)
    {
        foreach (var (name, steps) in stories)
            foreach (var step in steps)
                CheckStep($"{kind} '{name}'", step);
    }

    private void CheckStep(string owner, StoryStep step)
    {
        switch (step)
        {
            case UserStep user:
                if (user.Intent is { } intent && domain.FindIntent(intent) is null && !Domain.BuiltInIntents.Contains(intent))
                    diagnostics.Error(step.Location, $"{owner} uses the intent '{intent}', which is not in the domain's intents");
                foreach (var entity in user.Entities)
                    if (domain.FindEntity(entity.Entity) is null)
                        diagnostics.Warning(step.Location, $"{owner} uses the entity '{entity.Entity}', which is not in the domain's entities");
                break;
            case ActionStep { Action: var action } when !domain.IsKnownAction(action):
                diagnostics.Error(step.Location, action.StartsWith("utter_", StringComparison.Ordinal)
                    ? $"{owner} uses the response '{action}', which is not in the domain's responses; add it under responses"
                    : $"{owner} uses the action '{action}', which is not a built-in action and not in the domain's actions, responses or forms");
                break;
            case ActiveLoopStep { Name: { } loop } when domain.FindForm(loop) is null && !domain.IsKnownAction(loop):
                diagnostics.Error(step.Location, $"{owner} activates the loop '{loop}', which is not a form of the domain");
                break;
            case SlotWasSetStep set:
                CheckSlotValue(owner, set);
                break;
            case OrStep or:
                foreach (var alternative in or.Alternatives) CheckStep(owner, alternative);
                break;
        }
    }

    private void CheckSlotValue(string owner, SlotWasSetStep set)
    {
        var slot = domain.FindSlot(set.Slot);
        if (slot is null)
        {
            if (set.Slot != "requested_slot")
                diagnostics.Error(set.Location, $"{owner} sets the slot '{set.Slot}', which is not in the domain's slots");
            return;
        }
        if (slot.Type == SlotType.Categorical && set.Value is { ValueKind: not JsonValueKind.Null } value)
        {
            string text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
            if (!slot.Values.Contains(text, StringComparer.OrdinalIgnoreCase))
                diagnostics.Warning(set.Location, $"{owner} sets the categorical slot '{slot.Name}' to '{Snippets.Quote(text)}', which is not one of its values ({string.Join(", ", slot.Values)})");
        }
    }

    private void WarnUnknownIntent(string intent, SourceLocation at, string what)
    {
        if (domain.FindIntent(intent) is null && !Domain.BuiltInIntents.Contains(intent))
            diagnostics.Warning(at, $"{what} the intent '{intent}', which is not in the domain's intents");
    }
}
