using System.Globalization;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kefu.Server.Routes;

/// <summary>
/// The rest of Rasa's HTTP API on a conversation (rasa/server.py; spec: rasa/docs/static/spec/rasa.yml): its events
/// appended or replaced, an intent triggered, an action executed, the next action predicted, the conversation as a story.
/// Everything that changes the conversation goes through the engine under the conversation's lock.
/// </summary>
public static class RasaConversationRoutes
{
    public static RouteGroupBuilder MapRasaConversations(this IEndpointRouteBuilder app, string? token)
    {
        var group = app.MapGroup("/conversations/{id}").WithTags("Conversations").RequireToken(token)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapPost("/tracker/events", AppendEvents)
            .Accepts<JsonElement>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Appends events (one Rasa event or an array) to the conversation; returns the tracker")
            .WithDescription("""
                Rasa's event JSON ({"event": "slot", "name": ..., "value": ...}, {"event": "user", ...}, ...). A new
                conversation gets action_session_start first unless the events begin a session. Nothing runs.
                output_channel and execute_side_effects are ignored: Kefu has no channel to push to; bot events
                reach the customer through GET /webhooks/rest/conversations/{sender}/messages.
                """);
        group.MapPut("/tracker/events", ReplaceEvents)
            .Accepts<JsonElement>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Replaces the conversation's events; returns the tracker")
            .WithDescription("""
                The state becomes the fold of the given events. The store is append-only: a conversation with events
                gets a restart (and a session_started when the events do not begin a session) before them, so its
                history stays stored (include_events=ALL shows it) and the default AFTER_RESTART view shows the new events.
                """);
        group.MapPost("/trigger_intent", TriggerIntent)
            .Accepts<TriggerIntentRequest>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Runs a turn for an intent as if the user had said it; returns {tracker, messages}");
        group.MapPost("/execute", Execute)
            .Accepts<ExecuteActionRequest>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Runs one action (deprecated in Rasa in favour of trigger_intent); returns {tracker, messages}");
        group.MapPost("/predict", Predict)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The next action's scores without running it: {scores, policy, confidence, tracker}");
        group.MapGet("/story", Story)
            .Produces<string>(StatusCodes.Status200OK, "text/yaml")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The conversation as a Rasa YAML test story; all_sessions=true: one story per session; until: a Unix time");
        return group;
    }

    private static Task<Results<TrackerStream, ProblemHttpResult>> AppendEvents(
        string id, [FromQuery(Name = "include_events")] string? includeEvents, HttpRequest request, IChatService chat,
        ServerReadiness readiness, KefuServerOptions options, CancellationToken ct) =>
        ChangeEvents(id, includeEvents, request, chat, readiness, options, replace: false, ct);

    private static Task<Results<TrackerStream, ProblemHttpResult>> ReplaceEvents(
        string id, [FromQuery(Name = "include_events")] string? includeEvents, HttpRequest request, IChatService chat,
        ServerReadiness readiness, KefuServerOptions options, CancellationToken ct) =>
        ChangeEvents(id, includeEvents, request, chat, readiness, options, replace: true, ct);

    private static async Task<Results<TrackerStream, ProblemHttpResult>> ChangeEvents(string id, string? includeEvents,
        HttpRequest request, IChatService chat, ServerReadiness readiness, KefuServerOptions options, bool replace, CancellationToken ct)
    {
        if (Refuse(id, includeEvents, chat, readiness, options) is { } refused)
            return refused;
        var (body, problem) = await JsonBody.ReadAsync<JsonDocument>(request, ct);
        if (problem is not null)
            return problem;
        using var _ = body;
        var (events, badEvent) = RasaApiReader.Events(body!.RootElement, options.Limits);
        if (badEvent is not null)
            return Problems.BadRequest(badEvent);
        if (events!.Count == 0 && !replace)
            return Problems.BadRequest("no events to append: send an event object or a non-empty array of events");
        var control = (IConversationControl)chat;
        if (UnknownFollowup(events, control) is { } unknown)
            return Problems.BadRequest(unknown);
        if (await ConversationSize.CheckAsync(request.HttpContext, id, options.Limits) is { } full)
            return full;

        if (replace)
            await control.ReplaceEventsAsync(id, events, CancellationToken.None);
        else
            await control.AppendEventsAsync(id, events, CancellationToken.None);
        return await TrackerOf(id, includeEvents, chat, ct);
    }

