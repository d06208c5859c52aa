using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// phone-number, email, url, cn-id-card and bank-card: fixed shapes, with their check digits verified.
/// <code>
/// phone-number  13812345678  138 1234 5678  +86 138-1234-5678  010-12345678  0755-1234567  (021)12345678  400-123-4567
/// email         kefu@example.com
/// url           https://example.com/a?b=1  www.example.cn  example.com/path
/// cn-id-card    11010519491231002X (ISO 7064 MOD 11-2 check character, a real birth date not after today)
/// bank-card     6222 0212 3456 7890 128  4111111111111111 (13-19 digits, Luhn check)
/// </code>
/// </summary>
internal static partial class ContactExtractors
{
    // ---- phone-number ----

    // not glued to letters or digits: SF13812345678 is a tracking number
    [GeneratedRegex(@"(?<![0-9A-Za-z+])(?:(?<cc>(?:\+|00)86)[\s-]?)?(?<mobile>1[3-9][0-9](?:[\s-]?[0-9]{4}){2})(?![0-9A-Za-z])" +
        @"|(?<![0-9A-Za-z])(?:(?<area>0[1-9][0-9]{1,2})-|\((?<area>0[1-9][0-9]{1,2})\)\s?)(?<local>[1-9][0-9]{6,7})(?![0-9A-Za-z])" +
        @"|(?<![0-9A-Za-z])(?<service>[48]00)[\s-]?(?<a>[0-9]{3})[\s-]?(?<b>[0-9]{4})(?![0-9A-Za-z])")]
    private static partial Regex PhonePattern { get; }

    /// <summary>Duckling's shape: the digits, with the country code in front as "(+86) ".</summary>
    public static IEnumerable<DucklingMatch> Phones(string text)
    {
        foreach (Match m in PhonePattern.Matches(text))
        {
            if (m.Groups["area"].Success && !IsAreaCode(m.Groups["area"].Value, m.Groups["local"].Value.Length)) continue;
            string digits = Digits(m.Groups["mobile"].Success ? m.Groups["mobile"].Value
                : m.Groups["area"].Success ? m.Groups["area"].Value + m.Groups["local"].Value
                : m.Value);
            string value = m.Groups["cc"].Success ? "(+86) " + digits : digits;
            yield return new DucklingMatch(m.Index, m.Index + m.Length, DucklingDimensions.PhoneNumber, DucklingValues.Text(value));
        }
    }

    /// <summary>Mainland area codes: 010 and 02X have 3 digits and 8-digit numbers; the others 4 digits and 7 or 8.</summary>
    static bool IsAreaCode(string area, int localLength) =>
        area.Length == 3 ? (area == "010" || area[1] == '2') && localLength == 8 : area[1] != '1' && area[1] != '2';

    static string Digits(string s)
    {
        var b = new StringBuilder(s.Length);
        foreach (char c in s)
            if (char.IsAsciiDigit(c)) b.Append(c);
        return b.ToString();
    }

    // ---- email ----

    // bounded as RFC 5321 bounds them (64-character local part, 63-character labels), so a long run costs linear time
    [GeneratedRegex(@"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])")]
    private static partial Regex EmailPattern { get; }

    public static IEnumerable<DucklingMatch> Emails(string text)
    {
        foreach (Match m in EmailPattern.Matches(text))
            yield return new DucklingMatch(m.Index, m.Index + m.Length, DucklingDimensions.Email, DucklingValues.Text(m.Value));
    }

    // ---- url ----

    const string UrlTail = @"(?:[/?#][A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]{0,2000})?";

