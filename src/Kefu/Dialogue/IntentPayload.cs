using System.Text.Json;
using Kefu.Nlu;

namespace Kefu.Dialogue;

/// <summary>
/// Rasa's shortcut messages, sent by buttons: `/intent` or `/intent{"entity": "value"}` name the intent
/// directly (confidence 1) instead of asking the NLU.
/// </summary>
public static class IntentPayload
{
    public static NluParse? TryParse(string text)
    {
        var t = text.Trim();
        if (t.Length < 2 || t[0] != '/') return null;
        int brace = t.IndexOf('{');
        var intent = (brace < 0 ? t[1..] : t[1..brace]).Trim();
        if (intent.Length == 0 || intent.Any(char.IsWhiteSpace)) return null;
        var entities = new List<EntitySpan>();
        if (brace >= 0)
        {
            try
            {
                using var doc = JsonDocument.Parse(t[brace..]);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    var values = p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().ToList() : [p.Value];
                    foreach (var v in values)
                        entities.Add(new EntitySpan(0, 0, p.Name, v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()));
                }
            }
            catch (JsonException)
            {
                return null;
            }
        }
        var prediction = new IntentPrediction(intent, 1f);
        return new NluParse(text, prediction, [prediction], entities);
    }
}
