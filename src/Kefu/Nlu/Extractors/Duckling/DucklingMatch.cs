using System.Globalization;
using System.Text.Json.Nodes;

namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// One entity as Duckling's /parse gives it: the span [Start, End) in UTF-16 units of the message, the dimension
/// ("time", "number", ...) and Duckling's value object, which Rasa passes on as the entity's additional_info.
/// </summary>
public sealed record DucklingMatch(int Start, int End, string Dimension, JsonObject Value)
{
    public int Length => End - Start;
}

/// <summary>
/// Duckling's value objects (github.com/facebook/duckling, README "Supported dimensions"), built the same way here:
/// <code>
/// number            {"value": 350, "type": "value"}
/// amount-of-money   {"value": 200, "type": "value", "unit": "CNY"}
/// duration          {"value": 2, "hour": 2, "type": "value", "unit": "hour", "normalized": {"value": 7200, "unit": "second"}}
/// distance          {"value": 3, "type": "value", "unit": "kilometre"}
/// time (instant)    {"values": [v], "value": "2013-02-13T15:00:00.000+08:00", "grain": "hour", "type": "value"}
/// time (interval)   {"values": [v], "from": {"value", "grain"}, "to": {"value", "grain"}, "type": "interval"}
/// email, phone-number, url, cn-id-card, bank-card   {"value": "..."} with a few fields of their own
/// </code>
/// An interval's "to" is exclusive, as Duckling's: 今晚 is 18:00 to 00:00 the next day.
/// </summary>
public static class DucklingValues
{
    public static JsonObject Number(decimal value) => new()
    {
        ["value"] = NumberText.ToDouble(value),
        ["type"] = "value",
    };

    public static JsonObject Quantity(decimal value, string unit) => new()
    {
        ["value"] = NumberText.ToDouble(value),
        ["type"] = "value",
        ["unit"] = unit,
    };

    public static JsonObject Duration(decimal value, DurationUnit unit) => new()
    {
        ["value"] = NumberText.ToDouble(value),
        [unit.Name] = NumberText.ToDouble(value),
        ["type"] = "value",
        ["unit"] = unit.Name,
        ["normalized"] = new JsonObject
        {
            ["value"] = NumberText.ToDouble(value * unit.Seconds),
            ["unit"] = "second",
        },
    };

    public static JsonObject Text(string value) => new() { ["value"] = value };

    /// <summary>An instant: a local time of <paramref name="zone"/> with its offset, to <paramref name="grain"/>.</summary>
    public static JsonObject Instant(DateTime local, TimeGrain grain, TimeZoneInfo zone)
    {
        var value = new JsonObject { ["value"] = Iso(local, zone), ["grain"] = grain.Name(), ["type"] = "value" };
        return new JsonObject
        {
            ["values"] = new JsonArray(value.DeepClone()),
            ["value"] = Iso(local, zone),
            ["grain"] = grain.Name(),
            ["type"] = "value",
        };
    }

    /// <summary>An interval [from, to) of local times of <paramref name="zone"/>.</summary>
    public static JsonObject Interval(DateTime from, DateTime to, TimeGrain grain, TimeZoneInfo zone)
    {
        JsonObject Bound(DateTime t) => new() { ["value"] = Iso(t, zone), ["grain"] = grain.Name() };
        var value = new JsonObject { ["to"] = Bound(to), ["from"] = Bound(from), ["type"] = "interval" };
        return new JsonObject
        {
            ["values"] = new JsonArray(value.DeepClone()),
            ["to"] = Bound(to),
            ["from"] = Bound(from),
            ["type"] = "interval",
        };
    }

    /// <summary>Duckling's time format: 2013-02-12T04:30:00.000-02:00 (milliseconds and the zone's offset then).</summary>
    public static string Iso(DateTime local, TimeZoneInfo zone)
    {
        var offset = zone.GetUtcOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified));
        return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset)
            .ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
    }
}

/// <summary>A unit of duration: Duckling's name and its length in seconds (a month is 30 days, a year 365, as Duckling's).</summary>
public sealed record DurationUnit(string Name, long Seconds, DurationUnit? Smaller)
{
    public static readonly DurationUnit Second = new("second", 1, null);
    public static readonly DurationUnit Minute = new("minute", 60, Second);
    public static readonly DurationUnit Hour = new("hour", 3600, Minute);
    public static readonly DurationUnit Day = new("day", 86_400, Hour);
    public static readonly DurationUnit Week = new("week", 604_800, Day);
    public static readonly DurationUnit Month = new("month", 2_592_000, Day);
    public static readonly DurationUnit Year = new("year", 31_536_000, Month);

    /// <summary>The largest amount read as a duration: more is not a duration anyone means, and its seconds would overflow.</summary>
    public const decimal MaxAmount = 1_000_000_000m;

    /// <summary>
    /// A fractional amount said in the next smaller unit, as Duckling does (1.5 hours is 90 minutes, 半天 12 hours);
    /// null when even seconds cannot hold it.
    /// </summary>
    public static (decimal Value, DurationUnit Unit)? Whole(decimal value, DurationUnit unit)
    {
        if (Math.Abs(value) > MaxAmount) return null;
        while (value != decimal.Truncate(value))
        {
            if (unit.Smaller is not { } smaller) return null;
            value = value * unit.Seconds / smaller.Seconds;
            unit = smaller;
        }
        return (value, unit);
    }
}
