using Kefu.Dialogue;

namespace Kefu.Tests.Dialogue;

/// <summary>A conversation written as a transcript: Chat(agent).Send("我要退货").Expect("订单号").</summary>
public sealed class Chat(IChatService agent, string conversationId = "test-user")
{
    private IReadOnlyList<BotMessage> last = [];

    public IReadOnlyList<BotMessage> Replies => last;

    public Chat Send(string text)
    {
        last = agent.HandleMessageAsync(conversationId, text).GetAwaiter().GetResult();
        return this;
    }

    /// <summary>Some reply of the last turn contains each fragment, in order of the replies.</summary>
    public Chat Expect(params string[] fragments)
    {
        var texts = last.Select(m => m.Text ?? "").ToList();
        int at = 0;
        foreach (var fragment in fragments)
        {
            while (at < texts.Count && !texts[at].Contains(fragment, StringComparison.Ordinal)) at++;
            Assert.True(at < texts.Count, $"expected a reply containing \"{fragment}\"; the bot said: [{string.Join(" | ", texts)}]");
        }
        return this;
    }

    public Chat ExpectSilence()
    {
        Assert.True(last.Count == 0, $"expected no reply; the bot said: [{string.Join(" | ", last.Select(m => m.Text))}]");
        return this;
    }
}
