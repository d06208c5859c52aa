using System.Text.RegularExpressions;

namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// number, amount-of-money, duration and distance: a number (<see cref="NumberText"/>) with what it counts.
/// <code>
/// number            三百五十  3.5万  两千零八  一百二 (120)  十五  1,234  3.5  twenty one
/// amount-of-money   ¥200  两百块  50元  1.2万元  三块五  五毛  $30  30 dollars  €15  港币100
/// duration          两个小时  半小时  一个半小时  3天  两周  三个月  2 hours  a week  half an hour  90 mins
/// distance          3公里  五百米  2 km  5 miles  800m  10 feet
/// </code>
/// </summary>
internal static partial class QuantityExtractors
{
    const RegexOptions Latin = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;
    const string NumberOrWords = "(?:" + NumberText.Any + @"|\b" + EnglishNumbers.Words + @"\b)";

    // ---- number ----

    [GeneratedRegex(NumberText.Arabic + NumberText.Multiplier + "?(?![0-9])|" + NumberText.Chinese)]
    private static partial Regex NumberPattern { get; }

    /// <summary>
    /// What makes a lone Chinese digit a count: a measure word or unit (三个, 五件, 九折, 两天) or a range (三到五). Without
    /// one, 三 and 四 are mostly parts of names and places (张三, 四川, 经三路) or of words (一下, 一起, 统一).
    /// </summary>
    const string CountWords = "个個件只条條张張本台双雙对對块塊元角毛分岁歲次回天年月周週日号號位名份瓶盒箱袋包斤克两米公千万萬百十" +
        "粒颗顆支枝把套部辆輛间間层層楼樓人倍成折款种種片杯碗盘盤页頁张头頭匹座栋棟户戶家门門到至或、~-～";

    public static IEnumerable<DucklingMatch> Numbers(string text)
    {
        foreach (Match m in NumberPattern.Matches(text))
        {
            if (!IsNumberHere(text, m)) continue;
            if (NumberText.Parse(m.Value) is { } value)
                yield return new DucklingMatch(m.Index, m.Index + m.Length, DucklingDimensions.Number, DucklingValues.Number(value));
        }
        foreach (Match m in EnglishNumbers.Pattern.Matches(text))
            if (NumberText.Parse(m.Value) is { } value)
                yield return new DucklingMatch(m.Index, m.Index + m.Length, DucklingDimensions.Number, DucklingValues.Number(value));
    }

    static bool IsNumberHere(string text, Match m)
    {
        if (char.IsAsciiDigit(m.Value[0])) return true;
        int end = m.Index + m.Length;
        char before = m.Index > 0 ? text[m.Index - 1] : ' ', after = end < text.Length ? text[end] : ' ';
        if (before is '第' or '周' or '週' or '期' or '拜') return false;   // 第一 (an ordinal), 星期一 (a weekday)
        if (m.Value.Length == 1 && ChineseNumerals.Digit(m.Value[0]) >= 0 && !CountWords.Contains(after)) return false;
        if (m.Value == "十" && after == '分' && !(end + 1 < text.Length && text[end + 1] is '钟' or '鐘')) return false;   // 十分满意
        return true;
    }

    // ---- amount-of-money ----

    const string Digit = "[0-9一二两兩三四五六七八九]";

    [GeneratedRegex(@"(?<cur>US\$|HK\$|\$|¥|￥|€|£|\b(?:RMB|CNY|USD|EUR|GBP|HKD|JPY))\s?(?<n>" + NumberText.ArabicDigits + NumberText.Multiplier + "?)(?![0-9])", Latin)]
    private static partial Regex PrefixMoneyPattern { get; }

    [GeneratedRegex("(?<n>" + NumberOrWords + @")\s?(?<cur>块钱|塊錢|元|块|塊|人民币|人民幣|美元|美金|欧元|歐元|英镑|英鎊|港币|港幣|港元|日元|日币|日幣|" +
        @"(?:rmb|yuan|dollars?|bucks?|euros?|pounds?|usd|cny|eur|gbp|hkd|jpy)\b)" +
        "(?:(?<jiao>" + Digit + ")(?:毛|角)(?:(?<fen>" + Digit + ")分?)?|(?<jiao>" + Digit + ")(?![0-9个個元块塊毛角]))?", Latin)]
    private static partial Regex SuffixMoneyPattern { get; }

    [GeneratedRegex("(?<jiao>" + Digit + ")(?:毛|角)(?![星形度])(?:钱|錢)?(?:(?<fen>" + Digit + ")分?)?|(?<fen>" + Digit + ")分(?:钱|錢)")]
    private static partial Regex CentsPattern { get; }

