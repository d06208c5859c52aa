using System.Text.RegularExpressions;

namespace Kefu.Nlu.Entities;

/// <summary>
/// Rasa's regex and lookup-table sections compiled: each named pattern finds spans in the original text.
/// They serve three times: as intent features ("the message matches X", Rasa's RegexFeaturizer), as CRF
/// features ("this token is inside a match of X") and, when the name is an entity type, as an extractor of
/// their own (Rasa's RegexEntityExtractor). Regex patterns compile as <see cref="PatternRegex"/> says (linear time
/// where the pattern allows); lookup tables are alternations of escaped literals, which cannot backtrack
/// catastrophically, on the backtracking engine (NonBacktracking refuses their lookarounds and large automata).
/// A pattern that times out on a text does not match it, and is logged once (<see cref="PatternRegex.ReportTimeout"/>).
/// </summary>
public sealed class EntityPatterns
{
    readonly (string Name, Regex Regex)[] patterns;

    public IReadOnlyList<RegexFeature> Regexes { get; }
    public IReadOnlyList<LookupTable> Lookups { get; }
    public IReadOnlyList<string> Names { get; }

    public EntityPatterns(IReadOnlyList<RegexFeature> regexes, IReadOnlyList<LookupTable> lookups)
    {
        Regexes = regexes;
        Lookups = lookups;
        var list = new List<(string, Regex)>();
        foreach (var r in regexes)
            foreach (var p in r.Patterns)
            {
                try
                {
                    list.Add((r.Name, PatternRegex.Compile(p)));
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"regex '{r.Name}': invalid pattern '{p}': {e.Message}", e);
                }
            }
        foreach (var l in lookups.Where(l => l.Elements.Count > 0))
            list.Add((l.Name, new Regex(LookupPattern(l.Elements), RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, PatternRegex.MatchTimeout)));
        patterns = list.ToArray();
        Names = patterns.Select(p => p.Item1).Distinct().ToArray();
        nameIndex = patterns.Select(p => Array.IndexOf((string[])Names, p.Item1)).ToArray();
    }

    readonly int[] nameIndex; // [patterns] -> index into Names

    /// <summary>The training data's regexes and lookup tables, or null when it has none.</summary>
    public static EntityPatterns? Of(NluTrainingData data) =>
        data.Regexes.Count + data.Lookups.Count > 0 ? new EntityPatterns(data.Regexes, data.Lookups) : null;

    /// <summary>
    /// Sets matched[i] when a pattern named Names[i] matches somewhere in <paramref name="text"/>, and masked[c]
    /// for every character c inside a match; allocates nothing.
    /// </summary>
    public void Match(ReadOnlySpan<char> text, Span<bool> matched, Span<bool> masked)
    {
        matched.Clear();
        masked.Clear();
        for (int p = 0; p < patterns.Length; p++)
        {
            try
            {
                foreach (var m in patterns[p].Regex.EnumerateMatches(text))
                {
                    if (m.Length == 0) continue;
                    matched[nameIndex[p]] = true;
                    masked.Slice(m.Index, m.Length).Fill(true);
                }
            }
            catch (RegexMatchTimeoutException)
            {
                PatternRegex.ReportTimeout(patterns[p].Name, patterns[p].Regex.ToString());
            }
        }
    }

    /// <summary>Alternation of the elements, longest first; words of spaced scripts must match whole.</summary>
    static string LookupPattern(IReadOnlyList<string> elements) =>
        string.Join("|", elements.Where(e => e.Length > 0).Distinct().OrderByDescending(e => e.Length).Select(e =>
        {
            string escaped = Regex.Escape(e);
            bool wordLike = char.IsLetterOrDigit(e[0]) && !Text.TextAnalyzer.IsCjk(e[0]);
            return wordLike ? $@"(?<!\w){escaped}(?!\w)" : escaped;
        }));

    /// <summary>Every match in <paramref name="text"/> as (pattern name, start, end).</summary>
    public List<(string Name, int Start, int End)> Matches(string text)
    {
        var found = new List<(string, int, int)>();
        foreach (var (name, regex) in patterns)
        {
            try
            {
                for (var m = regex.Match(text); m.Success; m = m.NextMatch())
                    if (m.Length > 0) found.Add((name, m.Index, m.Index + m.Length));
            }
            catch (RegexMatchTimeoutException)
            {
                PatternRegex.ReportTimeout(name, regex.ToString());
            }
        }
        return found;
    }
}
