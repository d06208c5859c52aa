namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// Chinese numerals, as people write them in messages: 十五, 三百五十, 两千零八, 一万零五百, the shortened
/// 一百二 (= 120), 三万五 (= 35000), digit strings 二零一三 (= 2013) and the financial capitals 壹贰叁 / 拾佰仟.
/// </summary>
public static class ChineseNumerals
{
    /// <summary>Every character that can stand in a numeral.</summary>
    public static bool IsNumeralChar(char c) => Digit(c) >= 0 || Unit(c) > 0;

    /// <summary>0-9 for 零〇一二两三…九 and 壹贰叁…玖, else -1.</summary>
    public static int Digit(char c) => c switch
    {
        '零' or '〇' => 0,
        '一' or '壹' or '幺' => 1,
        '二' or '两' or '兩' or '贰' or '貳' => 2,
        '三' or '叁' => 3,
        '四' or '肆' => 4,
        '五' or '伍' => 5,
        '六' or '陆' or '陸' => 6,
        '七' or '柒' => 7,
        '八' or '捌' => 8,
        '九' or '玖' => 9,
        _ => -1,
    };

    /// <summary>10, 100, 1000, 10^4, 10^8 for 十百千万亿 (and 拾佰仟萬億), else 0.</summary>
    public static long Unit(char c) => c switch
    {
        '十' or '拾' => 10,
        '百' or '佰' => 100,
        '千' or '仟' => 1000,
        '万' or '萬' => 10_000,
        '亿' or '億' => 100_000_000,
        _ => 0,
    };

    /// <summary>
    /// The value of a whole numeral, or null when its characters do not make one (三四, 十十, 百 alone).
    /// Sections are split at 亿 and 万; inside one, a digit multiplies the next of 千百十, in falling order. A final
    /// digit right after a unit is a tenth of it (一百二 = 120), unless a 零 came between (一百零二 = 102).
    /// </summary>
    public static long? Parse(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return null;
        if (s.Length > 1 && IsDigitString(s)) return DigitString(s);
        long total = 0, section = 0;
        long lastUnit = 0;         // the last 十百千 of this section, or the last 万/亿 once the section closed
        long bigUnitOfTotal = 0;   // 万 or 亿: the last section closer
        int pending = -1;          // a digit waiting for its unit
        bool zeroSinceUnit = false;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            int d = Digit(c);
            if (d == 0)
            {
                if (pending >= 0) return null;   // 一零 in a numeral with units
                zeroSinceUnit = true;
                continue;
            }
            if (d > 0)
            {
                if (pending >= 0) return null;   // 三四: two digits in a row
                pending = d;
                continue;
            }
            long unit = Unit(c);
            if (unit <= 1000)
            {
                if (pending < 0)
                {
                    // 十五 reads 一十五 at the start of a section; 百 and 千 need their digit (千万 is not a number)
                    if (unit != 10 || section != 0) return null;
                    pending = 1;
                }
                if (lastUnit != 0 && lastUnit <= 1000 && unit >= lastUnit) return null;   // 十百, 百百
                section += pending * unit;
                pending = -1;
                lastUnit = unit;
                zeroSinceUnit = false;
                continue;
            }
            // 万 or 亿 closes the section
            if (pending >= 0) section += pending;
            pending = -1;
            if (section == 0) return null;
            if (unit == 100_000_000)
            {
                if (bigUnitOfTotal == 100_000_000) return null;
                total = (total + section) * unit;
            }
            else
            {
                if (bigUnitOfTotal == 10_000) return null;   // 一万二万
                total += section * unit;
            }
            bigUnitOfTotal = unit;
            section = 0;
            lastUnit = unit;
            zeroSinceUnit = false;
        }
        if (pending >= 0)
        {
            bool shortened = !zeroSinceUnit && lastUnit > 10;
            section += shortened ? pending * (lastUnit / 10) : pending;
        }
        return total + section;
    }

    /// <summary>二零一三: digits only, read one by one (years, numbers said digit by digit).</summary>
    static bool IsDigitString(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
            if (Digit(c) < 0 || c is '两' or '兩') return false;
        return true;
    }

    static long? DigitString(ReadOnlySpan<char> s)
    {
        if (s.Length > 18) return null;
        long value = 0;
        foreach (char c in s) value = value * 10 + Digit(c);
        return value;
    }
}
