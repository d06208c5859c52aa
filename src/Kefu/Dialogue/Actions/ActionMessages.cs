using Kefu.Dialogue.Tracking;
using Microsoft.Extensions.Logging;

namespace Kefu.Dialogue.Actions;

/// <summary>Dispatcher messages of a custom action (remote or in process) as the bot's utterances.</summary>
internal static class ActionMessages
{
    /// <summary>
    /// One dispatcher message: a named response rendered from the domain, its template values filling `{placeholders}`
    /// as Rasa's nlg.generate(**kwargs) does; then literal buttons are appended and non-empty literal fields win. Null
    /// when it names a response the domain lacks (Rasa skips it).
    /// </summary>
    public static BotUttered? Utterance(string actionName, string? responseName, BotMessage literal, IEnumerable<SlotSet> templateValues,
        ActionContext context, ILogger logger)
    {
        BotMessage message = new();
        if (responseName is not null)
        {
            var tracker = context.Tracker.Suppose(templateValues);
            if (context.Responses.Render(responseName, tracker, context.Channel) is not { } rendered)
            {
                logger.LogWarning("Action {Action} asked for response {Response}, which the domain does not have; skipped", actionName, responseName);
                return null;
            }
            message = rendered;
        }
        var buttons = (message.Buttons ?? []).Concat(literal.Buttons ?? []).ToList();
        message = new BotMessage(
            string.IsNullOrEmpty(literal.Text) ? message.Text : literal.Text,
            string.IsNullOrEmpty(literal.Image) ? message.Image : literal.Image,
            buttons.Count == 0 ? null : buttons,
            literal.Custom is { } c && !(c.ValueKind == System.Text.Json.JsonValueKind.Object && !c.EnumerateObject().Any()) ? c : message.Custom);
        return new BotUttered(message, responseName);
    }
}
