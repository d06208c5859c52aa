using Kefu.Data;
using Kefu.Nlu;

namespace Kefu.Tests.Data;

public class TextCleanerTests
{
    [Theory]
    [InlineData("<b>查订单</b>", "查订单", TextCleaner.HtmlTag)]
    [InlineData("第一行<br/>第二行", "第一行 第二行", TextCleaner.HtmlTag)]
    [InlineData("a &lt;b&gt; &amp; c", "a <b> & c", TextCleaner.HtmlEntity)]
    [InlineData("&#21457;&#x8D27;", "发货", TextCleaner.HtmlEntity)]
    [InlineData("退货&nbsp;&nbsp;流程", "退货 流程", TextCleaner.HtmlEntity)]
    [InlineData("查订单\u200B状态\uFEFF", "查订单状态", TextCleaner.Invisible)]
    [InlineData("a\tb\r\nc", "a b c", TextCleaner.Invisible)]
    [InlineData("ＩＰＨＯＮＥ１５", "IPHONE15", TextCleaner.FullWidth)]
    [InlineData("１２：３０", "12:30", TextCleaner.FullWidth)]
    [InlineData("你好\u3000世界", "你好 世界", TextCleaner.FullWidth)]
    [InlineData("  too   many    spaces ", "too many spaces", TextCleaner.Whitespace)]
    public void Each_pass_does_its_one_thing(string text, string cleaned, string change)
    {
        var result = TextCleaner.Clean(text);
        Assert.Equal(cleaned, result.Text);
        Assert.Contains(change, result.Changes);
    }

    [Theory]
    [InlineData("你好！")]            // Chinese punctuation next to Chinese text stays
    [InlineData("订单号：")]
    [InlineData("（请问）")]
    [InlineData("👨\u200D👩\u200D👧")]  // ZWJ joins an emoji sequence
    [InlineData("a < b > c")]          // not a tag
    [InlineData("AT&T rocks")]         // not an entity
    public void Text_that_is_already_clean_is_left_alone(string text)
    {
        var result = TextCleaner.Clean(text);
        Assert.Equal(text, result.Text);
        Assert.Empty(result.Changes);
    }

    [Fact]
    public void Entity_offsets_follow_their_words()
    {
        // "  <b>订单</b>&nbsp;[ＤＤ１２３](order_id)  查询" with the synonym value kept
        string text = "  <b>订单</b>&nbsp;ＤＤ１２３ 从 北京 查询";
        int id = text.IndexOf('Ｄ'), city = text.IndexOf('北');
        var example = new NluExample(text, "check", [new EntitySpan(id, id + 5, "order_id", "ＤＤ１２３"), new EntitySpan(city, city + 2, "city", "北京市")]);
        var result = TextCleaner.Clean(example);
        Assert.Equal("订单 DD123 从 北京 查询", result.Text);
        var order = result.Entities[0];
        Assert.Equal("DD123", result.Text[order.Start..order.End]);
        Assert.Equal("DD123", order.Value);          // the value was the text: it follows the text
        var place = result.Entities[1];
        Assert.Equal("北京", result.Text[place.Start..place.End]);
        Assert.Equal("北京市", place.Value);          // a synonym value stays
        Assert.Contains(result.EntityNotes, n => n.Contains("DD123"));
    }

    [Fact]
    public void An_entity_whose_text_disappears_is_dropped_and_named()
    {
        var result = TextCleaner.Clean(new NluExample("看 &nbsp; 这里", "x", [new EntitySpan(2, 8, "thing", "&nbsp;")]));
        Assert.Equal("看 这里", result.Text);
        Assert.Empty(result.Entities);
        Assert.Contains(result.EntityNotes, n => n.Contains("dropped"));
    }

    [Theory]
    [InlineData("退货，怎么弄？", "退货怎么弄")]
    [InlineData("Where is MY order?", "where is my order")]
    public void Near_keys_ignore_case_spaces_and_punctuation(string a, string b) =>
        Assert.Equal(TextCleaner.NearKey(a), TextCleaner.NearKey(b));
}
