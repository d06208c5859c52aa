using System.Text;
using System.Text.RegularExpressions;
using Kefu.Nlu.Evaluation;

namespace Kefu.Generation.CrossWozNlg;

/// <summary>
/// ConvLab-2's CrossWOZ NLG conventions (convlab2/nlg/sclstm/crosswoz/evaluate.py), rewritten: an act's "intent"
/// (intent+domain+slot, with the value for hotel facilities, Select's source domain, free tickets and "无"), the
/// delexicalisation of a reply (act values → [intent], [intent2]...), the relexicalisation back, and the key that
/// groups replies with the same acts. Python's str.replace semantics are kept (an empty value inserts between characters).
/// </summary>
public static partial class CrossWozDelex
{
    private const string Facility = "酒店设施";

    public static string Intent(DialogAct act)
    {
        string slot = act.Slot;
        if (slot.Contains(Facility, StringComparison.Ordinal))
        {
            if (act.Intent == "Inform")
                slot = slot.Split('-')[0] + "+" + act.Value;
            else if (act.Intent == "Request")
                slot = slot.Split('-')[0];
        }
        if (act.Intent == "Select")
            slot = "源领域+" + act.Value;
        string intent = $"{act.Intent}+{act.Domain}+{slot}";
        if ($"{act.Intent}+{act.Domain}+{slot}+{act.Value}" == "Inform+景点+门票+免费" || act.Value == "无")
            intent = $"{act.Intent}+{act.Domain}+{slot}+{act.Value}";
        return intent;
    }

    /// <summary>The intents of the acts in sorted act order, concatenated (evaluate.py's hash_key).</summary>
    public static string Key(IReadOnlyList<DialogAct> acts) =>
        string.Concat(acts.OrderBy(a => a, ActOrder.Instance).Select(Intent));

    /// <summary>
    /// evaluate.py's per-turn replacement: for Inform and Recommend acts (and facilities) whose value is in the gold
    /// reply, the value becomes its placeholder in <paramref name="gold"/> and in <paramref name="generated"/>.
    /// </summary>
    public static (string Gold, string Generated) Delexicalise(IReadOnlyList<DialogAct> acts, string gold, string generated)
    {
        var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var act in acts)
        {
            string? facility = act.Slot.Contains(Facility, StringComparison.Ordinal) ? SecondPart(act.Slot) : null;
            string intent = Intent(act);
            int count = frequency[intent] = frequency.GetValueOrDefault(intent) + 1;
            if (!((act.Intent is "Inform" or "Recommend" || intent.Contains(Facility, StringComparison.Ordinal)) && !intent.EndsWith('无')))
                continue;
            if (!(gold.Contains(act.Value, StringComparison.Ordinal) || (facility is { Length: > 0 } && gold.Contains(facility, StringComparison.Ordinal))))
                continue;
            string value = intent.Contains(Facility, StringComparison.Ordinal) ? facility ?? "" : act.Value;
            string placeholder = $"[{intent}]", first = $"[{intent}1]", numbered = $"[{intent}{count}]";
            if (count > 1)
            {
                gold = PyReplace(PyReplace(gold, placeholder, first), value, numbered);
                generated = PyReplace(PyReplace(generated, placeholder, first), value, numbered);
            }
            else
            {
                gold = PyReplace(gold, value, placeholder);
                generated = PyReplace(generated, value, placeholder);
            }
        }
        return (gold, generated);
    }

    /// <summary>The reply a model trains on: <see cref="Delexicalise"/> of the gold reply alone.</summary>
    public static string DelexicaliseGold(IReadOnlyList<DialogAct> acts, string gold) => Delexicalise(acts, gold, "").Gold;

    /// <summary>evaluate.py's value_replace: placeholders back to the acts' values; any left become a space.</summary>
    public static string Relexicalise(string sentence, IReadOnlyList<DialogAct> acts)
    {
        var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var act in acts)
        {
            string intent = Intent(act);
            int count = frequency[intent] = frequency.GetValueOrDefault(intent) + 1;
            if (count > 1)
                intent += count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string value = intent.Contains(Facility, StringComparison.Ordinal) ? SecondPart(act.Slot) ?? act.Slot : act.Value;
            sentence = PyReplace(PyReplace(sentence, $"[{intent}]", value), $"[{intent}1]", value);
        }
        if (sentence.Contains('[') && sentence.Contains(']'))
            sentence = Placeholder().Replace(sentence, " ");
        return sentence;
    }

    /// <summary>The placeholders of a delexicalised text, e.g. "[Inform+餐馆+名称]".</summary>
    public static IEnumerable<string> Placeholders(string text) => Placeholder().Matches(text).Select(m => m.Value);

    private static string? SecondPart(string slot)
    {
        string[] parts = slot.Split('-');
        return parts.Length > 1 ? parts[1] : null;
    }

    /// <summary>Python's str.replace: an empty <paramref name="old"/> inserts <paramref name="replacement"/> before every character and at the end.</summary>
    public static string PyReplace(string text, string old, string replacement)
    {
        if (old.Length > 0)
            return text.Replace(old, replacement, StringComparison.Ordinal);
        var result = new StringBuilder(replacement);
        foreach (char c in text)
            result.Append(c).Append(replacement);
        return result.ToString();
    }

    // evaluate.py: r'(\[[^\[^\]]+\])'
    [GeneratedRegex(@"(\[[^\[^\]]+\])")]
    private static partial Regex Placeholder();

    /// <summary>Python's ordering of [intent, domain, slot, value] lists: element by element, by code point.</summary>
    private sealed class ActOrder : IComparer<DialogAct>
    {
        public static readonly ActOrder Instance = new();

        public int Compare(DialogAct x, DialogAct y)
        {
            int c = string.CompareOrdinal(x.Intent, y.Intent);
            if (c == 0) c = string.CompareOrdinal(x.Domain, y.Domain);
            if (c == 0) c = string.CompareOrdinal(x.Slot, y.Slot);
            return c != 0 ? c : string.CompareOrdinal(x.Value, y.Value);
        }
    }
}
