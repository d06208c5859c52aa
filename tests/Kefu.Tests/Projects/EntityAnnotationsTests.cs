using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Tests.Projects;

public class EntityAnnotationsTests
{
    [Fact]
    public void Markdown_annotation_gives_clean_text_and_offsets_in_chinese()
    {
        var parsed = EntityAnnotations.Parse("我的订单号是[DD20240101](order_id)");
        Assert.Empty(parsed.Problems);
        Assert.Equal("我的订单号是DD20240101", parsed.Text);
        var span = Assert.Single(parsed.Entities);
        Assert.Equal(new EntitySpan(6, 16, "order_id", "DD20240101"), span);
        Assert.Equal("DD20240101", parsed.Text[span.Start..span.End]);
    }

    [Fact]
    public void Legacy_value_form_sets_the_value()
    {
        var parsed = EntityAnnotations.Parse("fly to [NYC](city:New York) now");
        Assert.Equal("fly to NYC now", parsed.Text);
        Assert.Equal(new EntitySpan(7, 10, "city", "New York"), Assert.Single(parsed.Entities));
    }

    [Fact]
    public void Json_annotation_carries_role_group_and_value()
    {
        var parsed = EntityAnnotations.Parse("""从[北京]{"entity": "city", "role": "from", "group": "1", "value": "北京市"}到[上海]{"entity": "city", "role": "to"}""");
        Assert.Empty(parsed.Problems);
        Assert.Equal("从北京到上海", parsed.Text);
        Assert.Equal(
            [new EntitySpan(1, 3, "city", "北京市", "from", "1"), new EntitySpan(4, 6, "city", "上海", "to")],
            parsed.Entities);
    }

    [Fact]
    public void List_annotation_puts_several_entities_on_one_text()
    {
        var parsed = EntityAnnotations.Parse("""买[苹果][{"entity": "product"}, {"entity": "brand", "value": "Apple"}]""");
        Assert.Empty(parsed.Problems);
        Assert.Equal("买苹果", parsed.Text);
        Assert.Equal([new EntitySpan(1, 3, "product", "苹果"), new EntitySpan(1, 3, "brand", "Apple")], parsed.Entities);
    }

    [Fact]
    public void Brackets_without_annotation_stay_plain_text()
    {
        var parsed = EntityAnnotations.Parse("收到了[微笑] 谢谢 [订单](order_id)");
        Assert.Empty(parsed.Problems);
        Assert.Equal("收到了[微笑] 谢谢 订单", parsed.Text);
        Assert.Equal(new EntitySpan(11, 13, "order_id", "订单"), Assert.Single(parsed.Entities));
    }

    [Fact]
    public void Emoji_before_an_entity_counts_as_two_utf16_units()
    {
        var parsed = EntityAnnotations.Parse("😀[DD1](order_id)");
        Assert.Equal(new EntitySpan(2, 5, "order_id", "DD1"), Assert.Single(parsed.Entities));
    }

    [Theory]
    [InlineData("查[订单(order_id)", 1, "'[' is never closed")]
    [InlineData("订单]号", 2, "']' has no matching '['")]
    [InlineData("查[订[单](order_id)", 1, "cannot nest")]
    [InlineData("查[订单](order_id", 5, "never closed with ')'")]
    [InlineData("查[订单]{\"entity\": \"x\"", 5, "never closed with '}'")]
    [InlineData("查[订单]{\"entity\": order_id}", 5, "annotation JSON is invalid")]
    [InlineData("查[订单]{\"role\": \"to\"}", 5, "no \"entity\"")]
    [InlineData("查[订单](:DD1)", 5, "names no entity")]
    [InlineData("查[ ](order_id)", 1, "covers no text")]
    public void Bad_annotations_are_errors_at_their_offset(string text, int offset, string message)
    {
        var problem = Assert.Single(EntityAnnotations.Parse(text).Problems, p => p.Severity == Severity.Error);
        Assert.Equal(offset, problem.Offset);
        Assert.Contains(message, problem.Message);
    }

    [Fact]
    public void Spaces_inside_the_entity_text_are_a_warning()
    {
        var parsed = EntityAnnotations.Parse("去[ 北京](city)");
        Assert.False(parsed.HasErrors);
        Assert.Contains("spaces", Assert.Single(parsed.Problems).Message);
    }
}