    public static IEnumerable<DucklingMatch> Money(string text)
    {
        var found = new List<DucklingMatch>();
        foreach (Match m in PrefixMoneyPattern.Matches(text))
            if (NumberText.Parse(m.Groups["n"].Value) is { } value)
                found.Add(new(m.Index, m.Index + m.Length, DucklingDimensions.AmountOfMoney,
                    DucklingValues.Quantity(value, Currency(m.Groups["cur"].Value)!)));
        foreach (Match m in SuffixMoneyPattern.Matches(text))
        {
            if (NumberText.Parse(m.Groups["n"].Value.Trim()) is not { } value || Currency(m.Groups["cur"].Value) is not { } unit) continue;
            if (!char.IsAsciiDigit(m.Value[0]) && m.Index > 0 && text[m.Index - 1] == '第') continue;
            if (m.Groups["cur"].Value is "块" or "塊" && !m.Groups["jiao"].Success && IsNounAfterPieces(text, m.Index + m.Length)) continue;
            value += Cents(m);
            found.Add(new(m.Index, m.Index + m.Length, DucklingDimensions.AmountOfMoney, DucklingValues.Quantity(value, unit)));
        }
        foreach (Match m in CentsPattern.Matches(text))
            if (!found.Any(f => f.Start <= m.Index && m.Index < f.End))
                found.Add(new(m.Index, m.Index + m.Length, DucklingDimensions.AmountOfMoney, DucklingValues.Quantity(Cents(m), "CNY")));
        return found;
    }

    /// <summary>两块蛋糕: 块 counts pieces when a noun follows it (and money when 钱, a particle or nothing follows).</summary>
    static bool IsNounAfterPieces(string text, int end) =>
        end < text.Length && Text.TextAnalyzer.IsCjk(text[end]) && !"的吗嗎吧啊呢了左多一钱錢每".Contains(text[end]);

    /// <summary>角 (毛) and 分: tenths and hundredths of a yuan.</summary>
    static decimal Cents(Match m) =>
        (m.Groups["jiao"].Success ? DigitValue(m.Groups["jiao"].Value) * 0.1m : 0) + (m.Groups["fen"].Success ? DigitValue(m.Groups["fen"].Value) * 0.01m : 0);

    static int DigitValue(string d) => char.IsAsciiDigit(d[0]) ? d[0] - '0' : ChineseNumerals.Digit(d[0]);

    /// <summary>ISO 4217 code of a currency word or sign; ¥ is the yuan (the yen is 日元 / JPY).</summary>
    static string? Currency(string written) => written.Trim().ToLowerInvariant() switch
    {
        "¥" or "￥" or "元" or "块" or "塊" or "块钱" or "塊錢" or "人民币" or "人民幣" or "rmb" or "yuan" or "cny" => "CNY",
        "$" or "us$" or "美元" or "美金" or "dollar" or "dollars" or "buck" or "bucks" or "usd" => "USD",
        "hk$" or "港币" or "港幣" or "港元" or "hkd" => "HKD",
        "€" or "欧元" or "歐元" or "euro" or "euros" or "eur" => "EUR",
        "£" or "英镑" or "英鎊" or "pound" or "pounds" or "gbp" => "GBP",
        "日元" or "日币" or "日幣" or "jpy" => "JPY",
        _ => null,
    };

    // ---- duration ----

    [GeneratedRegex(@"(?<n>" + NumberText.Any + ")?(?<ge>个|個)?(?<half>半)?(?<ge2>个|個)?(?<unit>秒钟|秒鐘|秒|分钟|分鐘|小时|小時|钟头|鐘頭|天|周|週|星期|礼拜|禮拜|月|年)(?<half2>半)?")]
    private static partial Regex ChineseDurationPattern { get; }

    [GeneratedRegex(@"\b(?:(?<half>half\s+an?)\s+(?<unit>hour|day|minute|year)|(?:(?<n>[0-9]{1,9}(?:\.[0-9]{1,6})?)\s*|(?<n>an?|" + EnglishNumbers.Words + @")\s+)" +
        @"(?<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|h|days?|weeks?|months?|years?)(?<andhalf>\s+and\s+a\s+half)?)\b", Latin)]
    private static partial Regex EnglishDurationPattern { get; }

