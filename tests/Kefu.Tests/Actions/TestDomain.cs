using System.Collections.Immutable;
using System.Text.Json;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Responses;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Tests.Actions;

/// <summary>Domains, messages and contexts built by hand for action tests.</summary>
internal static class TestDomain
{
    public static readonly SourceLocation Here = new("domain.yml", 1, 1);

    public static JsonElement Json(string raw) => JsonDocument.Parse(raw).RootElement.Clone();

    public static ResponseDefinition Response(string name, string text, params (string Title, string Payload)[] buttons) =>
        new(name, [new ResponseVariation(text, buttons.Select(b => new ResponseButton(b.Title, b.Payload)).ToList(),
            null, null, null, null, [], null, Here)], Here);

    public static Domain With(params ResponseDefinition[] responses) => Domain.Empty with { Responses = responses };

    public static UserUttered User(string text, string intent, float confidence = 0.9f, params string[] ranking)
    {
        var top = new IntentPrediction(intent, confidence);
        var others = ranking.Select((name, i) => new IntentPrediction(name, confidence / (i + 2)));
        return new UserUttered(text, new NluParse(text, top, [top, .. others], []));
    }

    public static Tracker Tracker(params DialogueEvent[] events) =>
        Kefu.Dialogue.Tracking.Tracker.Create("c1",
            ImmutableDictionary<string, JsonElement?>.Empty.Add("order_id", null).Add(TrackerState.RequestedSlot, null), events);

    public static ActionContext Context(Tracker tracker, Domain domain) => new(tracker, domain, new ResponseRenderer(domain), "rest");
}
