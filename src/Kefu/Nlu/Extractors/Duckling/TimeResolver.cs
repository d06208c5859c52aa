using System.Text.Json.Nodes;

namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// Places <see cref="TimeParts"/> on the calendar of a time zone, relative to the reference time, with Duckling's rules:
/// <list type="bullet">
/// <item>a shift ("in 2 hours", 三天前) moves the reference time and keeps the grain one finer than its unit
/// (hours → minute, days → hour, weeks and months → day, years → month);</item>
/// <item>a date without a year is the next one from today (12月5号 in December 2024 after the 5th is 2025-12-05), a day of
/// the month without a month the next month that has it;</item>
/// <item>a clock time without a day is the next such time from now; "8点" and "at 8" without a part of the day are
/// either 8:00 or 20:00, whichever comes first (with a day they are 8:00, as Duckling's);</item>
/// <item>a part of the day on its own is an interval of that day (今晚: 18:00 to 00:00); without a day it is not taken
/// (Duckling calls it latent).</item>
/// </list>
/// Anything that is not on the calendar (2月30号, 25点, a clock time on a whole month) resolves to null.
/// </summary>
internal static class TimeResolver
{
    public static JsonObject? Resolve(TimeParts p, DateTime now, TimeZoneInfo zone)
    {
        try
        {
            return Place(p, now, zone);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;   // past the calendar's ends: 9999年12月31号晚上12点, 0001年1月1号 east of UTC
        }
    }

    static JsonObject? Place(TimeParts p, DateTime now, TimeZoneInfo zone)
    {
        if (p.Invalid) return null;
        if (p.ShiftUnit is { } unit) return Shift(p.ShiftAmount, unit, now, zone);

        var today = now.Date;
        DateTime? day = null;
        var dayGrain = TimeGrain.Day;
        if (p.HasDay)
        {
            if (Day(p, today) is not var (start, grain)) return null;
            day = start;
            dayGrain = grain;
            if (p.Weekend)
            {
                if (p.Hour is not null || p.Part is not null) return null;
                return DucklingValues.Interval(start.AddDays(4).AddHours(18), start.AddDays(7), TimeGrain.Hour, zone);
            }
        }

        if (p.Hour is { } rawHour)
        {
            if (dayGrain != TimeGrain.Day) return null;   // 下个月三点
            int minute = p.Minute ?? 0;
            if (minute > 59) return null;
            var grain = p.Minute is null ? TimeGrain.Hour : TimeGrain.Minute;
            if (Hours(p, rawHour) is not { Count: > 0 } hours) return null;
            if (day is { } d) return DucklingValues.Instant(d.AddHours(hours[0]).AddMinutes(minute), grain, zone);
            // no day: the first candidate not before the reference time, today or tomorrow
            var notBefore = Truncate(now, grain);
            var best = DateTime.MaxValue;
            foreach (int h in hours)
                for (int offset = 0; offset <= 1; offset++)
                {
                    var t = today.AddDays(offset).AddHours(h).AddMinutes(minute);
                    if (t >= notBefore && t < best) best = t;
                }
            return DucklingValues.Instant(best, grain, zone);
        }

        if (p.Part is { } part)
        {
            if (day is null || dayGrain != TimeGrain.Day) return null;
            var (from, to) = part.Hours();
            return DucklingValues.Interval(day.Value.AddHours(from), day.Value.AddHours(to), TimeGrain.Hour, zone);
        }
        return day is { } only ? DucklingValues.Instant(only, dayGrain, zone) : null;
    }

    /// <summary>The 24-hour hours (24 and over: the next day) a clock time may mean, most likely first; empty when none.</summary>
    static List<int> Hours(TimeParts p, int hour)
    {
        var hours = new List<int>(2);
        if (p.Pm is { } pm)
        {
            if (hour is < 1 or > 12) return hours;
            hours.Add(hour % 12 + (pm ? 12 : 0));
            return hours;
        }
        if (hour > 24 || hour == 24 && p.Minute is > 0) return hours;
        if (p.Part is { } part)
        {
            if (part.Adjust(hour) is { } adjusted) hours.Add(adjusted);
            return hours;
        }
        hours.Add(hour);
        if (p.ClockAmbiguous && hour is >= 1 and <= 12 && !p.HasDay) hours.Add(hour == 12 ? 24 : hour + 12);
        return hours;
    }