    [GeneratedRegex(@"(?<![A-Za-z0-9@.])(?:(?:https?|ftp)://[A-Za-z0-9\-._~%]{1,253}(?::[0-9]{1,5})?" + UrlTail +
        @"|(?:www\.)?(?:[A-Za-z0-9-]{1,63}\.){1,8}(?:com|cn|net|org|io|edu|gov|info|co|me|app|dev|hk|tw|uk|jp)(?![A-Za-z0-9-])(?::[0-9]{1,5})?" + UrlTail + ")",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern { get; }

    /// <summary>Duckling's shape: {"value": url, "domain": host}; trailing punctuation stays out.</summary>
    public static IEnumerable<DucklingMatch> Urls(string text)
    {
        foreach (Match m in UrlPattern.Matches(text))
        {
            string url = m.Value.TrimEnd('.', ',', ';', ':', '!', '?', '\'', ')', ']');
            if (url.Length == 0) continue;
            int schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
            string rest = schemeEnd >= 0 ? url[(schemeEnd + 3)..] : url;
            int hostEnd = rest.IndexOfAny([':', '/', '?', '#']);
            string host = (hostEnd >= 0 ? rest[..hostEnd] : rest).ToLowerInvariant();
            if (!host.Contains('.')) continue;
            var value = new JsonObject { ["value"] = url, ["domain"] = host };
            yield return new DucklingMatch(m.Index, m.Index + url.Length, DucklingDimensions.Url, value);
        }
    }

    // ---- cn-id-card ----

    [GeneratedRegex(@"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")]
    private static partial Regex IdCardPattern { get; }

    static readonly int[] IdWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const string IdCheckCharacters = "10X98765432";

    /// <summary>{"value": "11010519491231002X", "birth_date": "1949-12-31"}: GB 11643's check character and a real birth date.</summary>
    public static IEnumerable<DucklingMatch> IdCards(string text, DateTime today)
    {
        foreach (Match m in IdCardPattern.Matches(text))
        {
            string id = m.Value.ToUpperInvariant();
            if (!IsIdChecksumValid(id) || BirthDate(id, today) is not { } birth) continue;
            var value = new JsonObject { ["value"] = id, ["birth_date"] = birth.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) };
            yield return new DucklingMatch(m.Index, m.Index + m.Length, DucklingDimensions.ChineseIdCard, value);
        }
    }

    /// <summary>ISO 7064 MOD 11-2: the weighted sum of the first 17 digits picks the 18th character.</summary>
    internal static bool IsIdChecksumValid(string id)
    {
        int sum = 0;
        for (int i = 0; i < 17; i++) sum += (id[i] - '0') * IdWeights[i];
        return IdCheckCharacters[sum % 11] == id[17];
    }

    static DateTime? BirthDate(string id, DateTime today)
    {
        int year = int.Parse(id.AsSpan(6, 4)), month = int.Parse(id.AsSpan(10, 2)), day = int.Parse(id.AsSpan(12, 2));
        if (year < 1900 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return null;
        var birth = new DateTime(year, month, day);
        return birth <= today ? birth : null;
    }

    // ---- bank-card ----

    [GeneratedRegex(@"(?<![0-9A-Za-z])(?:[0-9]{4}(?:[ -][0-9]{4}){2,3}(?:[ -][0-9]{1,4})?|[0-9]{13,19})(?![0-9A-Za-z])")]
    private static partial Regex CardPattern { get; }

    /// <summary>{"value": digits, "issuer": "unionpay" | "visa" | "mastercard" | "amex" | "jcb" | "other"} when the Luhn check passes.</summary>
    public static IEnumerable<DucklingMatch> BankCards(string text)
    {
        foreach (Match m in CardPattern.Matches(text))
        {
            string digits = Digits(m.Value);
            if (digits.Length is < 13 or > 19 || !IsLuhnValid(digits)) continue;
            var value = new JsonObject { ["value"] = digits, ["issuer"] = Issuer(digits) };
            yield return new DucklingMatch(m.Index, m.Index + m.Length, DucklingDimensions.BankCard, value);
        }
    }

    /// <summary>Luhn: doubling every second digit from the right, the digit sum is a multiple of 10.</summary>
    internal static bool IsLuhnValid(string digits)
    {
        int sum = 0;
        for (int i = 0; i < digits.Length; i++)
        {
            int d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }
        return sum % 10 == 0;
    }

    static string Issuer(string digits) => digits switch
    {
        _ when digits.StartsWith("62", StringComparison.Ordinal) => "unionpay",
        _ when digits[0] == '4' => "visa",
        _ when digits[..2] is "51" or "52" or "53" or "54" or "55" || int.Parse(digits.AsSpan(0, 4)) is >= 2221 and <= 2720 => "mastercard",
        _ when digits[..2] is "34" or "37" => "amex",
        _ when digits[..2] == "35" => "jcb",
        _ => "other",
    };
}
