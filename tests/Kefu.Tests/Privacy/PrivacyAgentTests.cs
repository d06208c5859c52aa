using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Privacy;
using Kefu.Tests.Dialogue;

namespace Kefu.Tests.Privacy;

/// <summary>
/// The engine stores (and keeps in memory past the turn) only redacted events, while the running turn sees the original
/// text: TinyShop's return form takes an order id (kept unredacted in its slot) and a reason, and its submit action
/// echoes both.
/// </summary>
public sealed class PrivacyAgentTests
{
    private const string Card = "6222020200112233446", Phone = "13812345678", Id = "440304199003071248";

    private static AgentOptions Keeping(params string[] slots) =>
        new() { Privacy = PrivacySettings.Default with { KeepSlots = new HashSet<string>(slots) } };

    private static async Task<string> StoredText(IEventStore store, string id) =>
        string.Join("\n", (await store.LoadAsync(id)).Select(e => e.Json));

    [Fact]
    public async Task Nothing_personal_is_stored_but_the_turn_and_a_kept_slot_have_it()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store, Keeping("order_id"));

        await agent.HandleMessageAsync("c1", "/return_refund");
        await agent.HandleMessageAsync("c1", $$"""/inform_order_id{"order_id":"{{Card}}"}""");
        var replies = await agent.HandleMessageAsync("c1", $$"""/inform_reason{"reason":"手机{{Phone}}打不通，身份证{{Id}}"}""");

        // The running turn saw the original text: the form filled both slots and the action echoed them.
        Assert.Contains($"退货已提交：{Card}，原因：手机{Phone}打不通，身份证{Id}", replies.Select(r => r.Text));
        var stored = await StoredText(store, "c1");
        Assert.DoesNotContain(Phone, stored);
        Assert.DoesNotContain(Id, stored);
        Assert.Contains("手机[phone]打不通，身份证[id_card]", stored);
        // The kept slot holds the card in its slot event, and nowhere else: the user's text and the bot's echo are masked.
        var withCard = (await store.LoadAsync("c1")).Where(e => e.Json.Contains(Card, StringComparison.Ordinal)).ToList();
        Assert.Equal("slot", Assert.Single(withCard).Type);
        Assert.Contains("退货已提交：[bank_card]", stored);
    }

    [Fact]
    public async Task A_ratings_comment_is_stored_masked_and_the_same_comment_again_is_no_second_rating()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store, new AgentOptions());
        await agent.HandleMessageAsync("c3", "/greet");

        Assert.Equal(FeedbackOutcome.Stored, await agent.RecordFeedbackAsync("c3", new Kefu.Dialogue.Tracking.ConversationRated(2, $"请打{Phone}回电")));
        Assert.Equal(FeedbackOutcome.Unchanged, await agent.RecordFeedbackAsync("c3", new Kefu.Dialogue.Tracking.ConversationRated(2, $"请打{Phone}回电")));

        var stored = await StoredText(store, "c3");
        Assert.DoesNotContain(Phone, stored);
        Assert.Contains("请打[phone]回电", stored);
    }

    [Fact]
    public async Task Memory_after_the_turn_holds_what_the_store_holds()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store, Keeping("order_id"));
        await agent.HandleMessageAsync("c2", "/return_refund");
        await agent.HandleMessageAsync("c2", $$"""/inform_order_id{"order_id":"{{Card}}"}""");

        var cached = (await agent.GetTrackerAsync("c2")).GetRawText();
        var replayed = (await TinyShop.Agent(store, Keeping("order_id")).GetTrackerAsync("c2")).GetRawText();

        Assert.Equal(Card, JsonDocument.Parse(cached).RootElement.GetProperty("slots").GetProperty("order_id").GetString());
        Assert.DoesNotContain(Card, JsonDocument.Parse(cached).RootElement.GetProperty("latest_message").GetRawText());
        Assert.Equal(replayed, cached);
    }

    [Fact]
    public async Task A_slot_not_kept_is_stored_masked_and_the_next_turn_sees_the_mask()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store);
        await agent.HandleMessageAsync("c3", "/return_refund");
        await agent.HandleMessageAsync("c3", $$"""/inform_order_id{"order_id":"{{Card}}"}""");

        Assert.DoesNotContain(Card, await StoredText(store, "c3"));
        var replies = await agent.HandleMessageAsync("c3", """/inform_reason{"reason":"坏了"}""");
        Assert.Contains("退货已提交：[bank_card]，原因：坏了", replies.Select(r => r.Text));
    }

    [Fact]
    public async Task Agent_messages_are_masked_too()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store);
        await agent.AgentMessageAsync("c4", "小王", $"已为您登记手机 {Phone}");
        Assert.Contains("已为您登记手机 [phone]", await StoredText(store, "c4"));
        Assert.DoesNotContain(Phone, await StoredText(store, "c4"));
    }

    [Fact]
    public async Task With_redaction_off_the_text_is_stored_as_given()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store, new AgentOptions { Privacy = PrivacySettings.Default with { Redactor = Redactor.Off } });
        await agent.HandleMessageAsync("c5", $$"""/inform_reason{"reason":"{{Phone}}"}""");
        Assert.Contains(Phone, await StoredText(store, "c5"));
    }

    [Fact]
    public async Task Erasing_removes_the_stored_events_and_the_memory_of_the_conversation()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store);
        new Chat(agent, "c6").Send("/return_refund").Expect("请提供您的订单号");

        await agent.EraseAsync("c6");
        await agent.EraseAsync("c6"); // again, and for an id never seen: no error
        await agent.EraseAsync("never-seen");

        Assert.Empty(await store.LoadAsync("c6"));
        Assert.Empty((await agent.GetTrackerAsync("c6")).GetProperty("events").EnumerateArray());
        // The form is gone with the rest: the next message starts a new conversation.
        new Chat(agent, "c6").Send("/greet").Expect("您好");
    }

}
