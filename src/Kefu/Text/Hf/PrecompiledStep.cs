using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Kefu.Text.WordPiece;

namespace Kefu.Text.Hf;

/// <summary>
/// tokenizers' Precompiled normalizer (normalizers/precompiled.rs over the spm_precompiled crate): SentencePiece's
/// compiled character map, as XLM-R, mBART and T5 tokenizer.json files carry it in base64. The blob is a little-endian
/// uint32 trie size in bytes, a darts-clone double-array trie of that size (uint32 units) over UTF-8 keys, then the
/// replacements, each ended by a NUL; a key's value is its replacement's byte offset.
/// Each extended grapheme cluster under 6 UTF-8 bytes is looked up whole; otherwise (or when it has no entry) each of
/// its characters is. As tokenizers does, a lookup takes the SHORTEST key that is a prefix of the chunk and replaces
/// the whole chunk by it, and alignments follow its replace(): equal counts map one to one, extra characters are
/// insertions, fewer characters make the last one consume the rest.
/// </summary>
internal sealed class PrecompiledStep : NormalizerStep
{
    private readonly uint[] trie;
    private readonly ConcurrentDictionary<int, string> replacements = new(); // by byte offset into the blob
    private readonly byte[] blob;

    private PrecompiledStep(uint[] trie, byte[] blob)
    {
        this.trie = trie;
        this.blob = blob;
    }

    /// <summary>Reads the decoded precompiled_charsmap; a malformed one is an <see cref="InvalidDataException"/> with <paramref name="where"/>.</summary>
    public static PrecompiledStep FromBytes(byte[] charsmap, string where)
    {
        if (charsmap.Length < 4)
            throw new InvalidDataException($"{where}: the Precompiled normalizer's precompiled_charsmap of {charsmap.Length} bytes is too short to hold its trie size.");
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(charsmap);
        if (size % 4 != 0 || size == 0 || size > charsmap.Length - 4)
            throw new InvalidDataException($"{where}: the Precompiled normalizer's precompiled_charsmap has a trie size of {size}, which does not fit its {charsmap.Length} bytes.");
        var trie = new uint[size / 4];
        for (int i = 0; i < trie.Length; i++)
            trie[i] = BinaryPrimitives.ReadUInt32LittleEndian(charsmap.AsSpan(4 + 4 * i));
        var blob = charsmap[(4 + (int)size)..];
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(blob);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{where}: the Precompiled normalizer's precompiled_charsmap holds replacements that are not UTF-8 ({e.Message}).", e);
        }
        return new PrecompiledStep(trie, blob);
    }

    public override void Apply(NormalizedText source, NormalizedText target)
    {
        var changes = new List<(int CodePoint, int Change)>(source.Length);
        string text = source.ToString();
        Span<byte> bytes = stackalloc byte[32];
        bool modified = false;
        for (int at = 0; at < text.Length;)
        {
            int length = StringInfo.GetNextTextElementLength(text.AsSpan(at));
            var grapheme = text.AsSpan(at, length);
            at += length;
            int byteCount = Encoding.UTF8.GetByteCount(grapheme);
            if (byteCount < 6)
            {
                Encoding.UTF8.GetBytes(grapheme, bytes);
                if (Transform(bytes[..byteCount]) is { } whole)
                {
                    modified = true;
                    Replace(changes, grapheme, whole);
                    continue;
                }
            }
            for (int i = 0; i < grapheme.Length;)
            {
                int width = char.IsHighSurrogate(grapheme[i]) && i + 1 < grapheme.Length && char.IsLowSurrogate(grapheme[i + 1]) ? 2 : 1;
                var part = grapheme.Slice(i, width);
                i += width;
                int n = Encoding.UTF8.GetBytes(part, bytes);
                if (Transform(bytes[..n]) is { } replacement)
                {
                    modified = true;
                    Replace(changes, part, replacement);
                }
                else
                    changes.Add((CodePoint(part), 0));
            }
        }
        if (!modified)
        {
            for (int i = 0; i < source.Length; i++)
                target.Append(source[i], source.StartOf(i), source.EndOf(i));
            return;
        }
        var writer = new AlignedWriter(source, target);
        foreach (var (cp, change) in changes)
            writer.Write(cp, change);
    }

    // tokenizers' precompiled.rs replace(): the new characters unchanged, then the last `diff` of them marked inserted,
    // or the last one made to consume the removed ones (which may be an earlier chunk's, or nothing at the very start)
    private static void Replace(List<(int CodePoint, int Change)> changes, ReadOnlySpan<char> old, string replacement)
    {
        int oldCount = CodePointCount(old), newCount = CodePointCount(replacement);
        foreach (var rune in replacement.EnumerateRunes())
            changes.Add((rune.Value, 0));
        int diff = newCount - oldCount;
        if (diff > 0)
        {
            for (int k = changes.Count - 1; k >= changes.Count - diff; k--)
                changes[k] = (changes[k].CodePoint, 1);
        }
        else if (diff < 0 && changes.Count > 0)
            changes[^1] = (changes[^1].CodePoint, changes[^1].Change + diff);
    }

    // spm_precompiled's transform: the first (shortest) match of the trie's common prefix search, as its replacement
    private string? Transform(ReadOnlySpan<byte> key)
    {
        int node = 0;
        uint unit = trie[0];
        node ^= Offset(unit);
        foreach (byte c in key)
        {
            if (c == 0)
                break;
            node ^= c;
            if ((uint)node >= (uint)trie.Length)
                return null;
            unit = trie[node];
            if ((unit & ((1u << 31) | 0xFF)) != c)
                return null;
            node ^= Offset(unit);
            if (((unit >> 8) & 1) == 1)
            {
                if ((uint)node >= (uint)trie.Length)
                    return null;
                return ReplacementAt((int)(trie[node] & ((1u << 31) - 1)));
            }
        }
        return null;
    }

    private static int Offset(uint unit) => (int)((unit >> 10) << (int)((unit & (1u << 9)) >> 6));

    private string ReplacementAt(int offset)
    {
        if (offset > blob.Length)
            return "";
        return replacements.GetOrAdd(offset, at =>
        {
            int end = Array.IndexOf(blob, (byte)0, at);
            return Encoding.UTF8.GetString(blob, at, (end < 0 ? blob.Length : end) - at);
        });
    }

    private static int CodePoint(ReadOnlySpan<char> part) => part.Length == 2 ? char.ConvertToUtf32(part[0], part[1]) : part[0];

    private static int CodePointCount(ReadOnlySpan<char> s)
    {
        int count = 0;
        foreach (var _ in s.EnumerateRunes())
            count++;
        return count;
    }
}
