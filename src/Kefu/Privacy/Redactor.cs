using System.Text;
using System.Text.RegularExpressions;
using Kefu.Nlu.Entities;

namespace Kefu.Privacy;

/// <summary>The built-in detectors (endpoints.yml `privacy: redact:` names them in snake_case).</summary>
[Flags]
public enum PiiDetectors
{
    None = 0,
    Phone = 1,
    IdCard = 2,
    BankCard = 4,
    Email = 8,
    Address = 16,
    /// <summary>What a project gets without a `privacy:` section.</summary>
    Default = Phone | IdCard | BankCard,
}

/// <summary>A project's own pattern: every match becomes <see cref="Mask"/>.</summary>
public sealed record CustomPattern(string Name, Regex Regex, string Mask);

/// <summary>
/// Replaces personal data in text with a typed mask: [phone], [id_card], [bank_card], [email], [address] or a custom
/// pattern's. One pass over the text finds the numbers and emails; the address and custom patterns are regexes, each one
/// more pass. Text without a match comes back as the same instance, and nothing is allocated for it.
/// </summary>
public sealed class Redactor
{
    public const string PhoneMask = "[phone]", IdCardMask = "[id_card]", BankCardMask = "[bank_card]",
        EmailMask = "[email]", AddressMask = "[address]", FailedMask = "[redacted]";

    // Groups of digits one run may have ("+86 138 1234 5678" has four); a longer run is cut here and scanning goes on.
    private const int MaxGroups = 12;
    // The most digits a detected number has (a 19-digit card); longer windows are not looked at.
    private const int MaxDigits = 19;

    private readonly PiiDetectors detectors;
    private readonly IReadOnlyList<CustomPattern> patterns;

    public Redactor(PiiDetectors detectors, IReadOnlyList<CustomPattern>? patterns = null)
    {
        this.detectors = detectors;
        this.patterns = patterns ?? [];
    }

    /// <summary>Redacts nothing.</summary>
    public static Redactor Off { get; } = new(PiiDetectors.None);

    /// <summary>Phone, ID card and bank card numbers.</summary>
    public static Redactor Default { get; } = new(PiiDetectors.Default);

    public PiiDetectors Detectors => detectors;

    public bool IsOff => detectors == PiiDetectors.None && patterns.Count == 0;

    private readonly record struct Found(int Start, int End, string Mask);

    /// <summary>The text with every detected piece replaced by its mask; the same instance when nothing is found.</summary>
    public string Redact(string text)
    {
        if (IsOff || string.IsNullOrEmpty(text)) return text;
        List<Found>? found = null;
        if ((detectors & (PiiDetectors.Phone | PiiDetectors.IdCard | PiiDetectors.BankCard | PiiDetectors.Email)) != 0)
            Scan(text, ref found);
        try
        {
            if ((detectors & PiiDetectors.Address) != 0) Matches(AddressRegex(), text, AddressMask, ref found);
            foreach (var pattern in patterns) Matches(pattern.Regex, text, pattern.Mask, ref found);
        }
        catch (RegexMatchTimeoutException e)
        {
            // Fails closed: a pattern that could not finish may have missed something personal.
            PatternRegex.ReportTimeout("privacy", e.Pattern);
            return FailedMask;
        }
        return found is null ? text : Apply(text, found);
    }

    private static void Matches(Regex regex, string text, string mask, ref List<Found>? found)
    {
        foreach (var m in regex.EnumerateMatches(text))
            if (m.Length > 0) (found ??= []).Add(new Found(m.Index, m.Index + m.Length, mask));
    }

