using System.Globalization;
using System.Text.Json;
using Kefu.Nlu;
using Kefu.Nlu.Extractors.Duckling;

namespace Kefu.Tests.Nlu.Duckling;

/// <summary>
/// The built-in extractors at a fixed reference time: Wednesday 2024-11-13 10:30 in Asia/Shanghai (+08:00). Each case
/// names the text, the part of it the entity covers, and its value in a short form (<see cref="Describe"/>).
/// </summary>
internal static class DucklingTestKit
{
    public static readonly DateTimeOffset Reference = new(2024, 11, 13, 10, 30, 0, TimeSpan.FromHours(8));

    public static IReadOnlyList<EntitySpan> Extract(string text, string dimension, DateTimeOffset? reference = null) =>
        new DucklingEntityExtractor(new DucklingConfig([dimension], "zh_CN", "Asia/Shanghai")).Extract(text, reference ?? Reference);

    /// <summary>Asserts the text has exactly one entity of the dimension, over <paramref name="body"/>, valued <paramref name="expected"/>.</summary>
    public static void AssertOne(string text, string dimension, string body, string expected)
    {
        var entities = Extract(text, dimension);
        var entity = Assert.Single(entities);
        Assert.Equal(body, text[entity.Start..entity.End]);
        Assert.Equal(dimension, entity.Entity);
        Assert.Equal("DucklingEntityExtractor", entity.Extractor);
        Assert.Equal(expected, Describe(entity));
    }

    public static void AssertNone(string text, string dimension)
    {
        var entities = Extract(text, dimension);
        Assert.True(entities.Count == 0, $"\"{text}\" gave {string.Join("; ", entities.Select(e => $"{text[e.Start..e.End]} = {Describe(e)}"))}");
    }

    /// <summary>
    /// A value in short: an instant "2024-11-14T15:00:00.000+08:00 hour", an interval "FROM/TO hour", a quantity
    /// "200 CNY", a duration "2 hour 7200" (its seconds), anything else its "value".
    /// </summary>
    public static string Describe(EntitySpan e)
    {
        var v = e.AdditionalInfo!.Value;
        string Text(JsonElement x) => x.ValueKind == JsonValueKind.Number ? x.GetDouble().ToString(CultureInfo.InvariantCulture) : x.GetString()!;
        if (v.TryGetProperty("type", out var type) && type.GetString() == "interval")
            return $"{v.GetProperty("from").GetProperty("value").GetString()}/{v.GetProperty("to").GetProperty("value").GetString()} " +
                v.GetProperty("from").GetProperty("grain").GetString();
        if (v.TryGetProperty("grain", out var grain)) return $"{v.GetProperty("value").GetString()} {grain.GetString()}";
        if (v.TryGetProperty("normalized", out var normalized))
            return $"{Text(v.GetProperty("value"))} {v.GetProperty("unit").GetString()} {Text(normalized.GetProperty("value"))}";
        if (v.TryGetProperty("unit", out var unit)) return $"{Text(v.GetProperty("value"))} {unit.GetString()}";
        return Text(v.GetProperty("value"));
    }
}
