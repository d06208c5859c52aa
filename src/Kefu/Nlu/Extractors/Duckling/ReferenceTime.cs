using System.Globalization;

namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// A reference time as a caller gives it (POST /model/parse's reference_time, `kefu nlu parse --reference-time`):
/// ISO 8601 with its offset, 2024-11-13T10:30:00+08:00 or 2024-11-13T02:30:00Z. Without an offset the instant would
/// depend on the server's zone, so it is refused.
/// </summary>
public static class ReferenceTime
{
    public static bool TryParse(string? text, out DateTimeOffset value, out string error)
    {
        value = default;
        error = "";
        if (string.IsNullOrWhiteSpace(text) || !HasOffset(text.Trim()) ||
            !DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
        {
            error = $"reference time '{text}' is not an ISO 8601 time with an offset, such as 2024-11-13T10:30:00+08:00";
            return false;
        }
        return true;
    }

    /// <summary>Ends in Z or ±hh:mm / ±hhmm after the time part.</summary>
    static bool HasOffset(string text)
    {
        int t = text.IndexOf('T');
        if (t < 0) t = text.IndexOf(' ');
        if (t < 0) return false;
        string time = text[(t + 1)..];
        return time.EndsWith('Z') || time.EndsWith('z') || time.IndexOfAny(['+', '-']) > 0;
    }
}
