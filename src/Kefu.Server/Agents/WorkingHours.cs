using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Kefu.Server.Agents;

/// <summary>
/// When agents answer handoffs: console.yml's working_hours (docs/agents.md). One span a day, the same on every day
/// listed, in one time zone (IANA or Windows id):
/// <code>
/// working_hours:
///   time_zone: Asia/Shanghai
///   days: [mon, tue, wed, thu, fri]
///   from: "09:00"
///   to: "18:00"          # after from: a span past midnight is two days' business, not written here
/// </code>
/// </summary>
public sealed record WorkingHours(TimeZoneInfo TimeZone, IReadOnlySet<DayOfWeek> Days, TimeSpan From, TimeSpan To)
{
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    /// <summary>Whether <paramref name="at"/> falls on a listed day, from <see cref="From"/> up to (not including) <see cref="To"/>, local time.</summary>
    public bool IsOpen(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, TimeZone);
        return Days.Contains(local.DayOfWeek) && local.TimeOfDay >= From && local.TimeOfDay < To;
    }

    /// <summary>The working_hours mapping; problems are added to <paramref name="errors"/> as file:line:column, and null returned.</summary>
    internal static WorkingHours? Read(string path, YamlNode node, List<string> errors)
    {
        const string shape = "working_hours needs time_zone, days, from and to, such as 'time_zone: Asia/Shanghai', 'days: [mon, tue, wed, thu, fri]', 'from: \"09:00\"', 'to: \"18:00\"'";
        if (node is not YamlMappingNode map)
        {
            errors.Add(YamlFiles.At(path, node, shape));
            return null;
        }
        int before = errors.Count;
        TimeZoneInfo? zone = null;
        HashSet<DayOfWeek>? days = null;
        TimeSpan? from = null, to = null;
        foreach (var (key, value) in map.Children)
        {
            var text = (value as YamlScalarNode)?.Value;
            switch ((key as YamlScalarNode)?.Value)
            {
                case "time_zone":
                    try
                    {
                        zone = TimeZoneInfo.FindSystemTimeZoneById(text ?? "");
                    }
                    catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
                    {
                        errors.Add(YamlFiles.At(path, value, $"unknown time zone '{text}'; write an IANA name such as Asia/Shanghai"));
                    }
                    break;
                case "days":
                    days = [];
                    foreach (var day in value as YamlSequenceNode ?? new YamlSequenceNode(value))
                        if (Array.IndexOf(DayNames, ((day as YamlScalarNode)?.Value ?? "").ToLowerInvariant()) is var i and >= 0)
                            days.Add((DayOfWeek)i);
                        else
                            errors.Add(YamlFiles.At(path, day, "days are a list of mon, tue, wed, thu, fri, sat, sun"));
                    break;
                case "from":
                    from = Time(path, value, text, errors);
                    break;
                case "to":
                    to = Time(path, value, text, errors);
                    break;
                default:
                    errors.Add(YamlFiles.At(path, key, $"unknown key '{(key as YamlScalarNode)?.Value}'; working_hours has time_zone, days, from and to"));
                    break;
            }
        }
        if (errors.Count > before)
            return null;
        if (zone is null || days is null || from is null || to is null)
        {
            errors.Add(YamlFiles.At(path, node, shape));
            return null;
        }
        if (to <= from)
        {
            errors.Add(YamlFiles.At(path, node, $"working_hours' to ({to:hh\\:mm}) must be after from ({from:hh\\:mm}) on the same day"));
            return null;
        }
        return new WorkingHours(zone, days, from.Value, to.Value);
    }

    private static TimeSpan? Time(string path, YamlNode node, string? text, List<string> errors)
    {
        if (TimeSpan.TryParseExact(text, ["h\\:mm", "hh\\:mm"], CultureInfo.InvariantCulture, out var time) && time < TimeSpan.FromDays(1))
            return time;
        if (text == "24:00")
            return TimeSpan.FromDays(1);
        errors.Add(YamlFiles.At(path, node, $"'{text}' is not a time of day such as 09:00 or 24:00"));
        return null;
    }
}