    private static async Task<Results<TrackerStream, ProblemHttpResult>> TriggerIntent(
        string id, [FromQuery(Name = "include_events")] string? includeEvents, HttpRequest request, IChatService chat,
        ServerReadiness readiness, KefuServerOptions options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken ct)
    {
        if (Refuse(id, includeEvents, chat, readiness, options) is { } refused)
            return refused;
        var (body, problem) = await JsonBody.ReadAsync<TriggerIntentRequest>(request, ct);
        if (problem is not null)
            return problem;
        if (body!.Name is not { Length: > 0 } intent)
            return Problems.BadRequest("name is required: the intent to trigger");
        var (entities, badEntities) = RasaApiReader.Entities(body.Entities);
        if (badEntities is not null)
            return Problems.BadRequest(badEntities);
        var control = (IConversationControl)chat;
        if (control.Domain.FindIntent(intent) is null && !Kefu.Projects.Domain.BuiltInIntents.Contains(intent))
            return NotFound($"the intent \"{intent}\" does not exist in the domain");
        if (await ConversationSize.CheckAsync(request.HttpContext, id, options.Limits) is { } full)
            return full;

        var messages = await control.TriggerIntentAsync(id, intent, entities!, CancellationToken.None);
        return await WithMessages(id, includeEvents, chat, messages, json.Value.SerializerOptions, ct);
    }

    private static async Task<Results<TrackerStream, ProblemHttpResult>> Execute(
        string id, [FromQuery(Name = "include_events")] string? includeEvents, HttpRequest request, IChatService chat,
        ServerReadiness readiness, KefuServerOptions options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        ILoggerFactory logs, CancellationToken ct)
    {
        if (Refuse(id, includeEvents, chat, readiness, options) is { } refused)
            return refused;
        var (body, problem) = await JsonBody.ReadAsync<ExecuteActionRequest>(request, ct);
        if (problem is not null)
            return problem;
        if (body!.Name is not { Length: > 0 } action)
            return Problems.BadRequest("name is required: the action to execute");
        if (body.Confidence is < 0 or > 1 || body.Confidence is { } c && float.IsNaN(c))
            return Problems.BadRequest($"confidence is {body.Confidence}; expected a number from 0 to 1");
        var control = (IConversationControl)chat;
        if (!control.HasAction(action))
            return NotFound($"the action \"{action}\" does not exist in the domain");
        if (await Missing(request.HttpContext, id) is { } missing)
            return missing;
        if (await ConversationSize.CheckAsync(request.HttpContext, id, options.Limits) is { } full)
            return full;

        // Rasa's warning (a FutureWarning there): actions should be predicted by the policies only.
        logs.CreateLogger(typeof(RasaConversationRoutes)).LogWarning(
            "POST /conversations/{{id}}/execute is deprecated in Rasa; use /conversations/{{id}}/trigger_intent (ran {Action})", action);
        var messages = await control.ExecuteActionAsync(id, action, body.Policy, body.Confidence, CancellationToken.None);
        return await WithMessages(id, includeEvents, chat, messages, json.Value.SerializerOptions, ct);
    }

