using Kefu.Text.WordPiece;

namespace Kefu.Text.Hf;

using TokenSpan = Kefu.Text.WordPiece.TokenSpan;

/// <summary>
/// A BPE or Unigram tokenizer as tokenizers runs it: <see cref="SubwordPipeline"/>, then the post-processor's
/// template (and ByteLevel's trim_offsets), and a decoder chain for the way back. Built by <see cref="SubwordJson"/>
/// from tokenizer.json or by <see cref="Bpe.BpeFiles"/> from vocab.json and merges.txt.
/// </summary>
public sealed class SubwordTokenizer : HfTokenizer
{
    private readonly SubwordPipeline pipeline;
    private readonly PostProcessor post;
    private readonly OffsetTrim trim;
    private readonly Decoder decoder;
    private readonly Dictionary<int, AddedToken> addedById = [];
    private readonly Dictionary<string, int> addedByContent = new(StringComparer.Ordinal);

    internal SubwordTokenizer(TokenizerModelKind kind, SubwordPipeline pipeline, PostProcessor post, OffsetTrim trim, Decoder decoder)
    {
        Kind = kind;
        this.pipeline = pipeline;
        this.post = post;
        this.trim = trim;
        this.decoder = decoder;
        foreach (var token in pipeline.AddedTokens)
        {
            addedById[token.Id] = token;
            addedByContent[token.Content] = token.Id;
        }
        VocabularySize = Math.Max(pipeline.Model.VocabularySize, addedById.Count == 0 ? 0 : addedById.Keys.Max() + 1);
    }

    public override TokenizerModelKind Kind { get; }

    public override int VocabularySize { get; }

    public override IReadOnlyList<AddedToken> AddedTokens => pipeline.AddedTokens;

    /// <summary>True when the model sees GPT-2's byte characters (a ByteLevel pre-tokenizer).</summary>
    public bool IsByteLevel => pipeline.ByteLevel;

    /// <summary>How many tokens the post-processor adds to one text.</summary>
    public int SpecialTokenCount => post.AddedCount;

    /// <summary>What the normalizer makes of <paramref name="text"/>.</summary>
    public string Normalize(string text) => pipeline.Normalize(text);

    public override HfEncoding Encode(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = pipeline.Tokenize(text);
        return Build(text, tokens, tokens.Count, addSpecialTokens ? post : PostProcessor.None);
    }

    /// <summary>
    /// The post-processor's template around the text's first tokens, as many as fit in <paramref name="maxLength"/>
    /// with the template's own (tokenizers' truncation: longest_first, right, before the post-processor, so the
    /// closing special token stays).
    /// </summary>
    public HfEncoding EncodeTruncated(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, Math.Max(post.AddedCount, 1));
        var tokens = pipeline.Tokenize(text);
        return Build(text, tokens, Math.Min(tokens.Count, maxLength - post.AddedCount), post);
    }

    private HfEncoding Build(string text, List<(int Id, int Start, int End, int Word)> tokens, int kept, PostProcessor template)
    {
        int count = kept + template.AddedCount, at = 0;
        var encoding = new HfEncoding(new int[count], new TokenSpan[count], new bool[count], new int[count]);
        int[]? bytes = trim.Trimmed ? BytePositions(text) : null;
        foreach (var (ids, _) in template.Template)
        {
            if (ids is not null)
            {
                foreach (int id in ids)
                {
                    encoding.Ids[at] = id;
                    encoding.WordIds[at] = -1;
                    encoding.SpecialTokensMask[at++] = true;
                }
                continue;
            }
            for (int i = 0; i < kept; i++, at++)
            {
                var (id, start, end, word) = tokens[i];
                encoding.Ids[at] = id;
                encoding.WordIds[at] = word;
                encoding.Offsets[at] = trim.Trimmed ? Trim(id, start, end, i == 0, bytes!) : new TokenSpan(start, end);
            }
        }
        return encoding;
    }

    public override string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>();
        foreach (int id in ids)
        {
            if (addedById.TryGetValue(id, out var added))
            {
                if (!(skipSpecialTokens && added.Special))
                    tokens.Add(added.Content);
            }
            else if (pipeline.Model.TokenOf(id) is { } token)
                tokens.Add(token);
        }
        string text = decoder.Decode(tokens);
        return Settings.CleanUpTokenizationSpaces ? CleanUp(text) : text;
    }

    public override string? TokenOf(int id) => addedById.TryGetValue(id, out var added) ? added.Content : pipeline.Model.TokenOf(id);

    public override int? IdOf(string token) =>
        addedByContent.TryGetValue(token, out int id) ? id : pipeline.Model.TryGetId(token, out id) ? id : null;

    // tokenizers' ByteLevel::process_offsets (processors/byte_level.rs): the spaces a token starts or ends with
    // ('Ġ' characters) are left out of its offsets, except the prefix space of the first token when add_prefix_space.
    // tokenizers counts in UTF-8 bytes, which matters for the prefix space (it takes the first character's range): a
    // cut inside a character falls back to the character's start, as tokenizers' char offsets do.
    private TokenSpan Trim(int id, int start, int end, bool first, int[] bytes)
    {
        string? token = addedById.ContainsKey(id) ? null : pipeline.Model.TokenOf(id);
        if (token is null)
            return new TokenSpan(start, end);
        int leading = 0, trailing = 0;
        while (leading < token.Length && token[leading] == 'Ġ')
            leading++;
        // counted on their own, so a lone "Ġ" is both leading and trailing, as tokenizers counts it
        while (trailing < token.Length && token[token.Length - 1 - trailing] == 'Ġ')
            trailing++;
        if ((first || start == 0) && trim.AddPrefixSpace && leading == 1)
            leading = 0;
        if (leading == 0 && trailing == 0)
            return new TokenSpan(start, end);
        int from = bytes[start], to = bytes[end];
        if (leading > 0)
            from = Math.Min(from + leading, to);
        if (trailing > 0 && to >= trailing)
            to = Math.Max(to - trailing, from);
        return new TokenSpan(Unit(bytes, from), Unit(bytes, to));
    }

    // bytes[i]: UTF-8 bytes before UTF-16 index i; a low surrogate's index has its pair's position
    private static int[] BytePositions(string text)
    {
        var bytes = new int[text.Length + 1];
        int count = 0;
        for (int i = 0; i < text.Length; i++)
        {
            bytes[i] = count;
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                bytes[++i] = count;
                count += 4;
            }
            else
                count += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
        bytes[text.Length] = count;
        return bytes;
    }

    // the UTF-16 index of the character holding byte b (its start), or the text's length
    private static int Unit(int[] bytes, int b)
    {
        int at = Array.BinarySearch(bytes, b);
        if (at < 0)
            at = ~at - 1;
        while (at > 0 && bytes[at - 1] == bytes[at])
            at--; // the first index with that position: the high surrogate
        return at;
    }

    // transformers' PreTrainedTokenizerBase.clean_up_tokenization
    internal static string CleanUp(string s) => s.Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",")
        .Replace(" ' ", "'").Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re");
}

/// <summary>ByteLevel / RobertaProcessing trim_offsets, with the add_prefix_space that spares the first token's space.</summary>
internal readonly record struct OffsetTrim(bool Trimmed, bool AddPrefixSpace);
