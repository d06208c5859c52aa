using System.Text.RegularExpressions;

namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// The Chinese pieces of a time expression (simplified and traditional characters):
/// <code>
/// shift        两个小时后  三天前  半小时后  一个半小时后  两周后  三个月后
/// day          今天 明天 后天 大后天 昨天 前天 大前天, 今/明/昨 before 晚 早 夜 (今晚)
/// week         周五 星期天 礼拜一, 这周三 本周五 下周一 下下周二 上周日, 下周 (the week), 周末
/// month        下个月 上月 本月, with a day: 下个月十号
/// date         2024年12月5号 12月5日 十二月五号 5号 3月 2025年, 明年三月 去年12月1号
/// part of day  凌晨 早上 上午 中午 下午 傍晚 晚上 夜里
/// clock        三点 8点半 十点一刻 15点30分 九点整 (Arabic H:MM is the English clock's)
/// </code>
/// A bare 三点 in Chinese numerals (no day, no part of the day) is not a time: 有三点要求 / 便宜一点.
/// </summary>
internal static partial class ChineseTime
{
    const string Small = "[零〇一二两兩三四五六七八九十]{1,4}";
    const string Num = "(?:[0-9]{1,2}|" + Small + ")";

    public static IReadOnlyList<TimeComponent> Components { get; } =
    [
        new(TimeSlot.Shift, Shift),
        new(TimeSlot.Day, DayWord),
        new(TimeSlot.Day, DayBeforePart),
        new(TimeSlot.Day, Week),
        new(TimeSlot.Day, MonthOffset),
        new(TimeSlot.Day, YearOffset),
        new(TimeSlot.Day, Date),
        new(TimeSlot.Part, Part),
        new(TimeSlot.Clock, Clock),
    ];

    [GeneratedRegex(@"\G(?<n>[0-9]{1,6}(?:\.[0-9]{1,3})?|[零〇一二两兩三四五六七八九十百千]{1,6})?(?<ge>个|個)?(?<half>半)?(?<ge2>个|個)?" +
        "(?<unit>秒钟|秒鐘|秒|分钟|分鐘|小时|小時|钟头|鐘頭|钟|鐘|天|日|周|週|星期|礼拜|禮拜|月|年)(?<half2>半)?" +
        "(?<dir>以后|以後|之后|之後|后|後|以前|之前|前)")]
    private static partial Regex ShiftPattern { get; }

    static int Shift(string text, int at, TimeParts parts)
    {
        var m = ShiftPattern.Match(text, at);
        if (!m.Success) return -1;
        bool counted = m.Groups["ge"].Success || m.Groups["ge2"].Success;   // 两个小时, 半个月
        string unitText = m.Groups["unit"].Value;
        DurationUnit? unit = unitText switch
        {
            "秒钟" or "秒鐘" or "秒" => DurationUnit.Second,
            "分钟" or "分鐘" => DurationUnit.Minute,
            "小时" or "小時" or "钟头" or "鐘頭" => DurationUnit.Hour,
            "钟" or "鐘" => counted ? DurationUnit.Hour : null,          // 两个钟后
            "天" or "日" => DurationUnit.Day,
            "周" or "週" or "星期" or "礼拜" or "禮拜" => DurationUnit.Week,
            "月" => counted ? DurationUnit.Month : null,                  // 三月后 is "after March"
            _ => DurationUnit.Year,
        };
        bool half = m.Groups["half"].Success || m.Groups["half2"].Success;
        if (unit is null || !m.Groups["n"].Success && !half || m.Groups["half"].Success && m.Groups["half2"].Success) return -1;
        decimal amount = 0;
        if (m.Groups["n"].Success)
        {
            if (NumberText.Parse(m.Groups["n"].Value) is not { } n) return -1;
            amount = n;
        }
        if (half) amount += 0.5m;
        if (unit == DurationUnit.Year && amount > 200) return -1;    // 2015年前 is not 2015 years ago
        parts.ShiftAmount = m.Groups["dir"].Value.EndsWith('前') ? -amount : amount;
        parts.ShiftUnit = unit;
        return m.Index + m.Length;
    }

    [GeneratedRegex(@"\G(?:(?<big>大)?(?<two>前天|后天|後天)|(?<d>今|明|昨)(?:天|日|儿|兒))")]
    private static partial Regex DayWordPattern { get; }

    static int DayWord(string text, int at, TimeParts parts)
    {
        var m = DayWordPattern.Match(text, at);
        if (!m.Success) return -1;
        if (m.Groups["two"].Success)
        {
            int two = m.Groups["two"].Value == "前天" ? -2 : 2;
            if (m.Groups["big"].Success && at > 0 && text[at - 1] == '大') parts.Invalid = true;   // 大大后天
            parts.DayOffset = m.Groups["big"].Success ? two + Math.Sign(two) : two;
        }
        else parts.DayOffset = Relative(m.Groups["d"].Value[0]);
        return m.Index + m.Length;
    }

    static int Relative(char c) => c switch { '今' => 0, '明' => 1, _ => -1 };

    [GeneratedRegex(@"\G(?<d>今|明|昨)(?=早上|早晨|晚上|早|晚|夜)")]
    private static partial Regex DayBeforePartPattern { get; }

