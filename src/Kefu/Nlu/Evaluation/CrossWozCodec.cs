namespace Kefu.Nlu.Evaluation;

/// <summary>
/// CrossWOZ dialog acts ↔ Kefu NLU examples, following ConvLab-2's BERTNLU for CrossWOZ
/// (convlab2/nlu/jointBERT/crosswoz/preprocess.py and postprocess.py):
/// <list type="bullet">
/// <item>A slot act — intent Inform or Recommend, slot not a 酒店设施 (hotel facility) yes/no — whose value occurs in the
/// text is an entity span of type "intent-domain-slot" over the value's first occurrence (Python's str.index), e.g.
/// [Inform, 餐馆, 推荐菜, 驴杂汤] → 驴杂汤 tagged "Inform-餐馆-推荐菜".</item>
/// <item>Every other act is a label part "intent-domain-slot-value", e.g. "Request-餐馆-名称-", "General-greet-none-none";
/// the message's intent is its parts, distinct, sorted (ordinal) and joined with '+' (DIET's multi-intent form, whose
/// similarity head embeds a label as the sum of its parts), or <see cref="NoActs"/> when it has none.</item>
/// </list>
/// ConvLab-2 joins fields with '+' and classifies each part on its own (a sigmoid per part); Kefu joins fields with '-'
/// because '+' separates parts. Where ConvLab-2 differs on purpose: a slot act whose value is not in the text (the text says
/// "免票" for [Inform, 景点, 门票, 免费]) is left untrained there and so always missed; here it is a label part, which can
/// be learned when it recurs. A span overlapping an earlier one is also a label part (ConvLab-2's BIO tags cannot hold
/// both; CrossWOZ's dev file has no such case). Scoring is the same either way: every act of a turn is gold.
/// <para>Names are read back through what <see cref="ToExample"/> wrote, not by splitting on '-': slots
/// (酒店设施-叫醒服务) and values (100-150元) hold '-' themselves.</para>
/// </summary>
public sealed class CrossWozCodec
{
    /// <summary>The intent of a message with no label parts (only spans, or no acts).</summary>
    public const string NoActs = "None";

    const char PartSeparator = '+';

    readonly Dictionary<string, DialogAct> parts = new(StringComparer.Ordinal);
    readonly Dictionary<string, (string Intent, string Domain, string Slot)> entityTypes = new(StringComparer.Ordinal);

    /// <summary>Acts that ConvLab-2 tags as spans when their value is in the text.</summary>
    public static bool IsSlotAct(DialogAct act) =>
        act.Intent is "Inform" or "Recommend" && !act.Slot.Contains("酒店设施", StringComparison.Ordinal);

    /// <summary>The turn as a training example (registering the names it uses, for <see cref="ToActs"/>).</summary>
    public NluExample ToExample(CrossWozTurn turn)
    {
        var spans = new List<EntitySpan>();
        var labelParts = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var act in turn.Acts)
        {
            CheckFields(act);
            int start = IsSlotAct(act) && act.Value.Length > 0 ? turn.Text.IndexOf(act.Value, StringComparison.Ordinal) : -1;
            int end = start + act.Value.Length;
            if (start >= 0 && !spans.Any(s => s.Start < end && start < s.End))
            {
                string type = Register(entityTypes, $"{act.Intent}-{act.Domain}-{act.Slot}", (act.Intent, act.Domain, act.Slot));
                spans.Add(new EntitySpan(start, end, type, act.Value));
            }
            else
                labelParts.Add(Register(parts, $"{act.Intent}-{act.Domain}-{act.Slot}-{act.Value}", act));
        }
        spans.Sort((a, b) => a.Start.CompareTo(b.Start));
        string intent = labelParts.Count == 0 ? NoActs : string.Join(PartSeparator, labelParts);
        return new NluExample(turn.Text, intent, spans) { Context = turn.Previous };
    }

    /// <summary>
    /// A prediction as dialog acts: each part of <paramref name="intent"/>, then each span with its text in
    /// <paramref name="text"/> as the value (ConvLab-2's tag2das: the tagged words, not a normalized value).
    /// </summary>
    public IReadOnlyList<DialogAct> ToActs(string intent, IEnumerable<EntitySpan> entities, string text)
    {
        var acts = new List<DialogAct>();
        if (intent != NoActs)
            foreach (var part in intent.Split(PartSeparator))
                acts.Add(parts.TryGetValue(part, out var act) ? act : throw new ArgumentException($"label part '{part}' was never written by this codec"));
        foreach (var entity in entities)
        {
            if (!entityTypes.TryGetValue(entity.Entity, out var type))
                throw new ArgumentException($"entity type '{entity.Entity}' was never written by this codec");
            acts.Add(new DialogAct(type.Intent, type.Domain, type.Slot, text[entity.Start..entity.End]));
        }
        return acts;
    }

    /// <summary>
    /// The label whose parts each have a marginal probability — the sum of the probabilities of the labels that hold it — of
    /// at least <paramref name="threshold"/> (<see cref="NoActs"/> when none has). Unlike the top label it can be a
    /// combination never seen in training: [a: 0.4, a+b: 0.35, b: 0.25] gives a 0.75 and b 0.6, so "a+b" at 0.5.
    /// </summary>
    /// <param name="probabilities">[K] over <paramref name="labels"/>.</param>
    public static string PartsAbove(IReadOnlyList<string> labels, ReadOnlySpan<float> probabilities, double threshold)
    {
        var marginals = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int k = 0; k < labels.Count; k++)
        {
            if (labels[k] == NoActs) continue;
            foreach (var part in labels[k].Split(PartSeparator))
                marginals[part] = marginals.GetValueOrDefault(part) + probabilities[k];
        }
        var kept = marginals.Where(p => p.Value >= threshold).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        return kept.Count == 0 ? NoActs : string.Join(PartSeparator, kept);
    }

    /// <summary>Two acts must not share a name, nor a name hold the part separator.</summary>
    static string Register<T>(Dictionary<string, T> names, string name, T value)
    {
        if (names.TryGetValue(name, out var known) && !EqualityComparer<T>.Default.Equals(known, value))
            throw new InvalidDataException($"'{name}' names both {known} and {value}");
        names[name] = value;
        return name;
    }

    static void CheckFields(DialogAct act)
    {
        if ($"{act.Intent}{act.Domain}{act.Slot}{act.Value}".Contains(PartSeparator))
            throw new InvalidDataException($"dialog act {act} holds '{PartSeparator}', which separates the parts of a label");
    }
}
