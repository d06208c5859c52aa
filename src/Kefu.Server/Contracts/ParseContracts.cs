using Kefu.Nlu;

namespace Kefu.Server.Contracts;

/// <summary>POST /model/parse request, as Rasa's.</summary>
public sealed record ParseRequest(string? Text);

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

/// <summary>Start/End count Unicode scalar values (Python string indexes, as Rasa's do), not UTF-16 units.</summary>
public sealed record ParsedEntity(int Start, int End, string Entity, string Value, string? Role, string? Group)
{
    public static ParsedEntity From(string text, EntitySpan span) => new(
        ScalarIndex(text, span.Start), ScalarIndex(text, span.End), span.Entity, span.Value, span.Role, span.Group);

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