    static int DayBeforePart(string text, int at, TimeParts parts)
    {
        var m = DayBeforePartPattern.Match(text, at);
        if (!m.Success) return -1;
        parts.DayOffset = Relative(m.Groups["d"].Value[0]);
        return m.Index + m.Length;
    }

    [GeneratedRegex(@"\G(?<rel>上上|下下|上|下|这|這|本|今)?(?:个|個)?(?:周|週|星期|礼拜|禮拜)(?:(?<d>[一二三四五六日天1-7])|(?<end>末))?")]
    private static partial Regex WeekPattern { get; }

    static int Week(string text, int at, TimeParts parts)
    {
        var m = WeekPattern.Match(text, at);
        if (!m.Success) return -1;
        var rel = m.Groups["rel"];
        bool day = m.Groups["d"].Success, end = m.Groups["end"].Success;
        int next = m.Index + m.Length;
        // 一周一次, 两个星期: a count of weeks, not a weekday
        if (!rel.Success && at > 0 && (IsDigitLike(text[at - 1]) || text[at - 1] is '个' or '個' or '每' or '几' or '幾')) return -1;
        // 这周天气: 天 starts 天气
        if (day && m.Groups["d"].Value == "天" && next < text.Length && text[next] == '气')
        {
            day = false;
            next--;
        }
        if (!rel.Success && !day && !end)
        {
            // 周八, 星期十: a weekday that does not exist
            if (next < text.Length && IsDigitLike(text[next])) { parts.Invalid = true; return next + 1; }
            return -1;
        }
        if (!day && !end && next < text.Length && IsDigitLike(text[next])) { parts.Invalid = true; return next + 1; }
        if (rel.Success && RelativeRepeated(text, at)) parts.Invalid = true;     // 下下下周
        int offset = rel.Success ? WeekOffset(rel.Value) : 0;
        if (day)
        {
            char d = m.Groups["d"].Value[0];
            parts.Weekday = d switch { '日' or '天' or '7' => 7, >= '1' and <= '6' => d - '0', _ => ChineseNumerals.Digit(d) };
            parts.WeekdayMode = rel.Success ? WeekdayMode.CalendarWeek : WeekdayMode.Next;
            parts.WeekOffset = offset;
        }
        else if (end)
        {
            parts.Weekend = true;
            parts.WeekOffset = offset;
        }
        else
        {
            parts.WholeWeek = true;
            parts.WeekOffset = offset;
        }
        return next;
    }

    static int WeekOffset(string rel) => rel switch { "上上" => -2, "上" => -1, "下" => 1, "下下" => 2, _ => 0 };

    static bool RelativeRepeated(string text, int at) => at > 0 && text[at - 1] is '上' or '下';

    static bool IsDigitLike(char c) => char.IsAsciiDigit(c) || ChineseNumerals.Digit(c) >= 0 || c is '十';

    [GeneratedRegex(@"\G(?<rel>上上|下下|上|下|这|這|本)(?:个|個)?月(?:份)?(?:(?<d>" + Num + ")(?:号|號|日))?")]
    private static partial Regex MonthOffsetPattern { get; }

    static int MonthOffset(string text, int at, TimeParts parts)
    {
        var m = MonthOffsetPattern.Match(text, at);
        if (!m.Success) return -1;
        if (RelativeRepeated(text, at)) parts.Invalid = true;
        parts.MonthOffset = WeekOffset(m.Groups["rel"].Value);
        if (m.Groups["d"].Success) parts.Day = TimeParser.Int(m.Groups["d"].Value) ?? 0;
        return End(text, m, parts);
    }

    [GeneratedRegex(@"\G(?<y>今年|明年|去年|前年|后年|後年)(?:(?<m>" + Num + ")月(?:份)?)?(?:(?<d>" + Num + ")(?:号|號|日))?")]
    private static partial Regex YearOffsetPattern { get; }

    static int YearOffset(string text, int at, TimeParts parts)
    {
        var m = YearOffsetPattern.Match(text, at);
        if (!m.Success) return -1;
        parts.YearOffset = m.Groups["y"].Value[0] switch { '今' => 0, '明' => 1, '去' => -1, '前' => -2, _ => 2 };
        if (m.Groups["m"].Success) parts.Month = TimeParser.Int(m.Groups["m"].Value) ?? 0;
        if (m.Groups["d"].Success) parts.Day = TimeParser.Int(m.Groups["d"].Value) ?? 0;
        if (parts.Day is not null && parts.Month is null) parts.Invalid = true;   // 明年5号
        return End(text, m, parts);
    }

    [GeneratedRegex(@"\G(?:(?<y>[0-9]{4}|[零〇一二三四五六七八九]{4})年)?(?:(?<m>" + Num + @")月(?:份)?)?(?:(?<d>" + Num + ")(?<suffix>号|號|日))?")]
    private static partial Regex DatePattern { get; }

    /// <summary>What comes after 3号 when it is not a day: 3号楼, 5号线, 8号床.</summary>
    const string NotADay = "楼樓线線床房位座门門窗桌柜櫃台車车机機码碼口院馆館店厅廳室鞋";

