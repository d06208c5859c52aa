using Kefu.Dialogue.Tracking;

namespace Kefu.Dialogue.Responses;

/// <summary>
/// What writes the bot's responses when endpoints.yml has an `nlg:` section (Rasa's NaturalLanguageGenerator): the agent
/// renders each response from the domain as always, then asks this for the message to send instead. Null keeps the
/// rendered template; so does any failure, which the generator logs (a customer never waits on a broken NLG server for
/// nothing).
/// </summary>
public interface IResponseGenerator
{
    /// <param name="response">The response's name (utter_*).</param>
    /// <param name="rendered">The template as the domain renders it, placeholders filled.</param>
    /// <param name="tracker">The conversation before the action that says it (what Rasa sends).</param>
    /// <param name="channel">The output channel's name.</param>
    Task<BotMessage?> GenerateAsync(string response, BotMessage rendered, Tracker tracker, string? channel, CancellationToken ct);
}
