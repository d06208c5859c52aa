using System.Text.RegularExpressions;

namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// The English pieces of a time expression, and the numeric dates and clock times every language writes:
/// <code>
/// shift        in 2 hours, in half an hour, in a week, 3 days ago, two weeks from now
/// day          today, tonight, tomorrow, yesterday, the day after tomorrow
/// week         next Monday, this Friday, last Sunday, Friday (the next one), next week, this weekend, next month, next year
/// date         Dec 5, December 5th 2025, 5 Dec, the 5th of December, 2024-12-05, 12/5 (month first), 12/5/2024
/// part of day  this morning, tomorrow afternoon, tomorrow night
/// clock        at 3pm, 3:30 pm, 15:00, 8:30, at 8, noon, midnight, 7 o'clock
/// </code>
/// "at 8" and "8:30" without am/pm are 8:00 or 20:00, whichever comes first (<see cref="TimeResolver"/>).
/// </summary>
internal static partial class EnglishTime
{
    public static IReadOnlyList<TimeComponent> Components { get; } =
    [
        new(TimeSlot.Shift, Shift),
        new(TimeSlot.Day | TimeSlot.Part, DayWithPart),
        new(TimeSlot.Day, DayWord),
        new(TimeSlot.Day, Relative),
        new(TimeSlot.Day, Weekday),
        new(TimeSlot.Day, MonthDay),
        new(TimeSlot.Day, NumericDate),
        new(TimeSlot.Part, Part),
        new(TimeSlot.Clock, Clock),
    ];

    const string Unit = @"(?<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)";
    const string Count = @"(?<n>[0-9]{1,6}(?:\.[0-9]{1,3})?|an?|" + EnglishNumbers.Words + ")";

