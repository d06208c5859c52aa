using Kefu.Text;

namespace Kefu.Nlu.Features;

/// <summary>
/// Emits 64-bit hashed keys for the sparse n-gram features of an analyzed text. The lowest bit of a key is
/// its block (0 word n-grams, 1 character n-grams) so each block can be weighted and L2-normalized apart.
/// FNV-1a over UTF-16 chars with a distinct seed per feature kind; 64 bits make collisions negligible.
/// <paramref name="CharBlockWeight"/>: the L2 norm of the character block relative to the word block's 1, which
/// is how much the classifier leans on sub-word evidence (typos, morphology) against whole words.
/// <paramref name="NumberShapes"/>: a token with digits also emits its shape (spaCy's token.shape_: "DD20241115077"
/// → "XXdddd", "556677" → "dddd"), so order numbers, amounts and dates generalize past the digits seen in training.
/// <paramref name="ChineseWords"/>: Jieba's words of two or more characters (<see cref="Text.ChineseWords"/>; Rasa's
/// JiebaTokenizer) are word features beside the CJK character n-grams; <paramref name="UserWords"/> join Jieba's
/// dictionary first (Rasa's dictionary_path), and are kept with the model.
/// <paramref name="ContextWeight"/>: the norm of the context block (the bot's previous message; <see cref="SparseVectorizer"/>)
/// against the message's word block's 1; 0: no context features.
/// </summary>
public sealed record SparseFeatureConfig(
    bool WordBigrams = true,
    bool WordTrigrams = true,
    float CharBlockWeight = 1.4f,
    int CharNgramMin = 2,
    int CharNgramMax = 5,
    int CjkNgramMax = 3,
    bool SublinearTf = true,
    bool UseIdf = true,
    int MinDocumentFrequency = 2,
    bool NumberShapes = true,
    bool ChineseWords = false,
    IReadOnlyList<string>? UserWords = null,
    float ContextWeight = 0f);

internal static class FeatureHashing
{
    const ulong Prime = 1099511628211UL;
    const ulong WordSeed = 14695981039346656037UL;
    const ulong BigramSeed = 0x9E3779B97F4A7C15UL;
    const ulong TrigramSeed = 0xD6E8FEB86659FD93UL;
    const ulong CharSeed = 0xC2B2AE3D27D4EB4FUL;
    const ulong CjkSeed = 0x165667B19E3779F9UL;
    const ulong ShapeSeed = 0x27D4EB2F165667C5UL;
    const ulong PatternSeed = 0x85EBCA77C2B2AE63UL;
    const ulong ChineseWordSeed = 0x7FB5D329728EA185UL;
    const ulong PlaceholderWord = 0x94D049BB133111EBUL;
    const ulong ContextSeed = 0x5851F42D4C957F2DUL;
    const char Boundary = '\u0001';

    public static ulong Hash(ReadOnlySpan<char> chars, ulong seed)
    {
        ulong h = seed;
        foreach (char c in chars) h = (h ^ c) * Prime;
        return h;
    }

    static ulong Mix(ulong h)
    {
        h ^= h >> 33; h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33; h *= 0xC4CEB9FE1A85EC53UL;
        return h ^ (h >> 33);
    }

    static ulong WordKey(ulong h) => Mix(h) & ~1UL;
    static ulong CharKey(ulong h) => Mix(h) | 1UL;

    public static bool IsCharBlock(ulong key) => (key & 1UL) != 0;

    /// <summary>A key of the context text: re-mixed with its own seed, so it never equals a key of the message.</summary>
    public static ulong ContextKey(ulong key) => Mix(key ^ ContextSeed);

