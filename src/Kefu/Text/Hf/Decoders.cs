using System.Text;
using Kefu.Text.Bpe;

namespace Kefu.Text.Hf;

/// <summary>
/// tokenizers' decoders (decoders/*.rs): each turns the list of token strings into another (decode_chain), and the
/// tokenizer joins the last list. Kefu runs ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace (String pattern),
/// WordPiece and Sequence.
/// </summary>
internal abstract record Decoder
{
    public abstract List<string> Chain(List<string> tokens);

    public string Decode(IEnumerable<string> tokens) => string.Concat(Chain([.. tokens]));

    /// <summary>All tokens' bytes as UTF-8, invalid sequences as U+FFFD (String::from_utf8_lossy).</summary>
    public sealed record ByteLevelDecoder : Decoder
    {
        public override List<string> Chain(List<string> tokens) => [ByteLevel.Decode(tokens)];
    }

    /// <summary>"▁" back to " "; the first token loses its leading space unless the prefix was never prepended.</summary>
    public sealed record MetaspaceDecoder(char Replacement, PrependScheme Prepend) : Decoder
    {
        public override List<string> Chain(List<string> tokens)
        {
            var output = new List<string>(tokens.Count);
            for (int i = 0; i < tokens.Count; i++)
            {
                string token = tokens[i].Replace(Replacement, ' ');
                if (i == 0 && Prepend != PrependScheme.Never && token.StartsWith(' '))
                    token = token[1..];
                output.Add(token);
            }
            return output;
        }
    }

    /// <summary>Runs of "&lt;0xXX&gt;" tokens become the characters their bytes spell, or one U+FFFD per byte when they are not UTF-8.</summary>
    public sealed record ByteFallbackDecoder : Decoder
    {
        private static readonly UTF8Encoding strict = new(false, throwOnInvalidBytes: true);

        public override List<string> Chain(List<string> tokens)
        {
            var output = new List<string>(tokens.Count);
            var bytes = new List<byte>();
            foreach (string token in tokens)
            {
                if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                    && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b))
                {
                    bytes.Add(b);
                    continue;
                }
                Flush(bytes, output);
                output.Add(token);
            }
            Flush(bytes, output);
            return output;
        }

        private static void Flush(List<byte> bytes, List<string> output)
        {
            if (bytes.Count == 0)
                return;
            try
            {
                output.Add(strict.GetString(bytes.ToArray()));
            }
            catch (DecoderFallbackException)
            {
                output.AddRange(Enumerable.Repeat("\uFFFD", bytes.Count));
            }
            bytes.Clear();
        }
    }

    public sealed record FuseDecoder : Decoder
    {
        public override List<string> Chain(List<string> tokens) => [string.Concat(tokens)];
    }

    /// <summary>Removes up to <paramref name="Start"/> leading and <paramref name="Stop"/> trailing <paramref name="Content"/> characters from each token.</summary>
    public sealed record StripDecoder(char Content, int Start, int Stop) : Decoder
    {
        public override List<string> Chain(List<string> tokens) => [.. tokens.Select(Strip)];

        private string Strip(string token)
        {
            int from = 0, to = token.Length;
            while (from < to && from < Start && token[from] == Content)
                from++;
            while (to > from && token.Length - to < Stop && token[to - 1] == Content)
                to--;
            return token[from..to];
        }
    }

    public sealed record ReplaceDecoder(string Pattern, string Content) : Decoder
    {
        public override List<string> Chain(List<string> tokens) => [.. tokens.Select(t => t.Replace(Pattern, Content, StringComparison.Ordinal))];
    }

    /// <summary>WordPiece: a space before each token but continuations, whose prefix goes; then cleanup_tokenization_spaces.</summary>
    public sealed record WordPieceDecoder(string Prefix, bool Cleanup) : Decoder
    {
        public override List<string> Chain(List<string> tokens)
        {
            var output = new List<string>(tokens.Count);
            for (int i = 0; i < tokens.Count; i++)
            {
                string token = tokens[i];
                if (i > 0)
                    token = token.StartsWith(Prefix, StringComparison.Ordinal) ? token[Prefix.Length..] : " " + token;
                output.Add(Cleanup ? CleanUp(token) : token);
            }
            return output;
        }

        // tokenizers' decoders/wordpiece.rs cleanup
        private static string CleanUp(string s) => s.Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",")
            .Replace(" ' ", "'").Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" do not", " don't")
            .Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re");
    }

    public sealed record SequenceDecoder(Decoder[] Decoders) : Decoder
    {
        public override List<string> Chain(List<string> tokens)
        {
            foreach (var decoder in Decoders)
                tokens = decoder.Chain(tokens);
            return tokens;
        }
    }

    /// <summary>No decoder: tokenizers joins the tokens with spaces.</summary>
    public sealed record NoDecoder : Decoder
    {
        public override List<string> Chain(List<string> tokens) => [string.Join(' ', tokens)];
    }
}
