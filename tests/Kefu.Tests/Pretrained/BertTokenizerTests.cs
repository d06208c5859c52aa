using Kefu.Text.WordPiece;

namespace Kefu.Tests.Pretrained;

/// <summary>Hugging Face BertTokenizer behaviour on a small vocabulary, and the Unicode normalization it rests on.</summary>
public sealed class BertTokenizerTests
{
    private static readonly string[] Tokens =
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "want", "##ed", "run", "##ning", ",", "!", "cafe", "我", "的", "a", "##a"];

    private static BertTokenizer Tokenizer(BertTokenizerOptions? options = null) =>
        new(new WordPieceVocabulary(Tokens), options ?? new BertTokenizerOptions());

    [Fact]
    public void WordPiece_takes_the_longest_piece_first_and_marks_continuations()
    {
        Assert.Equal(["un", "##aff", "##able", ",", "want", "##ed", "run", "##ning"], Tokenizer().Tokenize("UNaffable, wanted running"));
    }

    [Fact]
    public void A_word_with_an_unmatched_part_becomes_one_unknown_token()
    {
        Assert.Equal(["[UNK]", "run"], Tokenizer().Tokenize("unwanted run"));
    }

    [Fact]
    public void Words_over_a_hundred_characters_are_unknown()
    {
        Assert.Equal(["a", "##a", "##a"], Tokenizer().Tokenize(new string('a', 3)));
        Assert.Equal(["[UNK]"], Tokenizer().Tokenize(new string('a', 101)));
        Assert.Equal(100, Tokenizer().Tokenize(new string('a', 100)).Count);
    }

    [Fact]
    public void Chinese_characters_and_punctuation_split_and_accents_are_stripped()
    {
        Assert.Equal(["cafe", "!", "我", "的", "[UNK]"], Tokenizer().Tokenize("CAFÉ!我的\u200b 猫"));
    }

    [Fact]
    public void Accents_stay_when_strip_accents_is_false()
    {
        var tokenizer = Tokenizer(new BertTokenizerOptions(StripAccents: false));
        Assert.Equal(["[UNK]"], tokenizer.Tokenize("café"));
    }

    [Fact]
    public void Special_tokens_written_in_the_text_are_kept_whole()
    {
        Assert.Equal(["want", "[MASK]", "run"], Tokenizer().Tokenize("want[MASK]run"));
        Assert.Equal([2, 4, 3], Tokenizer().Encode("[MASK]", 32));
    }

    [Fact]
    public void Encoding_truncates_to_the_max_length_and_pads_the_batch()
    {
        var tokenizer = Tokenizer();
        Assert.Equal([2, 10, 10, 3], tokenizer.Encode("run run run run", 4));
        var batch = tokenizer.EncodeBatch(["run", "run run run"], 32);
        Assert.Equal((2, 5), (batch.Batch, batch.Time));
        Assert.Equal([2, 10, 3, 0, 0, 2, 10, 10, 10, 3], batch.InputIds);
        Assert.Equal([1f, 1f, 1f, 0f, 0f, 1f, 1f, 1f, 1f, 1f], batch.AttentionMask);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Encode("run", 1));
    }

    [Fact]
    public void A_vocabulary_without_the_special_tokens_is_rejected_by_name()
    {
        var error = Assert.Throws<InvalidDataException>(() => new BertTokenizer(new WordPieceVocabulary(["[PAD]", "a"]), new BertTokenizerOptions()));
        Assert.Contains("[UNK]", error.Message);
    }

    [Fact]
    public void Vocabulary_files_with_windows_line_endings_give_the_same_ids()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "[PAD]\r\n[UNK]\r\n\r\nrun\r\n");
            var vocabulary = WordPieceVocabulary.Load(path);
            Assert.Equal(4, vocabulary.Count);
            Assert.True(vocabulary.TryGetId("run", out int id));
            Assert.Equal(3, id);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // expected code points from Python's unicodedata.normalize
    [Theory]
    [InlineData("Ḉafé", "0043 0327 0301 0061 0066 0065 0301", "1E08 0061 0066 00E9")]
    [InlineData("한국어", "1112 1161 11AB 1100 116E 11A8 110B 1165", "D55C AD6D C5B4")]
    [InlineData("a\u0301\u0328", "0061 0328 0301", "0105 0301")]
    [InlineData("\uF900", "8C48", "8C48")]
    [InlineData("Ångström", "0041 030A 006E 0067 0073 0074 0072 006F 0308 006D", "00C5 006E 0067 0073 0074 0072 00F6 006D")]
    public void Normalization_matches_python_unicodedata(string text, string nfd, string nfc)
    {
        static string CodePoints(string s) => string.Join(" ", s.EnumerateRunes().Select(r => r.Value.ToString("X4")));
        Assert.Equal(nfd, CodePoints(UnicodeNormalization.Nfd(text)));
        Assert.Equal(nfc, CodePoints(UnicodeNormalization.Nfc(text)));
    }

    // expected code points from Python's unicodedata.normalize
    [Theory]
    [InlineData("ﬁne", "0066 0069 006E 0065", "0066 0069 006E 0065")]
    [InlineData("Ａ①㎏", "0041 0031 006B 0067", "0041 0031 006B 0067")]
    [InlineData("\u1E9B\u0323", "0073 0323 0307", "1E69")]
    [InlineData("ｶﾞ", "30AB 3099", "30AC")]
    [InlineData("½", "0031 2044 0032", "0031 2044 0032")]
    public void Compatibility_normalization_matches_python_unicodedata(string text, string nfkd, string nfkc)
    {
        static string CodePoints(string s) => string.Join(" ", s.EnumerateRunes().Select(r => r.Value.ToString("X4")));
        Assert.Equal(nfkd, CodePoints(UnicodeNormalization.Nfkd(text)));
        Assert.Equal(nfkc, CodePoints(UnicodeNormalization.Nfkc(text)));
    }

    [Fact]
    public void Added_tokens_from_the_options_keep_their_flags()
    {
        var tokenizer = Tokenizer(new BertTokenizerOptions(AddedTokens: [new AddedToken("[MASK]", 4, LeftStrip: true, RightStrip: true)]));
        var encoding = tokenizer.EncodeWithOffsets("want [MASK] run", 32);
        Assert.Equal([2, 8, 4, 10, 3], encoding.InputIds);
        Assert.Equal([new(0, 0), new(0, 4), new(4, 12), new(12, 15), new(0, 0)], encoding.Offsets);
    }

    [Fact]
    public void A_cased_vocabulary_keeps_case_and_accents()
    {
        var tokenizer = new BertTokenizer(new WordPieceVocabulary([.. Tokens, "Café", "İ"]), new BertTokenizerOptions(LowerCase: false));
        Assert.Equal(["Café", "İ"], tokenizer.Tokenize("Café İ"));
        Assert.Equal("café i\u0307", Tokenizer(new BertTokenizerOptions(StripAccents: false)).Normalize("Café İ"));
    }
}
