using System.Runtime.CompilerServices;
using System.Text.Json;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;
using Sdk = global::Kefu.Sdk;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// The engine's tracker and domain as Kefu.Sdk's, without writing them as JSON: slots are the tracker's own
/// dictionary, the latest message and the events are read only when an action asks, and a domain's view is built once
/// (domains are immutable; one per loaded model).
/// </summary>
public static class SdkViews
{
    private static readonly ConditionalWeakTable<Domain, Sdk.Domain> Domains = [];

    public static Sdk.Domain Domain(Domain domain) => Domains.GetValue(domain, Build);

    public static Sdk.Tracker Tracker(Tracker tracker)
    {
        var state = tracker.State;
        return new Sdk.Tracker(tracker.ConversationId, state.Slots, () => Message(state.LatestMessage), () => Events(tracker),
            () => SlotCandidates(tracker))
        {
            ActiveLoopName = state.ActiveLoop,
            LatestActionName = state.LatestAction,
            FollowupAction = state.FollowupAction,
            Paused = state.Paused,
            LatestInputChannel = state.LatestMessage?.InputChannel,
        };
    }

    private static Sdk.Message Message(UserUttered? latest)
    {
        if (latest is null) return Sdk.Message.None;
        if (latest.Parse is not { } parse) return new Sdk.Message(latest.Text, null, [], []);
        return new Sdk.Message(parse.Text,
            parse.Intent.Name.Length == 0 ? null : new Sdk.Intent(parse.Intent.Name, parse.Intent.Confidence),
            parse.Entities.Select(e => new Sdk.Entity(e.Entity, e.Value, e.Start, e.End, e.Role, e.Group, e.Extractor)
                { AdditionalInfo = e.AdditionalInfo }).ToList(),
            parse.IntentRanking.Select(i => new Sdk.Intent(i.Name, i.Confidence)).ToList());
    }

    /// <summary>Every event in Rasa's JSON: written only for an action that reads tracker.Events.</summary>
    private static IReadOnlyList<JsonElement> Events(Tracker tracker)
    {
        var json = TrackerJson.Build(tracker);
        return json.GetProperty("events").EnumerateArray().ToList();
    }

    /// <summary>The SlotSet events at the end of the log (a form appends its candidates for validate_{form}): the latest value per slot, in the place of its first, as a Python dict keeps them.</summary>
    private static IReadOnlyList<Sdk.SlotSet> SlotCandidates(Tracker tracker)
    {
        var events = tracker.Events;
        int first = events.Count;
        while (first > 0 && events[first - 1] is SlotSet) first--;
        var latest = new List<Sdk.SlotSet>(events.Count - first);
        for (int i = first; i < events.Count; i++)
        {
            var s = (SlotSet)events[i];
            int at = latest.FindIndex(c => c.Name == s.Name);
            if (at >= 0) latest[at] = new Sdk.SlotSet(s.Name, s.Value); else latest.Add(new Sdk.SlotSet(s.Name, s.Value));
        }
        return latest;
    }

    private static Sdk.Domain Build(Domain domain)
    {
        var forms = domain.Forms.ToDictionary(f => f.Name, f => f.RequiredSlots, StringComparer.Ordinal);
        return new Sdk.Domain(
            domain.Intents.Select(i => i.Name).ToList(),
            domain.Entities.Select(e => e.Name).ToList(),
            domain.Slots.Select(s => s.Name).ToList(),
            domain.Responses.Select(r => r.Name).ToList(),
            domain.Actions.Select(a => a.Name).ToList(),
            forms,
            () => DomainJson.Build(domain));
    }
}