    /// <summary>What comes before 18号 in an address or a size, not a date: 中山路18号, 大一号.</summary>
    const string NotADayAfter = "路街道巷弄村区區楼樓栋棟幢室座大小";

    static int Date(string text, int at, TimeParts parts)
    {
        var m = DatePattern.Match(text, at);
        if (!m.Success || m.Length == 0) return -1;
        bool year = m.Groups["y"].Success, month = m.Groups["m"].Success, day = m.Groups["d"].Success;
        int end = m.Index + m.Length;
        if (day && !month)
        {
            if (year || m.Groups["suffix"].Value == "日") return -1;    // 3日 reads as three days as often as the 3rd
            if (end < text.Length && NotADay.Contains(text[end]) || at > 0 && NotADayAfter.Contains(text[at - 1])) return -1;
        }
        if (year) parts.Year = TimeParser.Int(m.Groups["y"].Value) ?? 0;
        if (month) parts.Month = TimeParser.Int(m.Groups["m"].Value) ?? 0;
        if (day) parts.Day = TimeParser.Int(m.Groups["d"].Value) ?? 0;
        return End(text, m, parts);
    }

    /// <summary>A month followed by more digits (3月5, 2月30) is a date written in a way not read here: no entity.</summary>
    static int End(string text, Match m, TimeParts parts)
    {
        int end = m.Index + m.Length;
        if (parts.Day is null && parts.Month is not null && end < text.Length && IsDigitLike(text[end])) parts.Invalid = true;
        if (parts.Day is null && parts.MonthOffset is not null && end < text.Length && IsDigitLike(text[end])) parts.Invalid = true;
        return end;
    }

    [GeneratedRegex(@"\G(?:凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|晚间|晚間|夜里|夜裡|夜间|夜間|早|晚|夜)")]
    private static partial Regex PartPattern { get; }

    static int Part(string text, int at, TimeParts parts)
    {
        var m = PartPattern.Match(text, at);
        if (!m.Success) return -1;
        string p = m.Value;
        // 早, 晚, 夜 alone only right after 今 明 昨 (今晚, 明早)
        if (p.Length == 1 && !(at > 0 && text[at - 1] is '今' or '明' or '昨')) return -1;
        parts.Part = p switch
        {
            "凌晨" => PartOfDay.EarlyMorning,
            "早上" or "早晨" or "清晨" or "上午" or "早" => PartOfDay.Morning,
            "中午" => PartOfDay.Noon,
            "下午" => PartOfDay.Afternoon,
            "傍晚" => PartOfDay.Dusk,
            _ => PartOfDay.Evening,
        };
        return m.Index + m.Length;
    }

    const string DecimalUnits = "公米元块塊倍斤克千万萬个個%％度寸尺升吨噸亿億";

    [GeneratedRegex(@"\G(?<h>[0-9]{1,2}|[零〇一二两兩三四五六七八九十]{1,3})(?<pt>点钟|點鐘|点|點|时|時)" +
        "(?:(?<half>半)|(?<q1>一刻)|(?<q3>三刻)|(?<whole>整)|(?<mm>[0-9]{1,2}|[零〇一二三四五六七八九十]{1,3})(?<fen>分钟|分鐘|分)?)?")]
    private static partial Regex ClockPattern { get; }

    static int Clock(string text, int at, TimeParts parts)
    {
        var m = ClockPattern.Match(text, at);
        if (!m.Success) return -1;
        int end = m.Index + m.Length;
        if (end < text.Length && char.IsAsciiDigit(text[end])) return -1;
        // 1点5公里, 三点五倍: a decimal number, not a clock time; nor is 三点五 alone (3.5; five past three is 三点零五 or 三点五分)
        if (m.Groups["mm"].Success && !m.Groups["fen"].Success
            && (end < text.Length && DecimalUnits.Contains(text[end]) || m.Groups["mm"].Value.Length == 1 && TimeParser.Int(m.Groups["mm"].Value) is < 10))
            return -1;
        bool chineseHour = !char.IsAsciiDigit(m.Groups["h"].Value[0]);
        bool minutes = m.Groups["half"].Success || m.Groups["q1"].Success || m.Groups["q3"].Success || m.Groups["mm"].Success;
        bool marked = minutes || m.Groups["whole"].Success || m.Groups["pt"].Value.Length == 2;
        // 有三点要求, 便宜一点: a bare Chinese-numeral 点 is not a clock time without a day or a part of the day
        if (chineseHour && !marked && !parts.HasDay && parts.Part is null) return -1;
        if (TimeParser.Int(m.Groups["h"].Value) is not { } hour) return -1;
        int? minute = m.Groups["half"].Success ? 30 : m.Groups["q1"].Success ? 15 : m.Groups["q3"].Success ? 45
            : m.Groups["mm"].Success ? TimeParser.Int(m.Groups["mm"].Value) ?? 99 : null;
        parts.Hour = hour;
        parts.Minute = minute;
        parts.ClockAmbiguous = hour is >= 1 and <= 12;
        if (hour > 24 || minute > 59) parts.Invalid = true;
        return end;
    }
}
