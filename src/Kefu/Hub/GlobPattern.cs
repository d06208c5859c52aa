using System.Text;
using System.Text.RegularExpressions;

namespace Kefu.Hub;

/// <summary>
/// Include patterns as huggingface_hub's filter_repo_objects reads allow_patterns: Python's fnmatch over the repo path,
/// so "*" and "?" also match "/" ("*.json" takes 1_Pooling/config.json too), "[seq]" and "[!seq]" are character sets,
/// matching is case-sensitive, and a pattern ending in "/" means everything under that folder.
/// </summary>
internal sealed class GlobPattern
{
    private readonly Regex regex;

    public GlobPattern(string pattern)
    {
        Pattern = pattern.EndsWith('/') ? pattern + "*" : pattern;
        regex = new Regex(Translate(Pattern), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    public string Pattern { get; }

    public bool IsMatch(string path) => regex.IsMatch(path);

    /// <summary>True when <paramref name="patterns"/> is null or empty (everything), or any of them matches.</summary>
    public static bool MatchesAny(string path, IReadOnlyList<GlobPattern>? patterns) =>
        patterns is not { Count: > 0 } || patterns.Any(p => p.IsMatch(path));

    public static IReadOnlyList<GlobPattern>? Parse(IReadOnlyList<string>? patterns) =>
        patterns is { Count: > 0 } ? [.. patterns.Select(p => new GlobPattern(p))] : null;

    /// <summary>fnmatch.translate: the pattern as an anchored regex.</summary>
    private static string Translate(string pattern)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*') sb.Append(".*");
            else if (c == '?') sb.Append('.');
            else if (c == '[' && SetEnd(pattern, i) is int end)
            {
                string set = pattern[(i + 1)..end];
                sb.Append('[');
                if (set.StartsWith('!')) { sb.Append('^'); set = set[1..]; }
                else if (set.StartsWith('^')) sb.Append('\\');
                sb.Append(set.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("[", "\\[", StringComparison.Ordinal).Replace("]", "\\]", StringComparison.Ordinal)).Append(']');
                i = end;
            }
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return sb.Append("\\z").ToString();
    }

    /// <summary>Where the set opened at <paramref name="open"/> closes (a "]" right after "[" or "[!" is a member), or null: then "[" is literal.</summary>
    private static int? SetEnd(string pattern, int open)
    {
        int j = open + 1;
        if (j < pattern.Length && pattern[j] == '!') j++;
        if (j < pattern.Length && pattern[j] == ']') j++;
        int end = pattern.IndexOf(']', j);
        return end < 0 ? null : end;
    }
}
