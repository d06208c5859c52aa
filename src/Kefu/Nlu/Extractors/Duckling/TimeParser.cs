using System.Text.Json.Nodes;

namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>Which part of a time expression a component fills; each is filled once.</summary>
[Flags]
internal enum TimeSlot { Day = 1, Part = 2, Clock = 4, Shift = 8 }

/// <summary>
/// One piece of a time expression (a day word, a weekday, a date, a part of the day, a clock time, a shift): it
/// matches at a position and writes what it read into the parts. Returns the end of its match, or -1 (then it has
/// written nothing).
/// </summary>
internal sealed record TimeComponent(TimeSlot Fills, Func<string, int, TimeParts, int> Match);

/// <summary>
/// The time dimension: Chinese and English components (<see cref="ChineseTime"/>, <see cref="EnglishTime"/>) chained
/// left to right, with spaces, "的" and commas between them: 明天下午三点, 下周一上午, tonight at 8:30, 3pm tomorrow,
/// 明天 3pm. The longest chain from a position is the expression; when it does not resolve (2月30号, 25点), the whole
/// span gives no entity rather than a shorter piece of it giving a wrong one.
/// </summary>
internal static class TimeParser
{
    static readonly TimeComponent[] Components = [.. ChineseTime.Components, .. EnglishTime.Components];

    public static IEnumerable<DucklingMatch> Find(string text, DateTime now, TimeZoneInfo zone)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (!MayStart(text, i) || Chain(text, i) is not var (end, parts))
            {
                i++;
                continue;
            }
            if (TimeResolver.Resolve(parts, now, zone) is { } value)
                yield return new DucklingMatch(i, end, DucklingDimensions.Time, value);
            i = end;
        }
    }

    /// <summary>A time starts at a word's or number's start: not "day" in "someday", not 五号 in 十五号.</summary>
    static bool MayStart(string text, int i) => i == 0
        || !(char.IsAsciiLetter(text[i]) && char.IsAsciiLetter(text[i - 1]))
        && !(char.IsAsciiDigit(text[i]) && char.IsAsciiDigit(text[i - 1]))
        && !(ChineseNumerals.IsNumeralChar(text[i]) && ChineseNumerals.IsNumeralChar(text[i - 1]));

    /// <summary>The longest chain of components from <paramref name="start"/>, or null when none matches there.</summary>
    static (int End, TimeParts Parts)? Chain(string text, int start)
    {
        var parts = new TimeParts();
        TimeSlot used = 0;
        int end = start;
        while (true)
        {
            int at = used == 0 ? start : SkipSeparators(text, end);
            int matched = -1;
            foreach (var component in Components)
            {
                if ((component.Fills & used) != 0) continue;
                // a shift of days or weeks may take a part of the day or a clock time (三天后下午三点); other shifts stand alone
                if ((used & TimeSlot.Shift) != 0 && !ShiftTakesTimeOfDay(parts, component)) continue;
                matched = component.Match(text, at, parts);
                if (matched > at)
                {
                    used |= component.Fills;
                    break;
                }
            }
            if (matched <= at) break;
            end = matched;
            if (parts.Invalid) break;
        }
        if (used == 0) return null;
        if ((used & TimeSlot.Shift) != 0 && (used & (TimeSlot.Part | TimeSlot.Clock)) != 0 && !ShiftToDay(parts)) parts.Invalid = true;
        // a part of the day on its own (下午, morning) is latent: no entity, and nothing consumed
        if (used == TimeSlot.Part && !parts.Invalid) return null;
        return (end, parts);
    }

    static bool ShiftTakesTimeOfDay(TimeParts parts, TimeComponent next) =>
        parts.ShiftUnit is { Name: "day" or "week" } && (next.Fills & (TimeSlot.Day | TimeSlot.Shift)) == 0;

    /// <summary>三天后下午三点: the shift becomes a day offset, so that the clock time lands on that day.</summary>
    static bool ShiftToDay(TimeParts parts)
    {
        if (parts.ShiftUnit is not { } unit) return true;
        decimal days = parts.ShiftAmount * unit.Seconds / DurationUnit.Day.Seconds;
        if (days != decimal.Truncate(days)) return false;
        parts.DayOffset = (int)days;
        parts.ShiftUnit = null;
        return true;
    }

    static int SkipSeparators(string text, int i)
    {
        while (i < text.Length && (text[i] is ' ' or '\t' or ',' or '的')) i++;
        return i;
    }

    /// <summary>The value of one Chinese or Arabic number in a time expression (hours, days, counts), or null.</summary>
    internal static int? Int(string s) =>
        NumberText.Parse(s) is { } v && v == decimal.Truncate(v) && v is >= 0 and <= 100_000 ? (int)v : null;
}

/// <summary>Duckling's dimension names, and the two of Kefu's own.</summary>
public static class DucklingDimensions
{
    public const string Time = "time";
    public const string Number = "number";
    public const string AmountOfMoney = "amount-of-money";
    public const string Duration = "duration";
    public const string Distance = "distance";
    public const string PhoneNumber = "phone-number";
    public const string Email = "email";
    public const string Url = "url";
    /// <summary>Kefu's own: an 18-digit Chinese resident identity card number, checksum and birth date verified.</summary>
    public const string ChineseIdCard = "cn-id-card";
    /// <summary>Kefu's own: a 13-19 digit bank card number passing the Luhn check (Duckling's nearest is credit-card-number).</summary>
    public const string BankCard = "bank-card";

    /// <summary>Every dimension the built-in extractors know, in the order they run.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Time, Number, AmountOfMoney, Duration, Distance, PhoneNumber, Email, Url, ChineseIdCard, BankCard];

    /// <summary>Dimensions a Duckling server has; the others run built in even when config.yml names a server.</summary>
    public static bool IsDucklings(string dimension) => dimension is not (ChineseIdCard or BankCard);
}
