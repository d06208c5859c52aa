using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kefu.Nlu;

namespace Kefu.Dialogue;

/// <summary>
/// Rasa's shortcut messages, sent by buttons: `/intent`, `/intent@0.9` or `/intent{"entity": "value"}` name the
/// intent directly (confidence 1 unless given) instead of asking the NLU. As in Rasa's RegexMessageHandler, the
/// entities run from the first `{` to the last `}` and anything after them is ignored.
/// </summary>
public static partial class IntentPayload
{
    [GeneratedRegex(@"^/(?<intent>[^{@]+)(?<confidence>@[0-9.]+)?(?<entities>\{.+\})?(?<rest>.*)$", RegexOptions.Singleline)]
    private static partial Regex Shape();

    public static NluParse? TryParse(string text)
    {
        var t = text.Trim();
        if (t.Length < 2 || t[0] != '/' || Shape().Match(t) is not { Success: true } m) return null;
        var intent = m.Groups["intent"].Value.Trim();
        if (intent.Length == 0 || intent.Any(char.IsWhiteSpace)) return null;
        float confidence = 1f;
        if (m.Groups["confidence"].Success
            && !float.TryParse(m.Groups["confidence"].ValueSpan[1..], NumberStyles.Float, CultureInfo.InvariantCulture, out confidence))
            return null;
        var entities = new List<EntitySpan>();
        if (m.Groups["entities"].Success)
        {
            try
            {
                using var doc = JsonDocument.Parse(m.Groups["entities"].Value);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    var values = p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().ToList() : [p.Value];
                    foreach (var v in values)
                        entities.Add(new EntitySpan(0, 0, p.Name, v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()));
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                return null;   // not JSON, or JSON whose strings are not text ("\ud800" alone): an ordinary message
            }
        }
        return NluParse.Named(text, new IntentPrediction(intent, confidence), entities);
    }
}
