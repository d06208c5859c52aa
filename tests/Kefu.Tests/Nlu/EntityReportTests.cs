using Kefu.Nlu;
using Kefu.Nlu.Evaluation;

namespace Kefu.Tests.Nlu;

/// <summary>Rasa's token-level entity evaluation: each token gets the type of the entity covering most of it, or no_entity.</summary>
public class EntityReportTests
{
    static EntityResult Result(string text, EntitySpan[] gold, EntitySpan[] predicted) => new(text, gold, predicted, EntityReport.Tokens(text));

    [Fact]
    public void A_partly_found_entity_scores_per_token()
    {
        const string text = "I want to fly to New York tomorrow.";
        var result = Result(text, [new EntitySpan(17, 25, "city", "New York")],
            [new EntitySpan(21, 25, "city", "York"), new EntitySpan(26, 34, "time", "tomorrow")]);
        Assert.Equal(8, result.Tokens.Count); // the full stop is not a token, as with Rasa's WhitespaceTokenizer

        var report = EntityReport.Compute("CRFEntityExtractor", [result, Result("hello", [], [])]);
        var c = report.Report;
        Assert.Equal(["city"], c.Labels);                       // gold types only; "time" was only predicted
        Assert.Equal(new LabelScores(1, 0.5, 2 / 3.0, 2), c.PerLabel["city"]);
        Assert.Null(c.Accuracy);
        Assert.Equal(new LabelScores(1, 0.5, 2 / 3.0, 2), c.MicroAvg);
        var error = Assert.Single(report.Errors);
        Assert.Equal(text, error.Text);
    }

    [Fact]
    public void Chinese_characters_are_tokens_and_a_wrong_type_is_a_confusion()
    {
        var result = Result("我要去上海", [new EntitySpan(3, 5, "city", "上海")], [new EntitySpan(3, 5, "person", "上海")]);
        Assert.Equal(5, result.Tokens.Count);
        var c = EntityReport.Compute("DIETClassifier", [result]).Report;
        Assert.Equal(new LabelScores(0, 0, 0, 2), c.PerLabel["city"]);
        Assert.Equal(new Dictionary<string, int> { ["person"] = 2 }, c.ConfusedWith["city"]);
    }

    [Fact]
    public void The_entity_covering_most_of_a_token_labels_it()
    {
        var token = new Kefu.Text.Token("newyork", 0, 7, Kefu.Text.TokenKind.Word);
        Assert.Equal("b", EntityReport.TokenLabel(token, [new EntitySpan(0, 2, "a", "ne"), new EntitySpan(2, 7, "b", "wyork")]));
        Assert.Equal(EntityReport.NoEntity, EntityReport.TokenLabel(token, [new EntitySpan(8, 9, "a", "x")]));
    }
}
