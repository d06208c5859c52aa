using System.Text;

namespace Kefu.Samples.Ecommerce.Orders;

/// <summary>Order numbers: "DD" and 11 digits, e.g. DD20241108123.</summary>
public static class OrderId
{
    public const int Digits = 11;

    /// <summary>Trimmed, upper case, full-width letters and digits (ＤＤ２０２４…, common in Chinese input) made ASCII.</summary>
    public static string Normalize(string raw)
    {
        var sb = new StringBuilder(raw.Length);
        foreach (var ch in raw.Trim())
            sb.Append(ch is >= '\uFF01' and <= '\uFF5E' ? (char)(ch - 0xFEE0) : ch);
        return sb.ToString().ToUpperInvariant();
    }

    /// <summary>True for a normalized number of the right shape (whether or not such an order exists).</summary>
    public static bool IsValid(string normalized) =>
        normalized.Length == 2 + Digits && normalized.StartsWith("DD", StringComparison.Ordinal)
        && normalized.AsSpan(2).IndexOfAnyExceptInRange('0', '9') < 0;
}