    /// <summary>
    /// Appends the feature keys of <paramref name="analyzer"/>'s current text to <paramref name="keys"/>. A token
    /// whose first character is <paramref name="masked"/> (inside a regex or lookup match; empty: none) is the
    /// placeholder word: it joins word n-grams but has no characters, shape or CJK n-grams of its own.
    /// </summary>
    public static void EmitKeys(TextAnalyzer analyzer, SparseFeatureConfig config, List<ulong> keys, ReadOnlySpan<bool> masked)
    {
        var tokens = analyzer.Tokens;
        ulong previousWord = 0, wordBeforePrevious = 0;
        int wordRun = 0; // words since the last punctuation

        int cjkRun = 0;
        Span<ulong> cjkHashes = stackalloc ulong[3];
        for (int t = 0; t < tokens.Length; t++)
        {
            var token = tokens[t];
            if (token.Kind is TokenKind.Punctuation or TokenKind.Symbol)
            {
                wordRun = 0;
                cjkRun = 0;
                continue;
            }
            var text = analyzer.TokenText(token);
            bool placeholder = !masked.IsEmpty && masked[token.Start];
            if (placeholder && t > 0 && masked[tokens[t - 1].Start] && tokens[t - 1].End == token.Start)
                continue; // one placeholder per match, however many tokens it spans
            ulong word = placeholder ? PlaceholderWord : Hash(text, WordSeed);
            keys.Add(WordKey(word));
            if (config.WordBigrams && wordRun >= 1)
                keys.Add(WordKey((previousWord * 31 + word) ^ BigramSeed));
            if (config.WordTrigrams && wordRun >= 2)
                keys.Add(WordKey(((wordBeforePrevious * 31 + previousWord) * 31 + word) ^ TrigramSeed));
            wordBeforePrevious = previousWord;
            previousWord = word;
            wordRun++;
            if (placeholder)
            {
                cjkRun = 0;
                continue;
            }

            if (token.Kind == TokenKind.Cjk)
            {
                // CJK n-grams 1..CjkNgramMax over consecutive CJK characters
                cjkHashes[cjkRun % 3] = Hash(text, CjkSeed);
                cjkRun++;
                ulong h = CjkSeed;
                for (int n = 1; n <= Math.Min(Math.Min(cjkRun, config.CjkNgramMax), 3); n++)
                {
                    h = h * Prime ^ cjkHashes[(cjkRun - n) % 3];
                    keys.Add(CharKey(h + (ulong)n));
                }
                continue;
            }
            cjkRun = 0;
            if (token.Kind is TokenKind.Word or TokenKind.Number)
            {
                EmitCharNgrams(text, config.CharNgramMin, config.CharNgramMax, keys);
                if (config.NumberShapes && text.ContainsAnyInRange('0', '9'))
                    keys.Add(WordKey(ShapeHash(text)));
            }
        }
    }

    /// <summary>
    /// Hash of the token's shape: digits → d, ASCII capitals → X, other letters → x, anything else as it is;
    /// a run of one class longer than four counts as four (spaCy's rule).
    /// </summary>
    static ulong ShapeHash(ReadOnlySpan<char> token)
    {
        ulong h = ShapeSeed;
        char previous = '\0';
        int run = 0;
        foreach (char c in token)
        {
            char shape = char.IsAsciiDigit(c) ? 'd' : char.IsAsciiLetterUpper(c) ? 'X' : char.IsLetter(c) ? 'x' : c;
            run = shape == previous ? run + 1 : 1;
            previous = shape;
            if (run <= 4) h = (h ^ shape) * Prime;
        }
        return h;
    }

    /// <summary>The key of a Jieba word (a word-block feature of its own kind).</summary>
    public static ulong ChineseWordKey(ReadOnlySpan<char> word) => WordKey(Hash(word, ChineseWordSeed));

    /// <summary>The key of "a regex or lookup table named <paramref name="name"/> matches this text" (Rasa's RegexFeaturizer).</summary>
    public static ulong PatternKey(string name) => WordKey(Hash(name, PatternSeed));

    /// <summary>Character n-grams of "⟨word⟩" with boundary marks, like scikit-learn's char_wb analyzer.</summary>
    static void EmitCharNgrams(ReadOnlySpan<char> word, int min, int max, List<ulong> keys)
    {
        int length = word.Length + 2;
        for (int start = 0; start < length; start++)
        {
            ulong h = CharSeed;
            for (int n = 1; n <= max && start + n <= length; n++)
            {
                int p = start + n - 1;
                char c = p == 0 || p == length - 1 ? Boundary : word[p - 1];
                h = (h ^ c) * Prime;
                if (n >= min) keys.Add(CharKey(h));
            }
        }
    }
}
