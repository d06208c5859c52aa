namespace Kefu.Privacy;

/// <summary>
/// What makes a run of digits personal. <c>digits</c> holds digit values 0-9 (full-width digits already folded) and
/// 10 for an ID card's X check character.
/// </summary>
internal static class NumberChecks
{
    // GB 11643-1999: weight of position i (0-based, 17 digits) is 2^(17-i) mod 11; the check character is
    // "10X98765432"[sum mod 11], X standing for 10.
    private static ReadOnlySpan<byte> IdWeights => [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private static ReadOnlySpan<byte> IdCheck => [1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2];

    /// <summary>A mainland mobile number: 1[3-9] and 9 more digits, or the same after the country code 86.</summary>
    public static bool IsMobile(ReadOnlySpan<byte> digits)
    {
        if (digits.Length == 13 && digits[0] == 8 && digits[1] == 6) digits = digits[2..];
        return digits.Length == 11 && digits[0] == 1 && digits[1] is >= 3 and <= 9 && digits[..10].IndexOf((byte)10) < 0 && digits[10] != 10;
    }

    /// <summary>
    /// An 18-character resident ID number (GB 11643-1999): 6-digit area code, birth date YYYYMMDD (1900-2099, month 1-12,
    /// day 1-31), 3-digit sequence and the check character, which must match.
    /// </summary>
    public static bool IsIdCard(ReadOnlySpan<byte> digits)
    {
        if (digits.Length != 18 || digits[..17].IndexOf((byte)10) >= 0) return false;
        int year = digits[6] * 1000 + digits[7] * 100 + digits[8] * 10 + digits[9];
        int month = digits[10] * 10 + digits[11];
        int day = digits[12] * 10 + digits[13];
        if (year is < 1900 or > 2099 || month is < 1 or > 12 || day is < 1 or > 31) return false;
        int sum = 0;
        for (int i = 0; i < 17; i++) sum += digits[i] * IdWeights[i];
        return IdCheck[sum % 11] == digits[17];
    }

    /// <summary>
    /// A payment card number (ISO/IEC 7812): 13-19 digits whose Luhn sum is a multiple of 10, starting as the issuers
    /// cards are numbered from do (3 Amex/JCB/Diners, 4 Visa, 5 and 22-27 Mastercard, 6 UnionPay/Discover), which keeps
    /// order numbers that start otherwise out.
    /// </summary>
    public static bool IsBankCard(ReadOnlySpan<byte> digits)
    {
        if (digits.Length is < 13 or > 19 || digits.IndexOf((byte)10) >= 0) return false;
        bool issuer = digits[0] is 3 or 4 or 5 or 6 || (digits[0] == 2 && digits[1] is >= 2 and <= 7);
        return issuer && Luhn(digits);
    }

    /// <summary>ISO/IEC 7812-1 Annex B: from the right, every second digit doubled (minus 9 above 9); the sum ends in 0.</summary>
    public static bool Luhn(ReadOnlySpan<byte> digits)
    {
        int sum = 0;
        for (int i = digits.Length - 1, k = 0; i >= 0; i--, k++)
        {
            int d = digits[i];
            if ((k & 1) == 1)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
        }
        return sum % 10 == 0;
    }
}
