using Kefu.Knowledge;
using Kefu.Knowledge.Graph;

namespace Kefu.Server.Contracts;

/// <summary>GET /kb/search: passages best first; a client compares confidence with threshold (below it: "did you mean").</summary>
public sealed record KbSearchResponse(string Query, float Threshold, IReadOnlyList<KbPassageDto> Passages);

public sealed record KbPassageDto(string Id, string Source, string Title, string Text, float Score, float Confidence, string? MatchedQuestion)
{
    public static KbPassageDto From(RetrievedPassage p) => new(p.Id, p.Source, p.Title, p.Text, p.Score, p.Confidence, p.MatchedQuestion);
}

/// <summary>An entity: attributes as strings, numbers or lists of strings.</summary>
public sealed record KbEntityDto(string Id, string Type, string Name, IReadOnlyDictionary<string, object> Attributes)
{
    public static KbEntityDto From(GraphEntity e) => new(e.Id, e.Type, e.Name,
        e.Attributes.ToDictionary(a => a.Key, a => a.Value.Items is { } items ? (object)items : a.Value.Number is { } n ? n : a.Value.Text ?? ""));
}

public sealed record KbEntitiesResponse(IReadOnlyList<KbEntityDto> Entities);

/// <summary>POST /kb/ask: a question for the graph, with the entity and attribute the conversation is about (follow-ups).</summary>
public sealed record KbAskRequest(string? Text, string? Subject = null, string? Attribute = null);

public sealed record KbAskResponse(string Text, bool Answered, string? Subject, string? Attribute, IReadOnlyList<KbEntityDto> Entities);
