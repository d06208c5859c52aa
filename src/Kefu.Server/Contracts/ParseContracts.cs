using Kefu.Nlu;

namespace Kefu.Server.Contracts;

/// <summary>
/// POST /model/parse request, as Rasa's, with Kefu's reference_time: ISO 8601 with offset, the time relative times
/// (明天, in 2 hours) count from; default now.
/// </summary>
public sealed record ParseRequest(string? Text, string? ReferenceTime = null);

/// <summary>Rasa's parse result shape; ResponseSelector only for a retrieval intent (<see cref="NluParseJson.WriteResponseSelector"/>).</summary>
public sealed record ParseResponse(
    string Text,
    ParsedIntent Intent,
    IReadOnlyList<ParsedIntent> IntentRanking,
    IReadOnlyList<ParsedEntity> Entities,
    System.Text.Json.JsonElement? ResponseSelector)
{
    public static ParseResponse From(NluParse parse) => new(
        parse.Text,
        new ParsedIntent(parse.Intent.Name, parse.Intent.Confidence),
        parse.IntentRanking.Select(i => new ParsedIntent(i.Name, i.Confidence)).ToArray(),
        parse.Entities.Select(e => ParsedEntity.From(parse.Text, e)).ToArray(),
        Selector(parse));

    private static System.Text.Json.JsonElement? Selector(NluParse parse)
    {
        if (parse.Retrieval is null) return null;
        using var json = System.Text.Json.JsonDocument.Parse(NluParseJson.Serialize(parse));
        return json.RootElement.GetProperty("response_selector").Clone();
    }
}

public sealed record ParsedIntent(string Name, float Confidence);

/// <summary>
/// Start/End count Unicode scalar values (Python string indexes, as Rasa's do), not UTF-16 units. Value is a string,
/// or for a Duckling entity the structured value Rasa gives (a number, {"to", "from"}), with Extractor and AdditionalInfo.
/// </summary>
public sealed record ParsedEntity(int Start, int End, string Entity, System.Text.Json.JsonElement Value, string? Role, string? Group,
    string? Extractor = null, System.Text.Json.JsonElement? AdditionalInfo = null)
{
    public static ParsedEntity From(string text, EntitySpan span) => new(
        ScalarIndex(text, span.Start), ScalarIndex(text, span.End), span.Entity, EntityJson.Value(span), span.Role, span.Group,
        span.Extractor, span.AdditionalInfo);

    private static int ScalarIndex(string text, int utf16Index)
    {
        var end = Math.Clamp(utf16Index, 0, text.Length);
        var index = end;
        for (var i = 0; i < end - 1; i++)
            if (char.IsSurrogatePair(text[i], text[i + 1]))
            {
                index--;
                i++;
            }
        return index;
    }
}
