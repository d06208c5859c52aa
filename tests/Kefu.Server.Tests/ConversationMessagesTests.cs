using System.Net;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Server.Contracts;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests;

/// <summary>
/// POST /conversations/{id}/messages with sender "user": as Rasa's add_message, the message is logged on the
/// tracker (with its parse_data) and no turn runs; the next channel message continues from it.
/// </summary>
public class ConversationMessagesTests
{
    private static HttpContent UserMessage(string text, string? parseData = null) => Http.Json(
        $$"""{"sender":"user","text":{{JsonSerializer.Serialize(text)}}{{(parseData is null ? "" : ",\"parse_data\":" + parseData)}}}""");

    private static List<string> EventNames(JsonElement tracker) =>
        tracker.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetString() ?? "").ToList();

    [Fact]
    public async Task A_user_message_is_logged_with_its_parse_and_no_action_runs()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var response = await host.Client.PostAsync("/conversations/r1/messages", UserMessage("你好"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tracker = await response.ReadJsonAsync();
        // A new conversation starts its session first, as a webhook message would; then only the user event.
        Assert.Equal(["action", "session_started", "action", "user"], EventNames(tracker));
        var user = tracker.GetProperty("events").EnumerateArray().Last();
        Assert.Equal("你好", user.GetProperty("text").GetString());
        Assert.Equal("greet", user.GetProperty("parse_data").GetProperty("intent").GetProperty("name").GetString());
        Assert.Equal("greet", tracker.GetProperty("latest_message").GetProperty("intent").GetProperty("name").GetString());
        Assert.Equal(EventNames(tracker), (await host.Store.LoadAsync("r1")).Select(e => e.Type));
    }

    [Fact]
    public async Task The_next_webhook_message_continues_the_conversation()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);
        await host.Client.PostAsync("/conversations/r2/messages", UserMessage("你好"));

        var webhook = await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"r2","message":"再见"}"""));

        Assert.Equal(HttpStatusCode.OK, webhook.StatusCode);
        var reply = Assert.Single((await webhook.ReadJsonAsync()).EnumerateArray());
        Assert.Equal("再见！", reply.GetProperty("text").GetString());
        var tracker = await (await host.Client.GetAsync("/conversations/r2/tracker")).ReadJsonAsync();
        // One session: the webhook message follows the logged one and gets its turn.
        Assert.Equal(["action", "session_started", "action", "user", "user", "action", "bot", "action"], EventNames(tracker));
        Assert.Equal(["你好", "再见"], tracker.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("event").GetString() == "user").Select(e => e.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Given_parse_data_is_used_instead_of_the_nlu()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var response = await host.Client.PostAsync("/conversations/r3/messages", UserMessage("我在上海",
            """{"intent":{"name":"goodbye","confidence":0.75},"entities":[{"entity":"city","value":"上海","start":2,"end":4}],"text":"ignored"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var parse = (await response.ReadJsonAsync()).GetProperty("latest_message");
        Assert.Equal("goodbye", parse.GetProperty("intent").GetProperty("name").GetString());
        Assert.Equal(0.75, parse.GetProperty("intent").GetProperty("confidence").GetDouble(), 3);
        Assert.Equal("goodbye", Assert.Single(parse.GetProperty("intent_ranking").EnumerateArray()).GetProperty("name").GetString());
        var entity = Assert.Single(parse.GetProperty("entities").EnumerateArray());
        Assert.Equal("city", entity.GetProperty("entity").GetString());
        Assert.Equal("上海", entity.GetProperty("value").GetString());
        Assert.Equal(2, entity.GetProperty("start").GetInt32());
        Assert.Equal(4, entity.GetProperty("end").GetInt32());
        Assert.Equal("user", (await host.Store.LoadAsync("r3")).Last().Type);
    }

    [Fact]
    public async Task During_a_handoff_the_user_message_is_logged_and_the_bot_stays_paused()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);
        await host.Client.PostAsync("/conversations/r4/messages", Http.Json("""{"sender":"agent","agent":"小王","text":"您好，我是小王"}"""));

        var response = await host.Client.PostAsync("/conversations/r4/messages", UserMessage("你好"));

        var tracker = await response.ReadJsonAsync();
        Assert.True(tracker.GetProperty("paused").GetBoolean());
        Assert.Equal(["pause", "agent", "user"], EventNames(tracker)[^3..]);
    }

    [Theory]
    [InlineData("\"greet\"", "parse_data is a JSON string; expected an object")]
    [InlineData("{}", "parse_data.intent is required")]
    [InlineData("""{"intent":"greet"}""", "parse_data.intent is a JSON string")]
    [InlineData("""{"intent":{"confidence":0.5}}""", "parse_data.intent.name is required")]
    [InlineData("""{"intent":{"name":"greet","confidence":2}}""", "parse_data.intent.confidence is 2; expected a number from 0 to 1")]
    [InlineData("""{"intent":{"name":"greet","confidence":1e400}}""", "parse_data.intent.confidence is 1e400")]
    [InlineData("""{"intent":{"name":"greet"},"intent_ranking":[{"name":"greet"},{"name":""}]}""", "parse_data.intent_ranking[1].name is required")]
    [InlineData("""{"intent":{"name":"greet"},"entities":{}}""", "parse_data.entities is a JSON object; expected an array")]
    [InlineData("""{"intent":{"name":"greet"},"entities":[{"entity":"city"}]}""", "parse_data.entities[0].value is required")]
    [InlineData("""{"intent":{"name":"greet"},"entities":[{"entity":"city","value":"x","start":"a"}]}""", "parse_data.entities[0].start is \"a\"; expected a whole number")]
    [InlineData("""{"intent":{"name":"greet"},"entities":[{"entity":"city","value":"x","start":1,"end":9}]}""", "parse_data.entities[0] spans 1..9; expected 0 <= start <= end <= 2")]
    public async Task Bad_parse_data_is_400(string parseData, string expectedDetail)
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.PostAsync("/conversations/r5/messages", UserMessage("你好", parseData));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expectedDetail, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Fact]
    public async Task Parse_data_on_an_agent_message_is_400()
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.PostAsync("/conversations/r6/messages",
            Http.Json("""{"sender":"agent","agent":"小王","text":"hi","parse_data":{"intent":{"name":"greet"}}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("parse_data is only for sender \"user\"", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Fact]
    public void Entity_offsets_count_characters_and_become_utf16_offsets()
    {
        using var json = JsonDocument.Parse("""{"intent":{"name":"inform"},"entities":[{"entity":"city","value":"上海","start":1,"end":3,"role":"to"}]}""");

        var (parse, problem) = ParseDataReader.Read(json.RootElement, "😀上海");

        Assert.Null(problem);
        var entity = Assert.Single(parse!.Entities);
        Assert.Equal("上海", "😀上海"[entity.Start..entity.End]);
        Assert.Equal("to", entity.Role);
        Assert.Equal(new IntentPrediction("inform", 1f), parse.Intent);
        Assert.Equal("😀上海", parse.Text);
    }

    [Fact]
    public void A_full_retrieval_intent_is_read_as_the_nlu_gives_it()
    {
        using var json = JsonDocument.Parse("""{"intent":{"name":"faq/ask_price","confidence":0.9}}""");

        var (parse, problem) = ParseDataReader.Read(json.RootElement, "多少钱");

        Assert.Null(problem);
        Assert.Equal(new IntentPrediction("faq", 0.9f), parse!.Intent);
        Assert.Equal(new IntentPrediction("faq/ask_price", 0.9f), parse.Retrieval);
        Assert.Equal([parse.Intent], parse.IntentRanking);
    }
}
