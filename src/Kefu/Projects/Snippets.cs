using System.Globalization;
using System.Text;

namespace Kefu.Projects;

/// <summary>
/// File content quoted in a diagnostic: short, on one line and free of control characters, so a message never
/// echoes a file (a link to /etc/passwd read as YAML) nor writes terminal escape sequences.
/// </summary>
internal static class Snippets
{
    public const int DefaultLength = 60;

    /// <summary>At most <paramref name="max"/> characters of <paramref name="text"/>, control and format characters as \n, \t, \u001B; "…" marks a cut.</summary>
    public static string Quote(string? text, int max = DefaultLength)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var quoted = new StringBuilder(Math.Min(text.Length, max) + 8);
        int shown = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (shown == max) return quoted.Append('…').ToString();
            shown++;
            switch (rune.Value)
            {
                case '\n': quoted.Append(@"\n"); break;
                case '\r': quoted.Append(@"\r"); break;
                case '\t': quoted.Append(@"\t"); break;
                default:
                    var category = Rune.GetUnicodeCategory(rune);
                    if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                        quoted.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:X4}");
                    else
                        quoted.Append(rune.ToString());
                    break;
            }
        }
        return quoted.ToString();
    }
}
