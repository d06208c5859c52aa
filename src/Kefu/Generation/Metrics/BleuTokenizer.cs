using System.Text;
using System.Text.RegularExpressions;

namespace Kefu.Generation.Metrics;

/// <summary>sacrebleu's tokenizers: "13a" (mteval-v13a.pl, the default), "zh" (each Chinese character a token) and "none".</summary>
public enum BleuTokenization
{
    Mteval13a,
    Zh,
    None,
}

/// <summary>
/// The tokenizers of sacrebleu 2.x (sacrebleu/tokenizers/tokenizer_13a.py, tokenizer_zh.py, tokenizer_re.py),
/// reproduced rule for rule; the result is tokens separated by single spaces.
/// </summary>
public static partial class BleuTokenizer
{
    public static string Tokenize(string line, BleuTokenization tokenization) => tokenization switch
    {
        BleuTokenization.Mteval13a => Mteval13a(line),
        BleuTokenization.Zh => Zh(line),
        _ => line,
    };

    public static BleuTokenization Parse(string name) => name switch
    {
        "13a" => BleuTokenization.Mteval13a,
        "zh" => BleuTokenization.Zh,
        "none" => BleuTokenization.None,
        _ => throw new ArgumentException($"BLEU tokenizer \"{name}\" is not one of 13a, zh, none."),
    };

    public static string Name(BleuTokenization tokenization) => tokenization switch
    {
        BleuTokenization.Mteval13a => "13a",
        BleuTokenization.Zh => "zh",
        _ => "none",
    };

    /// <summary>tokenizer_13a.py: mteval's entity and line-break clean-up, then <see cref="PostTokenize"/>.</summary>
    public static string Mteval13a(string line)
    {
        line = line.Replace("<skipped>", "").Replace("-\n", "").Replace("\n", " ")
            .Replace("&quot;", "\"").Replace("&amp;", "&").Replace("&lt;", "<").Replace("&gt;", ">");
        return PostTokenize(" " + line + " ");
    }

    /// <summary>tokenizer_zh.py: spaces around every Chinese character (<see cref="IsChineseChar"/>), then <see cref="PostTokenize"/>.</summary>
    public static string Zh(string line)
    {
        var chars = new StringBuilder(line.Length * 2);
        foreach (var rune in PythonStrip(line).EnumerateRunes())
        {
            if (rune.IsBmp && IsChineseChar((char)rune.Value))
                chars.Append(' ').Append((char)rune.Value).Append(' ');
            else
                chars.Append(rune.ToString());
        }
        return PostTokenize(chars.ToString());
    }

    /// <summary>
    /// tokenizer_zh.py's _UCODE_RANGES as Python compares them. Two entries are written with five hex digits
    /// ('\u20000', '\u2f800'), which Python reads as a character followed by a digit; compared with one character they
    /// act as U+2001–U+2A6D and U+2F81–U+2FA1, so general punctuation (’ “ ” …) counts as Chinese. Kept, for equal scores.
    /// Characters outside the BMP are never Chinese there (they compare above every range's end). The list's U+2600–U+26FF
    /// and U+2700–U+27BF fall inside U+2001–U+2A6D.
    /// </summary>
    public static bool IsChineseChar(char c) => c switch
    {
        >= '\u3400' and <= '\u4db5' => true,
        >= '\u4e00' and <= '\u9fa5' => true,
        >= '\u9fa6' and <= '\u9fbb' => true,
        >= '\uf900' and <= '\ufa2d' => true,
        >= '\ufa30' and <= '\ufa6a' => true,
        >= '\ufa70' and <= '\ufad9' => true,
        >= '\u2001' and <= '\u2a6d' => true,
        >= '\u2f81' and <= '\u2fa1' => true,
        >= '\uff00' and <= '\uffef' => true,
        >= '\u2e80' and <= '\u2eff' => true,
        >= '\u3000' and <= '\u303f' => true,
        >= '\u31c0' and <= '\u31ef' => true,
        >= '\u2f00' and <= '\u2fdf' => true,
        >= '\u2ff0' and <= '\u2fff' => true,
        >= '\u3100' and <= '\u312f' => true,
        >= '\u31a0' and <= '\u31bf' => true,
        >= '\ufe10' and <= '\ufe1f' => true,
        >= '\ufe30' and <= '\ufe4f' => true,
        >= '\u3200' and <= '\u32ff' => true,
        >= '\u3300' and <= '\u33ff' => true,
        _ => false,
    };

    /// <summary>tokenizer_re.py: punctuation and symbols split off; period and comma unless beside a digit; a dash after a digit.</summary>
    public static string PostTokenize(string line)
    {
        line = Symbols().Replace(line, " $1 ");
        line = PeriodCommaAfterNonDigit().Replace(line, "$1 $2 ");
        line = PeriodCommaBeforeNonDigit().Replace(line, " $1 $2");
        line = DashAfterDigit().Replace(line, "$1 $2 ");
        return string.Join(' ', SplitPython(line));
    }

    /// <summary>Python's str.split(): runs of whitespace (str.isspace, which also counts U+001C–U+001F) separate.</summary>
    public static string[] SplitPython(string text)
    {
        var parts = new List<string>();
        int start = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            bool space = i == text.Length || IsPythonSpace(text[i]);
            if (space && start >= 0)
            {
                parts.Add(text[start..i]);
                start = -1;
            }
            else if (!space && start < 0)
                start = i;
        }
        return [.. parts];
    }

    public static string PythonStrip(string text)
    {
        int start = 0, end = text.Length;
        while (start < end && IsPythonSpace(text[start])) start++;
        while (end > start && IsPythonSpace(text[end - 1])) end--;
        return text[start..end];
    }

    public static string PythonRstrip(string text)
    {
        int end = text.Length;
        while (end > 0 && IsPythonSpace(text[end - 1])) end--;
        return text[..end];
    }

    private static bool IsPythonSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001c' and <= '\u001f';

    // Python's re on str: [0-9] is ASCII digits only, as .NET's explicit range
    [GeneratedRegex(@"([\{-\~\[-\` -\&\(-\+\:-\@\/])")]
    private static partial Regex Symbols();

    [GeneratedRegex(@"([^0-9])([\.,])")]
    private static partial Regex PeriodCommaAfterNonDigit();

    [GeneratedRegex(@"([\.,])([^0-9])")]
    private static partial Regex PeriodCommaBeforeNonDigit();

    [GeneratedRegex(@"([0-9])(-)")]
    private static partial Regex DashAfterDigit();
}
