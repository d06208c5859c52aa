using System.Globalization;
using System.Text.RegularExpressions;

namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// How a number is written, as regex fragments the dimension extractors share, and the value of what they matched:
/// Arabic digits (1,234 / 3.5, with a Chinese multiplier: 3.5万 / 5千), Chinese numerals (三百五十) and English words
/// (twenty one). Values are decimals, so that 1.2万 is exactly 12000.
/// </summary>
public static partial class NumberText
{
    /// <summary>
    /// 1,234.5 / 3.5 / 42, not glued to a Latin letter or another number (Chinese text around is fine), nor on either side
    /// of the Chinese decimal point 点: neither the 1 nor the 5 of 1点5公里 is a number of its own.
    /// </summary>
    public const string Arabic = @"(?<![A-Za-z0-9.,点點])" + ArabicDigits + @"(?![0-9]|" + DecimalPoint + ")";

    // 点 followed by a digit or numeral: the number before it is the whole part of a decimal written the Chinese way
    const string DecimalPoint = "[点點][0-9零〇一二两兩三四五六七八九]";

    /// <summary>The digits of <see cref="Arabic"/> without its look-behind (after RMB, US$).</summary>
    public const string ArabicDigits = @"(?:[0-9]{1,3}(?:,[0-9]{3}){1,6}|[0-9]{1,18})(?:\.[0-9]{1,9})?";

    /// <summary>万 亿 千 百 after Arabic digits (3.5万).</summary>
    public const string Multiplier = "(?:万亿|[万萬亿億千百])";

    /// <summary>A run of Chinese numeral characters; <see cref="ChineseNumerals.Parse"/> says whether it is a number.</summary>
    public const string Chinese = "(?<![" + ChineseChars + "点點])[" + ChineseChars + "]{1,20}(?![" + ChineseChars + "]|" + DecimalPoint + ")";

    const string ChineseChars = "零〇一二两兩三四五六七八九十百千万萬亿億壹贰貳叁肆伍陆陸柒捌玖拾佰仟";

    /// <summary>Any number a quantity may start with, Chinese or Arabic (English words are matched on their own).</summary>
    public const string Any = "(?:" + Arabic + Multiplier + "?|" + Chinese + ")";

    /// <summary>The value of a number matched by <see cref="Any"/> or <see cref="EnglishWords"/>, or null.</summary>
    public static decimal? Parse(string s)
    {
        if (s.Length == 0) return null;
        if (char.IsAsciiDigit(s[0])) return ParseArabic(s);
        if (ChineseNumerals.IsNumeralChar(s[0])) return ChineseNumerals.Parse(s) is { } v ? v : null;
        return EnglishNumbers.Parse(s);
    }

    static decimal? ParseArabic(string s)
    {
        int end = 0;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] is ',' or '.')) end++;
        if (!decimal.TryParse(s.AsSpan(0, end), NumberStyles.AllowThousands | NumberStyles.AllowDecimalPoint,
                CultureInfo.InvariantCulture, out var value)) return null;
        decimal scale = 1;
        foreach (char c in s.AsSpan(end))
        {
            long unit = ChineseNumerals.Unit(c);
            if (unit == 0) return null;
            scale *= unit;
        }
        try
        {
            return value * scale;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>A decimal as JSON and Rasa write numbers: 35000, 3.5, 0.05 (no trailing zeros).</summary>
    public static double ToDouble(decimal value) => (double)value;

    public static string Format(decimal value) => ToDouble(value).ToString(CultureInfo.InvariantCulture);

    /// <summary>English number words, with "and" and hyphens: "twenty one", "a hundred and five", "two thousand".</summary>
    public static Regex EnglishWords => EnglishNumbers.Pattern;
}

/// <summary>English number words: zero..nineteen, twenty..ninety, hundred, thousand, million, billion.</summary>
internal static partial class EnglishNumbers
{
    static readonly Dictionary<string, int> Small = new(StringComparer.OrdinalIgnoreCase)
    {
        ["zero"] = 0, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7,
        ["eight"] = 8, ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12, ["thirteen"] = 13, ["fourteen"] = 14,
        ["fifteen"] = 15, ["sixteen"] = 16, ["seventeen"] = 17, ["eighteen"] = 18, ["nineteen"] = 19,
    };

    static readonly Dictionary<string, int> Tens = new(StringComparer.OrdinalIgnoreCase)
    {
        ["twenty"] = 20, ["thirty"] = 30, ["forty"] = 40, ["fifty"] = 50, ["sixty"] = 60, ["seventy"] = 70, ["eighty"] = 80, ["ninety"] = 90,
    };

    static readonly Dictionary<string, long> Scales = new(StringComparer.OrdinalIgnoreCase)
    {
        ["thousand"] = 1_000, ["million"] = 1_000_000, ["billion"] = 1_000_000_000,
    };

    const string Word = "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|" +
        "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion";

    /// <summary>One or more number words ("twenty one", "a hundred and five"), as a regex fragment.</summary>
    internal const string Words = @"(?:a\s+(?=hundred|thousand|million|billion))?(?:" + Word + @")(?:(?:\s+and\s+|\s+|-)(?:" + Word + @")){0,10}";

    [GeneratedRegex(@"\b" + Words + @"\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    internal static partial Regex Pattern { get; }

    /// <summary>The value of the words, or null when they do not make one number ("one two").</summary>
    public static decimal? Parse(string s)
    {
        var words = s.Split([' ', '-', '\t'], StringSplitOptions.RemoveEmptyEntries);
        long total = 0, group = 0;
        int last = 0;   // 0 start, 1 ones, 2 tens, 3 hundred, 4 scale
        for (int i = 0; i < words.Length; i++)
        {
            string w = words[i];
            if (w.Equals("and", StringComparison.OrdinalIgnoreCase))
            {
                if (last != 3 && last != 4) return null;
                continue;
            }
            if (w.Equals("a", StringComparison.OrdinalIgnoreCase) && i == 0) { group = 1; last = 1; continue; }
            if (Small.TryGetValue(w, out int small))
            {
                if (last is 1 || last == 2 && small >= 10) return null;
                group += small;
                last = 1;
            }
            else if (Tens.TryGetValue(w, out int tens))
            {
                if (last is 1 or 2) return null;
                group += tens;
                last = 2;
            }
            else if (w.Equals("hundred", StringComparison.OrdinalIgnoreCase))
            {
                if (last == 3 || group >= 100) return null;
                group = (group == 0 ? 1 : group) * 100;
                last = 3;
            }
            else if (Scales.TryGetValue(w, out long scale))
            {
                total += (group == 0 ? 1 : group) * scale;
                group = 0;
                last = 4;
            }
            else return null;
        }
        return total + group;
    }
}
