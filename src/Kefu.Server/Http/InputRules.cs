using System.Text.Json;

namespace Kefu.Server.Http;

/// <summary>
/// Checks on the values a request carries; each returns the problem's detail, or null when the value is fine. Lengths
/// are in characters = Unicode scalar values (an emoji counts once, as in Python and Rasa), for texts and ids alike.
/// </summary>
internal static class InputRules
{
    /// <summary>What a sender id may hold, as the webhook's 400 says it.</summary>
    public const string SenderCharacters =
        "any characters but '/' and control characters, and not \".\" or \"..\" (the id must fit in one URL path segment)";

    public static string? ConversationId(string? id, string field, ServerLimits limits)
    {
        if (string.IsNullOrWhiteSpace(id))
            return $"{field} is required and must not be empty";
        if (TooLong(id, limits.MaxIdCharacters) is { } characters)
            return $"{field} is {characters} characters long; the limit is {limits.MaxIdCharacters}";
        var control = id.AsSpan().IndexOfAnyInRange('\0', '\u001f');
        if (control < 0)
            control = id.IndexOf('\u007f');
        return control >= 0 ? $"{field} contains a control character at position {ScalarIndex(id, control)}" : null;
    }

    /// <summary>
    /// A sender id that starts a conversation through the webhook: also reachable as <c>/conversations/{id}</c> and
    /// <c>/webhooks/rest/conversations/{sender}/messages</c>. A '/' (encoded or not) splits the path, and clients and
    /// servers remove "." and ".." segments, so such ids would make conversations no other route can name.
    /// </summary>
    public static string? SenderId(string? id, string field, ServerLimits limits)
    {
        if (ConversationId(id, field, limits) is { } problem)
            return problem;
        var slash = id!.IndexOf('/');
        if (slash >= 0)
            return $"{field} contains '/' at position {ScalarIndex(id, slash)}; a sender id may hold {SenderCharacters}";
        return id is "." or ".." ? $"{field} is \"{id}\"; a sender id may hold {SenderCharacters}" : null;
    }

    public static string? MessageText(string? text, string field, ServerLimits limits)
    {
        if (text is null)
            return $"{field} is required";
        return TooLong(text, limits.MaxMessageCharacters) is { } characters
            ? $"{field} is {characters} characters long; the limit is {limits.MaxMessageCharacters}"
            : null;
    }

    /// <summary>Rasa's REST channel passes metadata on to actions as a dict: an object, or nothing.</summary>
    public static string? Metadata(JsonElement? metadata) =>
        metadata is { ValueKind: not JsonValueKind.Object and not JsonValueKind.Null } value
            ? $"metadata is a JSON {value.ValueKind.ToString().ToLowerInvariant()}; expected an object"
            : null;

    /// <summary>The text's length in scalar values when it is over <paramref name="limit"/>; null otherwise.</summary>
    private static int? TooLong(string text, int limit)
    {
        // A scalar value is one or two UTF-16 units, so at most `limit` units is within the limit without counting.
        if (text.Length <= limit)
            return null;
        var characters = 0;
        foreach (var _ in text.EnumerateRunes())
            characters++;
        return characters > limit ? characters : null;
    }

    /// <summary>UTF-16 index <paramref name="index"/> counted in scalar values.</summary>
    private static int ScalarIndex(string text, int index)
    {
        var position = 0;
        foreach (var _ in text.AsSpan(0, index).EnumerateRunes())
            position++;
        return position;
    }
}
