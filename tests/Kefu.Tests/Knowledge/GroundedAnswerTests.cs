using Kefu.Knowledge;

namespace Kefu.Tests.Knowledge;

public class GroundedAnswerTests
{
    [Fact]
    public void The_context_budget_keeps_passages_in_rank_order_and_cuts_the_one_that_crosses_it()
    {
        RetrievedPassage P(string id, int length) => new(id, "faq.yml", id, new string('x', length), 1, 1, null);
        var kept = GroundedAnswerAction.Budget([P("a", 30), P("b", 50), P("c", 40)], 60);
        Assert.Equal(["a", "b"], kept.Select(p => p.Id));
        Assert.Equal([30, 30], kept.Select(p => p.Text.Length));
        Assert.Empty(GroundedAnswerAction.Budget([P("a", 30)], 0));
    }
}
