namespace Kefu.Nlu;

/// <summary>A trained NLU: text in, intent ranking and entities out. Thread-safe.</summary>
public interface IMessageParser
{
    NluParse Parse(string text);

    /// <summary>
    /// A parse whose relative times (明天, in 2 hours) count from <paramref name="referenceTime"/> rather than now (Rasa's
    /// message time, POST /model/parse's reference_time). Parsers without time entities ignore it.
    /// </summary>
    NluParse Parse(string text, DateTimeOffset referenceTime) => Parse(text);

    /// <summary>
    /// A parse that knows what the bot said before the message (<paramref name="previousBotMessage"/>), for models trained
    /// with context features; others ignore it.
    /// </summary>
    NluParse Parse(string text, DateTimeOffset referenceTime, string? previousBotMessage) => Parse(text, referenceTime);
}