    /// <summary>The first day the day parts name, and the grain of the whole (day, week, month, year); null when none.</summary>
    static (DateTime Start, TimeGrain Grain)? Day(TimeParts p, DateTime today)
    {
        var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        if (p.DayOffset is { } offset) return (today.AddDays(offset), TimeGrain.Day);
        if (p.Weekday is { } weekday)
        {
            if (weekday is < 1 or > 7) return null;
            if (p.WeekdayMode == WeekdayMode.CalendarWeek) return (monday.AddDays(7 * p.WeekOffset + weekday - 1), TimeGrain.Day);
            int ahead = (weekday - 1 - ((int)today.DayOfWeek + 6) % 7 + 7) % 7;
            return (today.AddDays(ahead == 0 ? 7 : ahead), TimeGrain.Day);
        }
        if (p.WholeWeek || p.Weekend) return (monday.AddDays(7 * p.WeekOffset), TimeGrain.Week);

        int? year = p.Year ?? (p.YearOffset is { } yo ? today.Year + yo : null);
        int? month = p.Month;
        if (p.MonthOffset is { } mo)
        {
            var shifted = new DateTime(today.Year, today.Month, 1).AddMonths(mo);
            (year, month) = (shifted.Year, shifted.Month);
        }
        if (month is < 1 or > 12 || p.Day is < 1 or > 31 || year is < 1 or > 9999) return null;
        if (p.Day is { } dayOfMonth)
        {
            if (month is { } m)
            {
                if (year is { } y) return Date(y, m, dayOfMonth) is { } date ? (date, TimeGrain.Day) : null;
                // the next occurrence from today; 2月29号 waits for a leap year
                for (int y2 = today.Year; y2 <= today.Year + 8; y2++)
                    if (Date(y2, m, dayOfMonth) is { } date && date >= today) return (date, TimeGrain.Day);
                return null;
            }
            if (year is not null) return null;   // 2024年5号
            for (int k = 0; k < 12; k++)
            {
                var first = new DateTime(today.Year, today.Month, 1).AddMonths(k);
                if (Date(first.Year, first.Month, dayOfMonth) is { } date && date >= today) return (date, TimeGrain.Day);
            }
            return null;
        }
        if (month is { } onlyMonth)
        {
            int y = year ?? (onlyMonth >= today.Month ? today.Year : today.Year + 1);
            return (new DateTime(y, onlyMonth, 1), TimeGrain.Month);
        }
        if (year is { } onlyYear) return (new DateTime(onlyYear, 1, 1), TimeGrain.Year);
        return null;
    }

    static DateTime? Date(int year, int month, int day) =>
        year is >= 1 and <= 9999 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            ? new DateTime(year, month, day) : null;

    /// <summary>"in 2 hours", 三天前: the reference time moved, truncated to the grain finer than the unit.</summary>
    static JsonObject? Shift(decimal amount, DurationUnit unit, DateTime now, TimeZoneInfo zone)
    {
        if (DurationUnit.Whole(amount, unit) is not var (whole, wholeUnit)) return null;
        if (Math.Abs(whole) > 100_000) return null;
        int n = (int)whole;
        DateTime t;
        try
        {
            t = wholeUnit.Name switch
            {
                "month" => now.AddMonths(n),
                "year" => now.AddYears(n),
                _ => now.AddSeconds((double)(whole * wholeUnit.Seconds)),
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
        var grain = wholeUnit.Name switch
        {
            "second" or "minute" => TimeGrain.Second,
            "hour" => TimeGrain.Minute,
            "day" => TimeGrain.Hour,
            "week" or "month" => TimeGrain.Day,
            _ => TimeGrain.Month,
        };
        return DucklingValues.Instant(Truncate(t, grain), grain, zone);
    }

    public static DateTime Truncate(DateTime t, TimeGrain grain) => grain switch
    {
        TimeGrain.Second => new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second),
        TimeGrain.Minute => new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0),
        TimeGrain.Hour => new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0),
        TimeGrain.Day => t.Date,
        TimeGrain.Week => t.Date.AddDays(-(((int)t.DayOfWeek + 6) % 7)),
        TimeGrain.Month => new DateTime(t.Year, t.Month, 1),
        _ => new DateTime(t.Year, 1, 1),
    };
}
