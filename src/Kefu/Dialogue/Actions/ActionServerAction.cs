using System.Text.Json;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// A custom action run by a Rasa SDK action server. Its messages come first, then its events (Rasa's
/// RemoteAction order). A rejection becomes <see cref="ActionExecutionRejected"/>; any other failure throws
/// <see cref="ActionServerException"/>, which the agent logs and answers with a polite reply.
/// </summary>
public sealed class ActionServerAction(string name, ActionServerClient client, ILogger? logger = null) : IAction
{

    /// <summary>Response fields that are not template values (rasa_sdk CollectingDispatcher.utter_message).</summary>
    private static readonly HashSet<string> MessageFields = new(StringComparer.Ordinal)
    {
        "text", "buttons", "image", "custom", "json_message", "response", "template", "elements", "attachment", "quick_replies",
    };

    private readonly ILogger logger = logger ?? NullLogger.Instance;

    public string Name => name;

    /// <summary>
    /// The registry fallback for an action server: names the domain lists under `actions:` run remotely,
    /// anything else stays unknown (Rasa's action_for_name_or_text).
    /// </summary>
    public static Func<string, IAction?> Fallback(Domain domain, ActionServerClient client, ILogger? logger = null)
    {
        var declared = domain.Actions.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        return actionName => declared.Contains(actionName) ? new ActionServerAction(actionName, client, logger) : null;
    }

    public async Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        var reply = await client.RunAsync(name, context.Tracker, context.Domain, ct).ConfigureAwait(false);
        if (reply is ActionServerRejection rejection)
        {
            logger.LogInformation("Action server rejected {Action}: {Error}", name, rejection.Error);
            return [new ActionExecutionRejected(name)];
        }
        var success = (ActionServerSuccess)reply;
        var events = new List<DialogueEvent>();
        foreach (var response in success.Responses)
            if (Message(response, context) is { } uttered) events.Add(uttered);
        for (int i = 0; i < success.Events.Count; i++)
        {
            var json = success.Events[i];
            try
            {
                // Rasa re-stamps an action's events when it logs them: the server's clock is not ours.
                events.Add(RasaEventJson.FromJson(json) with { Timestamp = DateTimeOffset.UtcNow });
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException)
            {
                throw new ActionServerException($"action server {client.Endpoint.Url} (action {name}) sent a bad event at events[{i}]: {ex.Message}", ex);
            }
        }
        return events;
    }

    private BotUttered? Message(JsonElement r, ActionContext context) =>
        ActionMessages.Utterance(name, Str(r, "response") ?? Str(r, "template"), RasaEventJson.BotMessageFromJson(r), TemplateValues(r), context, logger);

    /// <summary>
    /// Extra fields of a message as slot values on a scratch tracker, so `{name}` in the response finds them; a null
    /// one hides the slot's value, as Rasa's nlg.generate(**kwargs) lets a None kwarg win over the slot.
    /// </summary>
    private static IEnumerable<SlotSet> TemplateValues(JsonElement r) =>
        r.EnumerateObject()
            .Where(p => !MessageFields.Contains(p.Name) && p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number
                or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null)
            .Select(p => new SlotSet(p.Name, p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.Clone()));

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
