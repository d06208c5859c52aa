using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Generation.CausalLm;
using Kefu.Server.Storage;
using Kefu.Tests.Cli;

namespace Kefu.Tests.Generation;

/// <summary>(context, response) pairs from stored conversations, and `kefu generate finetune --train STORE.db`.</summary>
public sealed class ConversationPairsTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "kefu-conv-pairs-" + Guid.NewGuid().ToString("N"));

    public ConversationPairsTests() => Directory.CreateDirectory(folder);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    static StoredEvent[] Events(params DialogueEvent[] events) => [.. events.Select(RasaEventJson.ToStored)];

    static BotUttered Bot(string? text) => new(new BotMessage(text));

    // 0 session start, 1 user, 2 bot, 3 bot, 4 user (payload), 5 bot, 6 user, 7 bot (voted down), 8 down vote on 7,
    // 9 user, 10 bot (voted down then up), 11 down, 12 up, 13 pause, 14 user, 15 agent, 16 user (unanswered)
    static readonly StoredEvent[] Conversation = Events(
        new SessionStarted(),
        new UserUttered("你好", null), Bot("您好！"), Bot("请问有什么可以帮您？"),
        new UserUttered("/greet", null), Bot("您好！"),
        new UserUttered("运费怎么算", null), Bot("运费十元"), new MessageFeedback(7, Up: false),
        new UserUttered("能退货吗", null), Bot("七天内可以退货"), new MessageFeedback(10, Up: false), new MessageFeedback(10, Up: true),
        new ConversationPaused("handoff"),
        new UserUttered("我的手机号是 [phone]", null), new AgentUttered("小王", "已为您登记"),
        new UserUttered("谢谢", null));

    [Fact]
    public void Each_customer_message_pairs_with_the_bot_and_agent_texts_that_answered_it_leaving_out_voted_down_replies_and_payloads()
    {
        var pairs = ConversationPairs.Of("c1", Conversation).ToList();
        Assert.Equal(
        [
            ("你好", "您好！\n请问有什么可以帮您？", "conversation c1, event 1"),
            ("能退货吗", "七天内可以退货", "conversation c1, event 9"),
            ("我的手机号是 [phone]", "已为您登记", "conversation c1, event 14"),
        ], pairs.Select(p => (p.Context, Assert.Single(p.Responses), p.Source)));
    }

    [Fact]
    public async Task A_store_gives_each_pair_once_and_a_store_without_pairs_is_an_error()
    {
        var store = new InMemoryEventStore();
        await store.AppendAsync("a", Conversation);
        await store.AppendAsync("b", Conversation);
        Assert.Equal(3, (await ConversationPairs.ReadAsync(store, "mem")).Count);

        var empty = new InMemoryEventStore();
        await empty.AppendAsync("x", Events(new UserUttered("/greet", null), Bot("您好")));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ConversationPairs.ReadAsync(empty, "empty.db"));
        Assert.StartsWith("empty.db: its conversations give no", error.Message);
    }

    [CausalLmFixtureFact]
    public async Task Finetune_trains_on_the_conversations_of_a_sqlite_store()
    {
        string db = Path.Combine(folder, "conversations.db");
        using (var store = new SqliteEventStore(db))
        {
            await store.AppendAsync("c1", Conversation);
            await store.AppendAsync("c2", Events(new UserUttered("发票怎么开", null), Bot("在订单页申请电子发票")));
        }
        var (code, stdout, stderr) = await GenerateCommandTests.Run("finetune", "--model", CausalLmFixture.PathOf("tiny-gpt2"),
            "--train", db, "--out", Path.Combine(folder, "model"), "--epochs", "1", "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("on 4 pairs", stderr);
        using var result = JsonDocument.Parse(stdout);
        Assert.Equal(4, result.RootElement.GetProperty("n_train").GetInt32());

        (code, _, stderr) = await GenerateCommandTests.Run("finetune", "--model", CausalLmFixture.PathOf("tiny-gpt2"),
            "--train", Path.Combine(folder, "missing.db"), "--out", Path.Combine(folder, "m2"));
        Assert.Equal(1, code);
        Assert.Contains("missing.db: no such conversation database", stderr);
    }
}
