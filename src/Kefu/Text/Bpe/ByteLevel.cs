using System.Text;
using System.Text.RegularExpressions;

namespace Kefu.Text.Bpe;

/// <summary>
/// GPT-2's byte-to-character table (tokenizers' pre_tokenizers/byte_level.rs bytes_char, from OpenAI's encoder.py
/// bytes_to_unicode): printable Latin-1 bytes stand for themselves, the other 68 bytes for U+0100 onwards, so every
/// byte is one visible BMP character and a byte-level token is a plain string ("Ġthe" is " the").
/// </summary>
public static partial class ByteLevel
{
    private static readonly char[] charOfByte = BuildTable();
    private static readonly short[] byteOfChar = BuildInverse();

    /// <summary>GPT-2's pre-tokenization pattern, as tokenizers' ByteLevel(use_regex: true) runs it.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's Split pattern (Qwen2TokenizerFast's pre_tokenizer, before ByteLevel with use_regex false).</summary>
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    [GeneratedRegex(Gpt2Pattern, RegexOptions.CultureInvariant)]
    internal static partial Regex Gpt2Regex();

    /// <summary>The character standing for byte <paramref name="b"/> ('Ġ' for 0x20).</summary>
    public static char CharOf(byte b) => charOfByte[b];

    /// <summary>The byte a character stands for, or -1 when it stands for none.</summary>
    public static int ByteOf(char c) => c < byteOfChar.Length ? byteOfChar[c] : -1;

    /// <summary>"Ġhello" → " hello": the bytes behind the characters as UTF-8 (invalid sequences become U+FFFD).</summary>
    public static string Decode(IEnumerable<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (string token in tokens)
            AppendBytes(token, bytes);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    // tokenizers' ByteLevel decoder: a token all of whose characters stand for bytes gives those bytes; any other
    // (an added token with characters outside the table) gives its own UTF-8
    internal static void AppendBytes(string token, List<byte> bytes)
    {
        foreach (char c in token)
        {
            if (ByteOf(c) < 0)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
                return;
            }
        }
        foreach (char c in token)
            bytes.Add((byte)ByteOf(c));
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/> as table characters: " hello" → "Ġhello".</summary>
    public static string Encode(string text)
    {
        var builder = new StringBuilder();
        foreach (byte b in Encoding.UTF8.GetBytes(text))
            builder.Append(charOfByte[b]);
        return builder.ToString();
    }

    private static char[] BuildTable()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }

    private static short[] BuildInverse()
    {
        var inverse = new short[0x200];
        Array.Fill(inverse, (short)-1);
        for (int b = 0; b < 256; b++)
            inverse[charOfByte[b]] = (short)b;
        return inverse;
    }
}
