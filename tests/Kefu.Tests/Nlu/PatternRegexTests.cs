using System.Text.RegularExpressions;
using Kefu.Nlu;
using Kefu.Nlu.Entities;
using Microsoft.Extensions.Logging;

namespace Kefu.Tests.Nlu;

/// <summary>Regexes from project data: linear-time where possible, same matches as Rasa's backtracking ones, slow ones found and logged once.</summary>
public class PatternRegexTests
{
    // The samples' patterns and the usual shapes of regex entities.
    public static TheoryData<string, string> SamePatterns() => new()
    {
        { @"DD\d{8}", "订单DD20240101和DD2024010299" },
        { @"\b\d{3}-\d{4}\b", "call 555-1234 or 5551-23456" },
        { @"[A-Z]{2}\d+|[A-Z]\d{2}", "AB12 X99 Q1" },
        { @"a|ab", "ab abab" },
        { @"\d+?", "12345" },
        { @"(?i)order\s*#?\d+", "ORDER #12 and order34" },
        { @"^\d{6}$", "556677" },
        { @"[\u4e00-\u9fff]{2,4}市", "我在北京市和上海市" },
    };

    [Theory]
    [MemberData(nameof(SamePatterns))]
    public void Compiled_patterns_find_what_the_backtracking_engine_finds(string pattern, string text)
    {
        var compiled = PatternRegex.Compile(pattern);
        Assert.True(compiled.Options.HasFlag(RegexOptions.NonBacktracking));
        var expected = new Regex(pattern, RegexOptions.CultureInvariant).Matches(text).Select(m => (m.Index, m.Length));
        Assert.Equal(expected, compiled.Matches(text).Select(m => (m.Index, m.Length)));
    }

    [Fact]
    public void Nested_repetition_runs_in_linear_time_instead_of_timing_out()
    {
        var compiled = PatternRegex.Compile(@"^(\w+\s?)+$");
        Assert.True(compiled.Options.HasFlag(RegexOptions.NonBacktracking));
        // The backtracking engine takes 2^n steps here; with the 200 ms timeout it would throw.
        Assert.DoesNotMatch(compiled, new string('a', 20_000) + "!");
        Assert.Equal(default, PatternRegex.Check(@"^(\w+\s?)+$"));
    }

    [Fact]
    public void Patterns_NonBacktracking_refuses_run_with_a_timeout()
    {
        var compiled = PatternRegex.Compile(@"(\d)\1");
        Assert.False(compiled.Options.HasFlag(RegexOptions.NonBacktracking));
        Assert.Equal(PatternRegex.MatchTimeout, compiled.MatchTimeout);
        Assert.Matches(compiled, "a 11 b");
    }

    [Fact]
    public void Check_names_the_input_a_backtracking_pattern_is_slow_on()
    {
        var result = PatternRegex.Check(@"^(?=\w)(\w+\s?)+$");
        Assert.Null(result.Invalid);
        Assert.NotNull(result.SlowOn);
        Assert.EndsWith("\u0001", result.SlowOn);
        Assert.NotNull(PatternRegex.Check("(unclosed").Invalid);
    }

    [Fact]
    public void A_timeout_on_a_message_does_not_match_and_is_logged_once()
    {
        string name = "slow_" + Guid.NewGuid().ToString("N");
        string slow = @"^(?=\w)(\w+\s?)+$";
        var logger = new ListLogger();
        var previous = PatternRegex.Logger;
        PatternRegex.Logger = logger;
        try
        {
            var patterns = new EntityPatterns([new RegexFeature(name, [slow]), new RegexFeature("order_id", [@"DD\d{8}"])], []);
            string text = "DD20240101 " + new string('a', 5_000) + "!";
            for (int turn = 0; turn < 2; turn++)
            {
                Assert.Equal(new[] { ("order_id", 0, 10) }, patterns.Matches(text));
                var matched = new bool[patterns.Names.Count];
                patterns.Match(text, matched, new bool[text.Length]);
                Assert.Equal(new[] { false, true }, matched);
            }
            Assert.Single(logger.Messages, m => m.Contains(name, StringComparison.Ordinal));
        }
        finally
        {
            PatternRegex.Logger = previous;
        }
    }

    private sealed class ListLogger : ILogger
    {
        private readonly List<string> _messages = [];
        public IReadOnlyList<string> Messages { get { lock (_messages) return [.. _messages]; } }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_messages) _messages.Add(formatter(state, exception));
        }
    }
}