    private static async Task<Results<TrackerStream, ProblemHttpResult>> Predict(
        string id, [FromQuery(Name = "include_events")] string? includeEvents, HttpContext context, IChatService chat,
        ServerReadiness readiness, KefuServerOptions options, CancellationToken ct)
    {
        if (Refuse(id, includeEvents, chat, readiness, options) is { } refused)
            return refused;
        if (await Missing(context, id) is { } missing)
            return missing;
        var scores = await ((IConversationControl)chat).PredictAsync(id, ct);
        var head = await chat.GetTrackerHeadAsync(id, ct);
        return new TrackerStream(id, head, TrackerStream.ParseVerbosity(includeEvents).Verbosity!.Value)
        {
            Envelope = ("tracker", w =>
            {
                w.WriteStartArray("scores");
                foreach (var (action, score) in scores.Scores)
                {
                    w.WriteStartObject();
                    w.WriteString("action", action);
                    w.WriteNumber("score", score);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteString("policy", scores.Policy);
                w.WriteNumber("confidence", scores.Confidence);
            }),
        };
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Story(
        string id, [FromQuery(Name = "all_sessions")] string? allSessions, [FromQuery(Name = "until")] string? until,
        HttpContext context, IChatService chat, ServerReadiness readiness, KefuServerOptions options, IEventStore store, CancellationToken ct)
    {
        if (Refuse(id, null, chat, readiness, options) is { } refused)
            return refused;
        bool all = false;
        if (allSessions is not null && !bool.TryParse(allSessions, out all))
            return Problems.BadRequest($"all_sessions is \"{allSessions}\"; expected true or false");
        double? untilTime = null;
        if (until is not null)
        {
            if (!double.TryParse(until, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) || !double.IsFinite(t))
                return Problems.BadRequest($"until is \"{until}\"; expected a Unix time in seconds, e.g. 1795340582.6");
            untilTime = t;
        }
        if (await Missing(context, id) is { } missing)
            return missing;

        // The whole conversation is read: at most --max-conversation-events events.
        var events = (await store.LoadAsync(id, ct)).Select(RasaEventJson.FromStored)
            .Where(e => untilTime is not { } u || e.Timestamp.ToUnixTimeMilliseconds() / 1000.0 <= u).ToList();
        var sessions = StoryYamlWriter.Sessions(id, events);
        // Without all_sessions, the latest session, as Rasa's tracker.as_story() (its applied events) gives it.
        var yaml = StoryYamlWriter.Write(all ? sessions : sessions.Count == 0 ? [] : [(id, sessions[^1].Events)]);
        return TypedResults.Text(yaml, "text/yaml; charset=utf-8");
    }

    private static async Task<Results<TrackerStream, ProblemHttpResult>> WithMessages(string id, string? includeEvents, IChatService chat,
        IReadOnlyList<BotMessage> messages, JsonSerializerOptions json, CancellationToken ct)
    {
        // An element, not JsonSerializer.Serialize(writer): that flushes the writer, a synchronous write to the response.
        var replies = JsonSerializer.SerializeToElement(messages.Select(m => RestChannelReply.From(id, m)).ToList(), json);
        return new TrackerStream(id, await chat.GetTrackerHeadAsync(id, ct), TrackerStream.ParseVerbosity(includeEvents).Verbosity!.Value)
        {
            Envelope = ("tracker", w =>
            {
                w.WritePropertyName("messages");
                replies.WriteTo(w);
            }),
        };
    }

    private static async Task<Results<TrackerStream, ProblemHttpResult>> TrackerOf(string id, string? includeEvents, IChatService chat, CancellationToken ct) =>
        new TrackerStream(id, await chat.GetTrackerHeadAsync(id, ct), TrackerStream.ParseVerbosity(includeEvents).Verbosity!.Value);

    /// <summary>
    /// A followup names the action the next turn runs without asking the policies; one the domain does not know would
    /// be stored and end that turn in an action error, so it is refused like any other bad event, before anything is appended.
    /// </summary>
    private static string? UnknownFollowup(List<DialogueEvent> events, IConversationControl control)
    {
        for (var i = 0; i < events.Count; i++)
            if (events[i] is FollowupAction { Name: var action } && !control.HasAction(action))
                return $"events[{i}]: the followup action \"{action}\" does not exist in the domain";
        return null;
    }

    /// <summary>Rasa's ensure_conversation_exists: 404 for a conversation without events.</summary>
    private static async Task<ProblemHttpResult?> Missing(HttpContext context, string id)
    {
        var store = context.RequestServices.GetRequiredService<IEventStore>();
        return await store.CountAsync(id, context.RequestAborted) > 0 ? null : NotFound($"conversation \"{id}\" has no events");
    }

    private static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static ProblemHttpResult? Refuse(string id, string? includeEvents, IChatService chat, ServerReadiness readiness, KefuServerOptions options)
    {
        if (readiness.IsReady && chat is not IConversationControl)
            return TypedResults.Problem("this server's dialogue engine does not offer Rasa's conversation API",
                statusCode: StatusCodes.Status501NotImplemented, title: "Not implemented");
        return ConversationRoutes.Refuse(id, includeEvents, readiness, options);
    }
}
