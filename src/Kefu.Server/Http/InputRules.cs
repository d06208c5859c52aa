namespace Kefu.Server.Http;

/// <summary>Checks on the values a request carries; each returns the problem's detail, or null when the value is fine.</summary>
internal static class InputRules
{
    public const int MaxIdLength = 256;

    public static string? ConversationId(string? id, string field)
    {
        if (string.IsNullOrWhiteSpace(id))
            return $"{field} is required and must not be empty";
        if (id.Length > MaxIdLength)
            return $"{field} is {id.Length} characters long; the limit is {MaxIdLength}";
        var control = id.AsSpan().IndexOfAnyInRange('\0', '\u001f');
        return control >= 0 ? $"{field} contains a control character at position {control}" : null;
    }

    /// <summary>Characters are Unicode scalar values, so an emoji counts once, as it does for Rasa (Python str).</summary>
    public static string? MessageText(string? text, string field)
    {
        if (text is null)
            return $"{field} is required";
        if (text.Length <= KefuServerOptions.MaxMessageCharacters)
            return null;
        var characters = 0;
        foreach (var _ in text.EnumerateRunes())
            characters++;
        return characters > KefuServerOptions.MaxMessageCharacters
            ? $"{field} is {characters} characters long; the limit is {KefuServerOptions.MaxMessageCharacters}"
            : null;
    }
}
