using Kefu.Dialogue;

namespace Kefu.Tests.Dialogue;

/// <summary>Button payloads parsed as Rasa's RegexMessageHandler parses them.</summary>
public class IntentPayloadTests
{
    [Theory]
    [InlineData("/greet", "greet", 1f, "")]
    [InlineData("  /greet  ", "greet", 1f, "")]
    [InlineData("/greet@0.4", "greet", 0.4f, "")]
    [InlineData("""/inform{"order_id": "DD1", "city": ["上海", "北京"]}""", "inform", 1f, "order_id=DD1 city=上海 city=北京")]
    // Rasa keeps what comes before the stray characters after the JSON (a typo seen in real domains) and ignores the rest.
    [InlineData("""/inform{"search_type":"deposit"}'""", "inform", 1f, "search_type=deposit")]
    [InlineData("""/inform@0.8{"n": 2}""", "inform", 0.8f, "n=2")]
    [InlineData("/greet@high", "greet", 1f, "")]
    public void Payloads_name_the_intent_and_entities(string text, string intent, float confidence, string entities)
    {
        var parse = IntentPayload.TryParse(text);
        Assert.NotNull(parse);
        Assert.Equal(intent, parse.Intent.Name);
        Assert.Equal(confidence, parse.Intent.Confidence);
        Assert.Equal(entities, string.Join(' ', parse.Entities.Select(e => $"{e.Entity}={e.Value}")));
    }

    [Theory]
    [InlineData("greet")]
    [InlineData("/")]
    [InlineData("/two words")]
    [InlineData("""/inform{"order_id": }""")]
    [InlineData("/inform[1, 2]")]
    public void Other_texts_go_to_the_nlu(string text) => Assert.Null(IntentPayload.TryParse(text));
}
