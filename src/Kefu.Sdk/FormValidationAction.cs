using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;

namespace Kefu.Sdk;

/// <summary>
/// rasa_sdk's FormValidationAction: the action validate_{form}, which a form runs after each message that filled
/// slots. For each slot candidate (<see cref="Tracker.SlotsToValidate"/>) it calls the method named
/// <c>validate_{slot}</c> (a '-' in the slot's name is '_') when there is one, whose answer replaces the
/// candidate: <c>{slot: value}</c> keeps or normalises it, <c>{slot: null}</c> rejects it and the form asks again.
/// A candidate without a method is kept. Methods named <c>extract_{slot}</c> fill required slots from the message first
/// (custom slot mappings). Both take
/// <c>(JsonElement? value, CollectingDispatcher dispatcher, Tracker tracker, Domain domain)</c> (extract_ without the value)
/// and return a dictionary of slot values (<c>IReadOnlyDictionary&lt;string, object?&gt;</c>, <c>Dictionary&lt;string, object?&gt;</c>)
/// or a Task of one.
/// </summary>
public abstract class FormValidationAction : CustomAction
{
    private static readonly ConcurrentDictionary<Type, SlotMethods> MethodsByType = new();

    /// <summary>The form this action validates (the domain's forms: key).</summary>
    public abstract string FormName { get; }

    public override string Name => "validate_" + FormName;

    /// <summary>The form's required slots as the domain lists them.</summary>
    public IReadOnlyList<string> DomainSlots(Domain domain) => domain.Forms.TryGetValue(FormName, out var slots) ? slots : [];

    /// <summary>
    /// The slots the form needs now (rasa_sdk's required_slots): override to add or drop slots depending on what is
    /// known. When the answer differs from the domain's list, this action also sets requested_slot to the first one unset.
    /// </summary>
    public virtual Task<IReadOnlyList<string>> RequiredSlotsAsync(IReadOnlyList<string> domainSlots, CollectingDispatcher dispatcher,
        Tracker tracker, Domain domain) => Task.FromResult(domainSlots);

    public override async Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
    {
        var methods = MethodsByType.GetOrAdd(GetType(), SlotMethods.Of);
        var extracted = new List<SlotSet>();
        if (methods.Extract.Count > 0)
            foreach (var slot in await RequiredSlotsAsync(DomainSlots(domain), dispatcher, tracker, domain).ConfigureAwait(false))
                if (methods.Extract.TryGetValue(slot.Replace('-', '_'), out var extract))
                {
                    var values = await Call(extract, [dispatcher, tracker, domain]).ConfigureAwait(false);
                    extracted.AddRange(values.Where(v => !JsonEquals(tracker.GetSlot(v.Name), v.JsonValue)));
                    tracker = tracker.WithSlots(values);
                }

        var candidates = tracker.SlotsToValidate().ToList();
        foreach (var e in extracted) Update(candidates, e);
        var validated = new List<SlotSet>(candidates);
        foreach (var candidate in candidates)
        {
            if (!methods.Validate.TryGetValue(candidate.Name.Replace('-', '_'), out var validate)) continue;
            foreach (var result in await Call(validate, [candidate.JsonValue, dispatcher, tracker, domain]).ConfigureAwait(false))
                Update(validated, result);
        }
        tracker = tracker.WithSlots(validated);

        var required = await RequiredSlotsAsync(DomainSlots(domain), dispatcher, tracker, domain).ConfigureAwait(false);
        if (!required.SequenceEqual(DomainSlots(domain)))
            validated.Add(new SlotSet("requested_slot", required.FirstOrDefault(s => tracker.GetSlot(s) is null)));
        return validated;
    }

    /// <summary>A dict's update, as rasa_sdk's slots.update(): a slot already there keeps its place.</summary>
    private static void Update(List<SlotSet> slots, SlotSet set)
    {
        int at = slots.FindIndex(s => s.Name == set.Name);
        if (at >= 0) slots[at] = set; else slots.Add(set);
    }

    private async Task<IReadOnlyList<SlotSet>> Call(MethodInfo method, object?[] arguments)
    {
        object? result;
        try
        {
            result = method.Invoke(this, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
        if (result is Task task)
        {
            await task.ConfigureAwait(false);
            result = task.GetType().GetProperty("Result")?.GetValue(task);
        }
        return result is IEnumerable<KeyValuePair<string, object?>> values ? values.Select(v => new SlotSet(v.Key, v.Value)).ToList() : [];
    }

    private static bool JsonEquals(JsonElement? a, JsonElement? b) =>
        a is null ? b is null : b is not null && a.Value.GetRawText() == b.Value.GetRawText();

    /// <summary>A form validation class's validate_ and extract_ methods by slot name, checked once per type.</summary>
    private sealed record SlotMethods(IReadOnlyDictionary<string, MethodInfo> Validate, IReadOnlyDictionary<string, MethodInfo> Extract)
    {
        private static readonly Type[] ValidateParameters = [typeof(JsonElement?), typeof(CollectingDispatcher), typeof(Tracker), typeof(Domain)];
        private static readonly Type[] ExtractParameters = [typeof(CollectingDispatcher), typeof(Tracker), typeof(Domain)];

        public static SlotMethods Of(Type type)
        {
            var validate = new Dictionary<string, MethodInfo>(StringComparer.Ordinal);
            var extract = new Dictionary<string, MethodInfo>(StringComparer.Ordinal);
            foreach (var m in type.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                if (SlotOf(m.Name, "validate_") is { } v) Add(validate, v, m, ValidateParameters, type);
                else if (SlotOf(m.Name, "extract_") is { } x) Add(extract, x, m, ExtractParameters, type);
            }
            return new SlotMethods(validate, extract);
        }

        private static void Add(Dictionary<string, MethodInfo> into, string slot, MethodInfo m, Type[] parameters, Type type)
        {
            if (!m.GetParameters().Select(p => p.ParameterType).SequenceEqual(parameters) || !ReturnsSlotValues(m.ReturnType))
                throw new InvalidOperationException(
                    $"{type.FullName}.{m.Name} must be ({string.Join(", ", parameters.Select(TypeName))}) returning a dictionary of slot values or a Task of one");
            if (!into.TryAdd(slot, m))
                throw new InvalidOperationException($"{type.FullName} has two methods for slot {slot}: {into[slot].Name} and {m.Name}");
        }

        private static bool ReturnsSlotValues(Type t) =>
            typeof(IEnumerable<KeyValuePair<string, object?>>).IsAssignableFrom(t)
            || (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Task<>) && ReturnsSlotValues(t.GetGenericArguments()[0]));

        private static string TypeName(Type t) => Nullable.GetUnderlyingType(t) is { } inner ? inner.Name + "?" : t.Name;

        private static string? SlotOf(string method, string prefix) =>
            method.StartsWith(prefix, StringComparison.Ordinal) && method.Length > prefix.Length ? method[prefix.Length..] : null;
    }
}