    /// <summary>Found pieces, overlapping ones merged (the first one's mask wins), replaced in order.</summary>
    private static string Apply(string text, List<Found> found)
    {
        found.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.End.CompareTo(a.End));
        var sb = new StringBuilder(text.Length);
        int at = 0;
        foreach (var f in found)
        {
            if (f.End <= at) continue;
            if (f.Start >= at)
            {
                sb.Append(text, at, f.Start - at).Append(f.Mask);
            }
            at = f.End;
        }
        return sb.Append(text, at, text.Length - at).ToString();
    }

    /// <summary>
    /// One pass: each run of digits (groups joined by one space or dash, as "138 1234 5678" or "6222-0202-…" are written)
    /// is tried as a whole, then as shorter windows of whole groups, longest first; an '@' starts an email.
    /// </summary>
    private void Scan(string text, ref List<Found>? found)
    {
        Span<int> starts = stackalloc int[MaxGroups];
        Span<int> ends = stackalloc int[MaxGroups];
        for (int i = 0; i < text.Length;)
        {
            char c = text[i];
            if (c == '@')
            {
                if ((detectors & PiiDetectors.Email) != 0 && Email(text, i) is var (s, e) && e > s)
                {
                    (found ??= []).Add(new Found(s, e, EmailMask));
                    i = e;
                }
                else i++;
                continue;
            }
            if (Digit(c) < 0)
            {
                i++;
                continue;
            }
            int n = 0, j = i;
            while (true)
            {
                int groupStart = j;
                while (j < text.Length && Digit(text[j]) >= 0) j++;
                if (j < text.Length && text[j] is 'X' or 'x' or 'Ｘ' or 'ｘ') j++; // an ID card's check character ends the run
                starts[n] = groupStart;
                ends[n] = j;
                n++;
                if (n == MaxGroups || Digit(text[j - 1]) < 0) break;
                if (j + 1 < text.Length && IsSeparator(text[j]) && Digit(text[j + 1]) >= 0) j++;
                else break;
            }
            Windows(text, starts[..n], ends[..n], ref found);
            i = j;
        }
    }

    private void Windows(string text, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends, ref List<Found>? found)
    {
        int n = starts.Length;
        // Not inside a longer word: "SO13812345678" is an order number, "a.138…" part of something else; "x@" an email's.
        int before = starts[0] - 1;
        bool plus = before >= 0 && text[before] == '+';
        if (plus) before--;
        bool leftOk = before < 0 || !IsWordChar(text[before]) && text[before] != '.';
        bool rightOk = ends[n - 1] >= text.Length || !IsWordChar(text[ends[n - 1]]);
        Span<byte> digits = stackalloc byte[MaxDigits];
        for (int a = 0; a < n;)
        {
            int next = a + 1;
            for (int b = n - 1; b >= a; b--)
            {
                if ((a == 0 && !leftOk) || (b == n - 1 && !rightOk)) continue;
                int count = 0;
                for (int g = a; g <= b && count <= MaxDigits; g++)
                    for (int k = starts[g]; k < ends[g] && count <= MaxDigits; k++)
                    {
                        if (count == MaxDigits) { count++; break; }
                        int d = Digit(text[k]);
                        digits[count++] = (byte)(d < 0 ? 10 : d);
                    }
                if (count > MaxDigits || Kind(digits[..count]) is not { } mask) continue;
                (found ??= []).Add(new Found(a == 0 && plus ? starts[0] - 1 : starts[a], ends[b], mask));
                next = b + 1;
                break;
            }
            a = next;
        }
    }

    /// <summary>ID cards before bank cards (an ID number may pass Luhn), phones before cards (86 and 11 digits is 13).</summary>
    private string? Kind(ReadOnlySpan<byte> digits)
    {
        if ((detectors & PiiDetectors.Phone) != 0 && NumberChecks.IsMobile(digits)) return PhoneMask;
        if ((detectors & PiiDetectors.IdCard) != 0 && NumberChecks.IsIdCard(digits)) return IdCardMask;
        if ((detectors & PiiDetectors.BankCard) != 0 && NumberChecks.IsBankCard(digits)) return BankCardMask;
        return null;
    }

    /// <summary>
    /// The email around the '@' at <paramref name="at"/>: a local part of [A-Za-z0-9._%+-] before it, a domain of at least
    /// two dot-separated labels after it, the last one two or more letters (a sentence's full stop after it is left out).
    /// </summary>
    private static (int Start, int End)? Email(string text, int at)
    {
        int s = at;
        while (s > 0 && (char.IsAsciiLetterOrDigit(text[s - 1]) || text[s - 1] is '.' or '_' or '%' or '+' or '-')) s--;
        if (s == at) return null;
        int e = at + 1, lastDot = -1;
        while (e < text.Length && (char.IsAsciiLetterOrDigit(text[e]) || text[e] is '-' or '.'))
        {
            if (text[e] == '.')
            {
                if (e == at + 1 || text[e - 1] == '.') break;
                lastDot = e;
            }
            e++;
        }
        if (e > 0 && text[e - 1] == '.') { e--; lastDot = text.LastIndexOf('.', e - 1, e - at - 1); }
        if (lastDot < 0 || e - lastDot - 1 < 2) return null;
        for (int k = lastDot + 1; k < e; k++)
            if (!char.IsAsciiLetter(text[k])) return null;
        return (s, e);
    }

    /// <summary>0-9 for ASCII and full-width (U+FF10-FF19) digits, else -1.</summary>
    private static int Digit(char c) => c is >= '0' and <= '9' ? c - '0' : c is >= '０' and <= '９' ? c - '０' : -1;

    private static bool IsSeparator(char c) => c is ' ' or '-' or '\u00A0' or '\u3000' or '－';

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || Digit(c) >= 0 || c is '_' or '@' || c is >= 'Ａ' and <= 'ｚ';

    /// <summary>
    /// Chinese street addresses with a number: optional province/city/district parts, then a road (路 街 道 巷 弄 胡同),
    /// a number and 号, then building, unit and room. An address without a road number (a village, a landmark) is missed.
    /// </summary>
    private static Regex AddressRegex() => address ??= new Regex(
        @"(?:\p{IsCJKUnifiedIdeographs}{1,10}?(?:省|自治区|市|区|县|镇|乡))*[\p{IsCJKUnifiedIdeographs}0-9]{1,12}?(?:路|街|大道|道|巷|弄|胡同)[0-9０-９]{1,5}号(?:[0-9０-９]{1,5}(?:号楼|栋|幢|楼|单元|层|室|号))*",
        RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, PatternRegex.MatchTimeout);

    private static Regex? address;
}
