using System.Text;
using System.Text.Json;

namespace Kefu.Nlu;

/// <summary>Rasa's parse JSON: {"text", "intent": {"name", "confidence"}, "intent_ranking": [...], "entities": [...]}.</summary>
public static class NluParseJson
{
    public static string Serialize(NluParse parse, bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions
               {
                   Indented = indented,
                   Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
               }))
        {
            w.WriteStartObject();
            w.WriteString("text", parse.Text);
            w.WritePropertyName("intent");
            WriteIntent(w, parse.Intent);
            w.WriteStartArray("intent_ranking");
            foreach (var p in parse.IntentRanking) WriteIntent(w, p);
            w.WriteEndArray();
            w.WriteStartArray("entities");
            foreach (var e in parse.Entities)
            {
                w.WriteStartObject();
                w.WriteString("entity", e.Entity);
                w.WriteNumber("start", e.Start);
                w.WriteNumber("end", e.End);
                EntityJson.WriteValue(w, e);
                if (e.Role is not null) w.WriteString("role", e.Role);
                if (e.Group is not null) w.WriteString("group", e.Group);
                EntityJson.WriteExtractor(w, e);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteResponseSelector(w, parse);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// A retrieval intent's full name in Rasa's shape, when the parse has one:
    /// "response_selector": {"all_retrieval_intents": [base], base: {"response": {intent_response_key, confidence, utter_action}}}.
    /// </summary>
    public static void WriteResponseSelector(Utf8JsonWriter w, NluParse p)
    {
        if (p.Retrieval is not { } r) return;
        w.WriteStartObject("response_selector");
        w.WriteStartArray("all_retrieval_intents");
        w.WriteStringValue(p.Intent.Name);
        w.WriteEndArray();
        w.WriteStartObject(p.Intent.Name);
        w.WriteStartObject("response");
        w.WriteString("intent_response_key", r.Name);
        w.WriteNumber("confidence", Math.Round(r.Confidence, 6));
        w.WriteString("utter_action", "utter_" + r.Name);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    static void WriteIntent(Utf8JsonWriter w, IntentPrediction p)
    {
        w.WriteStartObject();
        w.WriteString("name", p.Name);
        w.WriteNumber("confidence", Math.Round(p.Confidence, 6));
        w.WriteEndObject();
    }
}
