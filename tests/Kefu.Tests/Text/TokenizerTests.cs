using Kefu.Text;

namespace Kefu.Tests.Text;

public class TokenizerTests
{
    static void AssertOffsetsCover(string text, IReadOnlyList<Token> tokens)
    {
        foreach (var t in tokens)
        {
            Assert.InRange(t.Start, 0, text.Length);
            Assert.InRange(t.End, t.Start + 1, text.Length);
        }
    }

    [Fact]
    public void Chinese_characters_are_one_token_each_with_offsets()
    {
        const string text = "我要退货，订单123";
        var tokens = Tokenizer.Tokenize(text);
        Assert.Equal(["我", "要", "退", "货", ",", "订", "单", "123"], tokens.Select(t => t.Text)); // NFKC: "，" -> ","
        Assert.Equal(TokenKind.Cjk, tokens[0].Kind);
        Assert.Equal(TokenKind.Number, tokens[^1].Kind);
        Assert.Equal((7, 10), (tokens[^1].Start, tokens[^1].End));
        foreach (var t in tokens.Where(t => t.Kind == TokenKind.Cjk))
            Assert.Equal(t.Text, text[t.Start..t.End]);
    }

    [Fact]
    public void Emoji_zwj_sequences_and_modifiers_stay_whole()
    {
        const string family = "👨\u200D👩\u200D👧";
        const string thumbs = "👍🏽";
        string text = $"hi{family}ok {thumbs}!";
        var tokens = Tokenizer.Tokenize(text);
        Assert.Equal(["hi", family, "ok", thumbs, "!"], tokens.Select(t => t.Text));
        Assert.Equal(TokenKind.Emoji, tokens[1].Kind);
        Assert.Equal(family, text[tokens[1].Start..tokens[1].End]);
        Assert.Equal(thumbs, text[tokens[3].Start..tokens[3].End]);
        AssertOffsetsCover(text, tokens);
    }

    [Fact]
    public void Combining_marks_compose_and_map_to_the_whole_cluster()
    {
        const string text = "Cafe\u0301 ok";
        var tokens = Tokenizer.Tokenize(text);
        Assert.Equal(["café", "ok"], tokens.Select(t => t.Text));
        Assert.Equal((0, 5), (tokens[0].Start, tokens[0].End));
        Assert.Equal((6, 8), (tokens[1].Start, tokens[1].End));
    }

    [Fact]
    public void Full_width_text_folds_to_half_width_lower_case_with_original_offsets()
    {
        const string text = "ＡＢＣ１２３　退款ｉｓ ＯＫ";
        var tokens = Tokenizer.Tokenize(text);
        Assert.Equal(["abc123", "退", "款", "is", "ok"], tokens.Select(t => t.Text));
        Assert.Equal((0, 6), (tokens[0].Start, tokens[0].End));
        Assert.Equal(TokenKind.Word, tokens[0].Kind);
        Assert.Equal("ＯＫ", text[tokens[4].Start..tokens[4].End]);
        Assert.Equal("abc123 退款is ok", Tokenizer.Normalize(text));
    }

    [Fact]
    public void English_words_numbers_and_punctuation()
    {
        const string text = "I don't have $3.50, card #A12-x";
        var tokens = Tokenizer.Tokenize(text);
        Assert.Equal(["i", "don't", "have", "$", "3.50", ",", "card", "#", "a12", "-", "x"], tokens.Select(t => t.Text));
        Assert.Equal(TokenKind.Number, tokens[4].Kind);
        foreach (var t in tokens)
            Assert.Equal(t.Text, text[t.Start..t.End].ToLowerInvariant());
    }

    [Fact]
    public void Mixed_scripts_and_surrogate_pairs_keep_offsets()
    {
        const string text = "Order𠀀号码 iPhone15很好😀";
        var tokens = Tokenizer.Tokenize(text);
        Assert.Equal(["order", "𠀀", "号", "码", "iphone15", "很", "好", "😀"], tokens.Select(t => t.Text));
        Assert.Equal((5, 7), (tokens[1].Start, tokens[1].End));
        Assert.Equal("😀", text[tokens[^1].Start..tokens[^1].End]);
    }

    [Fact]
    public void Ligatures_and_circled_digits_fold_like_nfkc()
    {
        Assert.Equal("file 1 2", Tokenizer.Normalize("ﬁle ① ２"));
        Assert.Equal("straße σ", Tokenizer.Normalize("STRAẞE Σ"));
    }

    [Fact]
    public void Flags_keycaps_and_expanding_ligatures_keep_original_offsets()
    {
        const string text = "🇨🇳1\uFE0F\u20E3 ﬁne";
        var tokens = Tokenizer.Tokenize(text);
        Assert.Equal(["🇨🇳", "1\uFE0F\u20E3", "fine"], tokens.Select(t => t.Text));
        Assert.Equal([TokenKind.Emoji, TokenKind.Emoji, TokenKind.Word], tokens.Select(t => t.Kind));
        Assert.Equal((4, 7), (tokens[1].Start, tokens[1].End));
        Assert.Equal("ﬁne", text[tokens[2].Start..tokens[2].End]);
    }
}
