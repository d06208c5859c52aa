namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>Duckling's grains, finest first; the JSON names them in lower case ("hour").</summary>
public enum TimeGrain { Second, Minute, Hour, Day, Week, Month, Year }

public static class TimeGrains
{
    public static string Name(this TimeGrain grain) => grain switch
    {
        TimeGrain.Second => "second",
        TimeGrain.Minute => "minute",
        TimeGrain.Hour => "hour",
        TimeGrain.Day => "day",
        TimeGrain.Week => "week",
        TimeGrain.Month => "month",
        _ => "year",
    };
}

/// <summary>How a weekday without a date picks its day.</summary>
internal enum WeekdayMode
{
    /// <summary>That day of a calendar week (Monday first): 这周五 (offset 0), 下周一 (+1), 上周日 (-1), next Monday.</summary>
    CalendarWeek,
    /// <summary>The first such day after today, as Duckling's bare weekday: 周五, Friday.</summary>
    Next,
}

/// <summary>
/// Parts of the day as hour intervals [From, To) (Duckling's: morning 4-12, lunch 12-14, afternoon 12-19, evening
/// 18-24), and how a clock hour said with one becomes a 24-hour one: 下午三点 is 15:00, 晚上十二点 is 00:00 the next
/// day, 上午十五点 is no time at all.
/// </summary>
internal enum PartOfDay { EarlyMorning, Morning, Noon, Afternoon, Dusk, Evening }

internal static class PartsOfDay
{
    public static (int From, int To) Hours(this PartOfDay part) => part switch
    {
        PartOfDay.EarlyMorning => (0, 6),
        PartOfDay.Morning => (4, 12),
        PartOfDay.Noon => (12, 14),
        PartOfDay.Afternoon => (12, 19),
        PartOfDay.Dusk => (17, 19),
        _ => (18, 24),
    };

    /// <summary>The hour on the part's day (24 and over: the next day), or null when the part cannot have it.</summary>
    public static int? Adjust(this PartOfDay part, int hour) => part switch
    {
        PartOfDay.EarlyMorning => hour switch { 12 => 0, <= 6 => hour, _ => null },
        PartOfDay.Morning => hour <= 12 ? hour : null,
        PartOfDay.Noon => hour switch { 1 or 2 => hour + 12, >= 11 and <= 14 => hour, _ => null },
        PartOfDay.Afternoon => hour switch { >= 1 and <= 11 => hour + 12, >= 12 and <= 23 => hour, _ => null },
        PartOfDay.Dusk => hour switch { >= 4 and <= 7 => hour + 12, >= 16 and <= 19 => hour, _ => null },
        _ => hour switch { >= 6 and <= 11 => hour + 12, 12 or 0 => 24, <= 5 => 24 + hour, >= 18 and <= 23 => hour, _ => null },
    };
}

/// <summary>
/// What a time expression said, before it is placed on the calendar by <see cref="TimeResolver"/>: a day (relative,
/// a weekday, a calendar date or part of one, a whole week / month / year), a part of the day, a clock time, or a shift
/// from the reference time (两个小时后, 3 days ago). Any of them may be absent; <see cref="Invalid"/> marks an expression
/// that was written as a time but names none (2月30号, 25点, 周八): it gives no entity.
/// </summary>
internal sealed class TimeParts
{
    public bool Invalid;

    public int? DayOffset;              // 今天 0, 明天 1, 大后天 3, yesterday -1
    public int? Weekday;                // 1 Monday … 7 Sunday
    public WeekdayMode WeekdayMode;
    public int WeekOffset;              // with CalendarWeek and for whole weeks: 下周 +1, 上周 -1
    public bool WholeWeek;              // 下周, next week
    public bool Weekend;                // 周末, this weekend
    public int? Year, Month, Day;       // 2024年 12月 5号
    public int? YearOffset;             // 明年 +1
    public int? MonthOffset;            // 下个月 +1

    public PartOfDay? Part;

    public int? Hour, Minute;
    public bool? Pm;                    // 3pm / 3am; null when not said
    public bool ClockAmbiguous;         // 8点, at 8: 8:00 or 20:00

    public decimal ShiftAmount;         // later when positive, ago when negative
    public DurationUnit? ShiftUnit;

    public bool HasDay => DayOffset is not null || Weekday is not null || WholeWeek || Weekend
        || Year is not null || Month is not null || Day is not null || YearOffset is not null || MonthOffset is not null;
}