    [GeneratedRegex(@"\G(?:in\s+(?:(?<half>half\s+an?|a\s+half)|" + Count + @"(?<andhalf>\s+and\s+a\s+half)?)\s+" + Unit +
        @"|" + Count + @"\s+" + Unit + @"\s+(?<dir>ago|later|from\s+now|hence))\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ShiftPattern { get; }

    static int Shift(string text, int at, TimeParts parts)
    {
        var m = ShiftPattern.Match(text, at);
        if (!m.Success) return -1;
        decimal amount;
        if (m.Groups["half"].Success) amount = 0.5m;
        else if (m.Groups["n"].Value.ToLowerInvariant() is "a" or "an") amount = 1;
        else if (NumberText.Parse(m.Groups["n"].Value) is { } n) amount = n;
        else return -1;
        if (m.Groups["andhalf"].Success) amount += 0.5m;
        parts.ShiftUnit = DurationUnitOf(m.Groups["unit"].Value);
        parts.ShiftAmount = m.Groups["dir"].Value.Equals("ago", StringComparison.OrdinalIgnoreCase) ? -amount : amount;
        return m.Index + m.Length;
    }

    internal static DurationUnit DurationUnitOf(string unit) => unit.ToLowerInvariant()[..2] switch
    {
        "se" => DurationUnit.Second,
        "mi" => DurationUnit.Minute,
        "ho" or "hr" => DurationUnit.Hour,
        "da" => DurationUnit.Day,
        "we" => DurationUnit.Week,
        "mo" => DurationUnit.Month,
        _ => DurationUnit.Year,
    };

    [GeneratedRegex(@"\G(?:(?<tonight>tonight)|this\s+(?<part>morning|afternoon|evening))\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DayWithPartPattern { get; }

    static int DayWithPart(string text, int at, TimeParts parts)
    {
        var m = DayWithPartPattern.Match(text, at);
        if (!m.Success) return -1;
        parts.DayOffset = 0;
        parts.Part = m.Groups["tonight"].Success ? PartOfDay.Evening : PartOf(m.Groups["part"].Value);
        return m.Index + m.Length;
    }

    static PartOfDay PartOf(string word) => word.ToLowerInvariant() switch
    {
        "morning" => PartOfDay.Morning,
        "afternoon" => PartOfDay.Afternoon,
        _ => PartOfDay.Evening,
    };

    [GeneratedRegex(@"\G(?:the\s+day\s+after\s+tomorrow|the\s+day\s+before\s+yesterday|today|tomorrow|tmrw|yesterday)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DayWordPattern { get; }

    static int DayWord(string text, int at, TimeParts parts)
    {
        var m = DayWordPattern.Match(text, at);
        if (!m.Success) return -1;
        string w = m.Value.ToLowerInvariant();
        parts.DayOffset = w.StartsWith("the day after", StringComparison.Ordinal) ? 2
            : w.StartsWith("the day before", StringComparison.Ordinal) ? -2
            : w == "today" ? 0 : w == "yesterday" ? -1 : 1;
        return m.Index + m.Length;
    }

    const string Weekdays = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs";

    static int WeekdayNumber(string name) => name.ToLowerInvariant()[..2] switch
    {
        "mo" => 1, "tu" => 2, "we" => 3, "th" => 4, "fr" => 5, "sa" => 6, _ => 7,
    };

    [GeneratedRegex(@"\G(?<rel>this|next|last|coming)\s+(?<what>" + Weekdays + @"|week|weekend|month|year)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RelativePattern { get; }

    static int Relative(string text, int at, TimeParts parts)
    {
        var m = RelativePattern.Match(text, at);
        if (!m.Success) return -1;
        int offset = m.Groups["rel"].Value.ToLowerInvariant() switch { "this" => 0, "last" => -1, _ => 1 };
        switch (m.Groups["what"].Value.ToLowerInvariant())
        {
            case "week": parts.WholeWeek = true; parts.WeekOffset = offset; break;
            case "weekend": parts.Weekend = true; parts.WeekOffset = offset; break;
            case "month": parts.MonthOffset = offset; break;
            case "year": parts.YearOffset = offset; break;
            case var day:
                parts.Weekday = WeekdayNumber(day);
                parts.WeekdayMode = WeekdayMode.CalendarWeek;
                parts.WeekOffset = offset;
                break;
        }
        return m.Index + m.Length;
    }

    [GeneratedRegex(@"\G(?:on\s+)?(?<day>" + Weekdays + @")\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WeekdayPattern { get; }

    static int Weekday(string text, int at, TimeParts parts)
    {
        var m = WeekdayPattern.Match(text, at);
        if (!m.Success) return -1;
        parts.Weekday = WeekdayNumber(m.Groups["day"].Value);
        parts.WeekdayMode = WeekdayMode.Next;
        return m.Index + m.Length;
    }

    const string Months = "january|february|march|april|may|june|july|august|september|october|november|december|" +
        "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec";

    static int MonthNumber(string name) => name.ToLowerInvariant()[..3] switch
    {
        "jan" => 1, "feb" => 2, "mar" => 3, "apr" => 4, "may" => 5, "jun" => 6,
        "jul" => 7, "aug" => 8, "sep" => 9, "oct" => 10, "nov" => 11, _ => 12,
    };

    [GeneratedRegex(@"\G(?:(?:on\s+)?(?<mon>" + Months + @")\.?\s+(?:the\s+)?(?<d>[0-9]{1,2})(?:st|nd|rd|th)?" +
        @"|(?:on\s+)?(?:the\s+)?(?<d>[0-9]{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?<mon>" + Months + @")\.?)(?:,?\s+(?<y>[0-9]{4}))?(?![A-Za-z0-9])",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MonthDayPattern { get; }

    static int MonthDay(string text, int at, TimeParts parts)
    {
        var m = MonthDayPattern.Match(text, at);
        if (!m.Success) return -1;
        parts.Month = MonthNumber(m.Groups["mon"].Value);
        parts.Day = int.Parse(m.Groups["d"].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (m.Groups["y"].Success) parts.Year = int.Parse(m.Groups["y"].Value, System.Globalization.CultureInfo.InvariantCulture);
        return m.Index + m.Length;
    }

    [GeneratedRegex(@"\G(?:(?<y>[0-9]{4})(?<sep>[-/.])(?<m>[0-9]{1,2})\k<sep>(?<d>[0-9]{1,2})|(?<m>[0-9]{1,2})/(?<d>[0-9]{1,2})(?:/(?<y>[0-9]{4}|[0-9]{2}))?)(?![0-9/.:])")]
    private static partial Regex NumericDatePattern { get; }

    static int NumericDate(string text, int at, TimeParts parts)
    {
        var m = NumericDatePattern.Match(text, at);
        if (!m.Success) return -1;
        parts.Month = int.Parse(m.Groups["m"].Value, System.Globalization.CultureInfo.InvariantCulture);
        parts.Day = int.Parse(m.Groups["d"].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (m.Groups["y"].Success)
        {
            int y = int.Parse(m.Groups["y"].Value, System.Globalization.CultureInfo.InvariantCulture);
            parts.Year = y < 100 ? 2000 + y : y;
        }
        return m.Index + m.Length;
    }

    [GeneratedRegex(@"\G(?:in\s+the\s+)?(?<part>morning|afternoon|evening|night)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PartPattern { get; }

    static int Part(string text, int at, TimeParts parts)
    {
        var m = PartPattern.Match(text, at);
        if (!m.Success) return -1;
        parts.Part = PartOf(m.Groups["part"].Value);
        return m.Index + m.Length;
    }

    [GeneratedRegex(@"\G(?<at>at\s+|@\s*)?(?:(?<h>[0-9]{1,2})(?:[:：](?<m>[0-9]{2}))?\s*(?:(?<ap>[ap])\.?m\.?|(?<oclock>o'?clock))?" +
        @"|(?<noon>noon|midday)|(?<midnight>midnight))(?![A-Za-z0-9])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClockPattern { get; }

    static int Clock(string text, int at, TimeParts parts)
    {
        var m = ClockPattern.Match(text, at);
        if (!m.Success) return -1;
        if (m.Groups["noon"].Success || m.Groups["midnight"].Success)
        {
            parts.Hour = m.Groups["noon"].Success ? 12 : 24;
            return m.Index + m.Length;
        }
        bool minutes = m.Groups["m"].Success, meridiem = m.Groups["ap"].Success;
        if (!minutes && !meridiem && !m.Groups["at"].Success && !m.Groups["oclock"].Success) return -1;
        int end = m.Index + m.Length;
        // "at 5 stores": without am/pm or minutes, "at N" is a time only where nothing else follows the number
        if (!minutes && !meridiem && !m.Groups["oclock"].Success && NextWordIsNotTime(text, end)) return -1;
        int hour = int.Parse(m.Groups["h"].Value, System.Globalization.CultureInfo.InvariantCulture);
        int? minute = minutes ? int.Parse(m.Groups["m"].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
        parts.Hour = hour;
        parts.Minute = minute;
        if (meridiem) parts.Pm = char.ToLowerInvariant(m.Groups["ap"].Value[0]) == 'p';
        parts.ClockAmbiguous = !meridiem && hour is >= 1 and <= 12;
        if (hour > 24 || minute > 59 || meridiem && hour is < 1 or > 12) parts.Invalid = true;
        return end;
    }

    /// <summary>True when a word follows "at N" that makes N a count ("at 5 stores"), not a time ("at 5 tomorrow").</summary>
    static bool NextWordIsNotTime(string text, int end)
    {
        int i = end;
        while (i < text.Length && text[i] == ' ') i++;
        if (i == end || i >= text.Length || !char.IsAsciiLetter(text[i])) return false;
        int j = i;
        while (j < text.Length && char.IsAsciiLetter(text[j])) j++;
        string word = text[i..j].ToLowerInvariant();
        return !TimeWords.Contains(word);
    }

    static readonly HashSet<string> TimeWords = new(StringComparer.Ordinal)
    {
        "today", "tonight", "tomorrow", "on", "in", "this", "next", "and", "or", "then",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    };
}
