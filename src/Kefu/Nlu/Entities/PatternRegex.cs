using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kefu.Nlu.Entities;

/// <summary>
/// How Kefu compiles regexes that come from project data (nlu `regex:` patterns, which Rasa runs as Python `re`).
/// .NET's NonBacktracking engine matches in time linear in the text and finds the same matches as the backtracking
/// one, so a pattern like (a+)+$ cannot stall a turn; it rejects backreferences, lookarounds, atomic groups and very
/// large automata, and those patterns run on the backtracking engine with <see cref="MatchTimeout"/>.
/// </summary>
public static class PatternRegex
{
    /// <summary>Per pattern and message at runtime; a pattern that times out does not match.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>What <see cref="Check"/> allows a pattern on each adversarial input.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromMilliseconds(100);

    // Long enough that polynomial backtracking shows (1000^3 steps), about as long as a chat message gets.
    private const int AdversarialLength = 1000;

    /// <summary>Where runtime timeouts are logged, once per pattern per process; hosts set it (kefu serve).</summary>
    public static ILogger Logger { get; set; } = NullLogger.Instance;

    private static readonly ConcurrentDictionary<(string Name, string Pattern), bool> Reported = new();

    /// <summary>The pattern compiled for matching user text; throws <see cref="ArgumentException"/> when it is invalid.</summary>
    public static Regex Compile(string pattern, RegexOptions options = RegexOptions.CultureInvariant) =>
        Compile(pattern, options, MatchTimeout);

    private static Regex Compile(string pattern, RegexOptions options, TimeSpan timeout)
    {
        try
        {
            return new Regex(pattern, options | RegexOptions.NonBacktracking, timeout);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, options, timeout);
        }
    }

    /// <summary>Why a pattern is unusable (<c>Invalid</c>), or the input it was slow on (<c>SlowOn</c>); both null when it is fine.</summary>
    public readonly record struct CheckResult(string? Invalid, string? SlowOn);

    /// <summary>
    /// Compiles the pattern as <see cref="Compile(string, RegexOptions)"/> does and runs it over inputs that make
    /// backtracking patterns blow up: a run of one character (each of the pattern's own letters and digits, and a
    /// few usual ones) ended by a character nothing expects. Slow means a timeout or, over all matches, more than
    /// <see cref="CheckTimeout"/>.
    /// </summary>
    public static CheckResult Check(string pattern, RegexOptions options = RegexOptions.CultureInvariant)
    {
        Regex regex;
        try
        {
            regex = Compile(pattern, options, CheckTimeout);
        }
        catch (ArgumentException e)
        {
            return new CheckResult(e.Message, null);
        }
        foreach (string input in AdversarialInputs(pattern))
        {
            var clock = Stopwatch.StartNew();
            try
            {
                foreach (var _ in regex.EnumerateMatches(input))
                    if (clock.Elapsed > CheckTimeout) return new CheckResult(null, input);
            }
            catch (RegexMatchTimeoutException)
            {
                return new CheckResult(null, input);
            }
            if (clock.Elapsed > CheckTimeout) return new CheckResult(null, input);
        }
        return default;
    }

    private static IEnumerable<string> AdversarialInputs(string pattern)
    {
        var characters = pattern.Where(char.IsLetterOrDigit).Concat("a1 _.-@中").Distinct().Take(16);
        foreach (char c in characters)
            yield return new string(c, AdversarialLength) + "\u0001";
    }

    /// <summary>Logs that <paramref name="pattern"/> timed out on a message (the first time only) and carries on.</summary>
    public static void ReportTimeout(string name, string pattern)
    {
        if (Reported.TryAdd((name, pattern), true))
            Logger.LogWarning("The regex '{Name}' pattern {Pattern} took more than {Timeout} ms on a message and is treated as not matching; " +
                "`kefu data validate` names slow patterns (this is logged once per pattern)",
                name, pattern.Length > 200 ? pattern[..200] + "…" : pattern, MatchTimeout.TotalMilliseconds);
    }
}
