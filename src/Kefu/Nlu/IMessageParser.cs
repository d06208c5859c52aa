namespace Kefu.Nlu;

/// <summary>A trained NLU: text in, intent ranking and entities out. Thread-safe.</summary>
public interface IMessageParser
{
    NluParse Parse(string text);
}