    public static IEnumerable<DucklingMatch> Durations(string text)
    {
        foreach (Match m in ChineseDurationPattern.Matches(text))
        {
            bool counted = m.Groups["ge"].Success || m.Groups["ge2"].Success, half = m.Groups["half"].Success || m.Groups["half2"].Success;
            if (!m.Groups["n"].Success && !m.Groups["half"].Success || m.Groups["half"].Success && m.Groups["half2"].Success) continue;
            var unit = m.Groups["unit"].Value switch
            {
                "秒钟" or "秒鐘" or "秒" => DurationUnit.Second,
                "分钟" or "分鐘" => DurationUnit.Minute,
                "小时" or "小時" or "钟头" or "鐘頭" => DurationUnit.Hour,
                "天" => DurationUnit.Day,
                "月" => counted ? DurationUnit.Month : null,   // 3月 is March
                "年" => DurationUnit.Year,
                _ => DurationUnit.Week,
            };
            if (unit is null) continue;
            decimal amount = 0;
            if (m.Groups["n"].Success)
            {
                if (!char.IsAsciiDigit(m.Groups["n"].Value[0]) && m.Index > 0 && text[m.Index - 1] == '第') continue;
                if (NumberText.Parse(m.Groups["n"].Value) is not { } n) continue;
                amount = n;
            }
            if (half) amount += 0.5m;
            int end = m.Index + m.Length;
            if (unit == DurationUnit.Year && (amount > 200 || end < text.Length && text[end] is '级' or '級')) continue;   // 2024年, 一年级
            if (Duration(m.Index, end, amount, unit) is { } match) yield return match;
        }
        foreach (Match m in EnglishDurationPattern.Matches(text))
        {
            decimal amount;
            if (m.Groups["half"].Success) amount = 0.5m;
            else if (m.Groups["n"].Value.ToLowerInvariant() is "a" or "an") amount = 1;
            else if (NumberText.Parse(m.Groups["n"].Value) is { } n) amount = n;
            else continue;
            if (m.Groups["andhalf"].Success) amount += 0.5m;
            string unitText = m.Groups["unit"].Value;
            var unit = unitText.Equals("h", StringComparison.OrdinalIgnoreCase) ? DurationUnit.Hour : EnglishTime.DurationUnitOf(unitText);
            if (Duration(m.Index, m.Index + m.Length, amount, unit) is { } match) yield return match;
        }
    }

    static DucklingMatch? Duration(int start, int end, decimal amount, DurationUnit unit) =>
        amount > 0 && DurationUnit.Whole(amount, unit) is var (whole, wholeUnit)
            ? new DucklingMatch(start, end, DucklingDimensions.Duration, DucklingValues.Duration(whole, wholeUnit))
            : null;

    // ---- distance ----

    // 2.5千米 is 2.5 kilometres (not 2500 metres): a multiplier is not taken from 千米
    [GeneratedRegex("(?<n>" + NumberText.Arabic + "(?:" + NumberText.Multiplier + "(?!米))?|" + NumberText.Chinese + @"|\b" + EnglishNumbers.Words + @"\b)\s?(?<unit>公里|千米|英里|厘米|公分|毫米|米|" +
        @"(?:km|kms|kilometers?|kilometres?|miles?|mi|cm|centimeters?|centimetres?|mm|millimeters?|millimetres?|meters?|metres?|m|feet|foot|ft|yards?|yd|inch(?:es)?)(?![A-Za-z]))", Latin)]
    private static partial Regex DistancePattern { get; }

    public static IEnumerable<DucklingMatch> Distances(string text)
    {
        foreach (Match m in DistancePattern.Matches(text))
        {
            if (NumberText.Parse(m.Groups["n"].Value.Trim()) is not { } value) continue;
            string written = m.Groups["unit"].Value.ToLowerInvariant();
            string unit = written switch
            {
                "公里" or "千米" or "km" or "kms" => "kilometre",
                "英里" or "mi" or "mile" or "miles" => "mile",
                "厘米" or "公分" or "cm" => "centimetre",
                "毫米" or "mm" => "millimetre",
                "feet" or "foot" or "ft" => "foot",
                "yard" or "yards" or "yd" => "yard",
                "inch" or "inches" => "inch",
                _ when written.StartsWith("kilomet", StringComparison.Ordinal) => "kilometre",
                _ when written.StartsWith("centimet", StringComparison.Ordinal) => "centimetre",
                _ when written.StartsWith("millimet", StringComparison.Ordinal) => "millimetre",
                _ => "metre",
            };
            yield return new DucklingMatch(m.Index, m.Index + m.Length, DucklingDimensions.Distance, DucklingValues.Quantity(value, unit));
        }
    }
}
