using System.Net;
using System.Text.Json;

namespace Kefu.Server.Tests;

/// <summary>ServerLimits: message and id lengths in the same unit, sender ids every route can name, metadata, full conversations.</summary>
public class LimitsTests
{
    private const string Webhook = "/webhooks/rest/webhook";

    private static HttpContent Message(string sender, string message) =>
        Http.Json(JsonSerializer.Serialize(new { sender, message }));

    [Fact]
    public async Task Messages_and_sender_ids_are_both_counted_in_unicode_characters()
    {
        await using var host = await TestHost.StartAsync(limits: new ServerLimits { MaxMessageCharacters = 6, MaxIdCharacters = 4 });
        // 😀 is one character and two UTF-16 units: 4 of them are 8 units, within a limit of 4 characters.
        var emojiSender = string.Concat(Enumerable.Repeat("😀", 4));

        var within = await host.Client.PostAsync(Webhook, Message(emojiSender, "😀😀😀😀😀😀"));
        Assert.Equal(HttpStatusCode.OK, within.StatusCode);

        var longMessage = await host.Client.PostAsync(Webhook, Message("u", "😀😀😀😀😀😀😀"));
        Assert.Equal(HttpStatusCode.BadRequest, longMessage.StatusCode);
        Assert.Equal("message is 7 characters long; the limit is 6", (await longMessage.ReadProblemAsync()).GetProperty("detail").GetString());

        var longSender = await host.Client.PostAsync(Webhook, Message(emojiSender + "😀", "hi"));
        Assert.Equal(HttpStatusCode.BadRequest, longSender.StatusCode);
        Assert.Equal("sender is 5 characters long; the limit is 4", (await longSender.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_control_character_is_placed_in_characters_too()
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.PostAsync(Webhook, Message("😀😀\u0001", "hi"));

        Assert.Equal("sender contains a control character at position 2", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("a/b", "sender contains '/' at position 1")]
    [InlineData("/", "sender contains '/' at position 0")]
    [InlineData(".", "sender is \".\"")]
    [InlineData("..", "sender is \"..\"")]
    public async Task Sender_ids_no_route_can_name_are_refused_saying_what_is_allowed(string sender, string expected)
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.PostAsync(Webhook, Message(sender, "hi"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.ReadProblemAsync()).GetProperty("detail").GetString()!;
        Assert.StartsWith(expected, detail);
        Assert.Contains("any characters but '/' and control characters", detail);
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("...")]
    [InlineData("客户 42?#%")]
    [InlineData(@"a\b")]
    public async Task Other_sender_ids_are_reachable_through_the_tracker_and_the_poll_route(string sender)
    {
        await using var host = await TestHost.StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync(Webhook, Message(sender, "hi"))).StatusCode);

        var escaped = Uri.EscapeDataString(sender);
        var tracker = await (await host.Client.GetAsync($"/conversations/{escaped}/tracker")).ReadJsonAsync();
        Assert.Equal(["user", "bot"], tracker.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
        var poll = await (await host.Client.GetAsync($"/webhooks/rest/conversations/{escaped}/messages")).ReadJsonAsync();
        Assert.Equal("echo: hi", Assert.Single(poll.GetProperty("messages").EnumerateArray()).GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("\"app\"", "metadata is a JSON string; expected an object")]
    [InlineData("7", "metadata is a JSON number; expected an object")]
    [InlineData("[1]", "metadata is a JSON array; expected an object")]
    [InlineData("true", "metadata is a JSON true; expected an object")]
    public async Task Metadata_must_be_an_object(string metadata, string expected)
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.PostAsync(Webhook, Http.Json($$"""{"sender":"m","message":"hi","metadata":{{metadata}}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expected, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Theory]
    [InlineData("{\"channel\":\"app\"}")]
    [InlineData("null")]
    public async Task An_object_or_null_metadata_is_taken(string metadata)
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.PostAsync(Webhook, Http.Json($$"""{"sender":"m","message":"hi","metadata":{{metadata}}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_full_conversation_takes_no_more_messages_and_others_go_on()
    {
        // The echo bot stores two events a turn: user and bot.
        await using var host = await TestHost.StartAsync(limits: new ServerLimits { MaxConversationEvents = 4 });
        for (var i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync(Webhook, Message("full", $"m{i}"))).StatusCode);

        var refused = await host.Client.PostAsync(Webhook, Message("full", "one more"));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("conversation \"full\" holds 4 events; the limit is 4. Start a new conversation (another sender id)",
            (await refused.ReadProblemAsync()).GetProperty("detail").GetString());
        var logged = await host.Client.PostAsync("/conversations/full/messages", Http.Json("""{"sender":"agent","agent":"小王","text":"在"}"""));
        Assert.Equal(HttpStatusCode.Conflict, logged.StatusCode);
        Assert.Equal(4, (await host.Store.LoadAsync("full")).Count);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync(Webhook, Message("other", "hi"))).StatusCode);
    }

    [Fact]
    public void Limits_below_one_are_refused_when_the_server_is_built()
    {
        var options = new KefuServerOptions { Limits = new ServerLimits { MaxMessagesPerPage = 0 } };

        var error = Assert.Throws<ArgumentException>(() => KefuServer.CreateBuilder(options, _ => { }));

        Assert.Contains("MaxMessagesPerPage is 0", error.Message);
    }

    [Fact]
    public async Task The_poll_route_answers_in_pages_that_chain_through_next()
    {
        await using var host = await TestHost.StartAsync(limits: new ServerLimits { MaxMessagesPerPage = 3 });
        for (var i = 0; i < 7; i++)
            await host.Client.PostAsync(Webhook, Message("paged", $"m{i}"));

        var texts = new List<string>();
        var pages = new List<(int Count, bool More)>();
        var after = 0;
        while (true)
        {
            var page = await (await host.Client.GetAsync($"/webhooks/rest/conversations/paged/messages?after={after}")).ReadJsonAsync();
            var messages = page.GetProperty("messages").EnumerateArray().ToList();
            var more = page.TryGetProperty("more", out var m) && m.GetBoolean();
            pages.Add((messages.Count, more));
            texts.AddRange(messages.Select(x => x.GetProperty("text").GetString()!));
            Assert.All(messages, x => Assert.True(x.GetProperty("index").GetInt32() >= after));
            after = page.GetProperty("next").GetInt32();
            if (!more)
                break;
        }

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"echo: m{i}"), texts);
        Assert.Equal([(3, true), (3, true), (1, false)], pages);
        Assert.Equal(14, after);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("4")]
    [InlineData("x")]
    [InlineData("-1")]
    public async Task A_page_size_outside_one_to_the_limit_is_a_problem(string limit)
    {
        await using var host = await TestHost.StartAsync(limits: new ServerLimits { MaxMessagesPerPage = 3 });

        var response = await host.Client.GetAsync($"/webhooks/rest/conversations/p/messages?limit={limit}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"limit is \"{limit}\"; expected a whole number from 1 to 3", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Whether_a_message_was_in_a_reply_survives_page_boundaries()
    {
        await using var host = await TestHost.StartAsync();
        await host.Client.PostAsync(Webhook, Message("h", "你好"));
        await host.Client.PostAsync("/conversations/h/messages", Http.Json("""{"sender":"agent","agent":"小王","text":"我是小王"}"""));
        await host.Client.PostAsync("/conversations/h/messages", Http.Json("""{"sender":"agent","agent":"小王","text":"还在吗"}"""));
        await host.Client.PostAsync("/conversations/h/handback", null);
        await host.Client.PostAsync(Webhook, Message("h", "谢谢"));

        var whole = await (await host.Client.GetAsync("/webhooks/rest/conversations/h/messages")).ReadJsonAsync();
        var one = new List<JsonElement>();
        var after = 0;
        for (var more = true; more;)
        {
            var page = await (await host.Client.GetAsync($"/webhooks/rest/conversations/h/messages?after={after}&limit=1")).ReadJsonAsync();
            one.AddRange(page.GetProperty("messages").EnumerateArray());
            after = page.GetProperty("next").GetInt32();
            more = page.TryGetProperty("more", out var m) && m.GetBoolean();
        }

        var expected = whole.GetProperty("messages").EnumerateArray().Select(Summary).ToList();
        Assert.Equal([("bot", true), ("agent", false), ("agent", false), ("bot", false), ("bot", true)], expected.Select(x => (x.Sender, x.InReply)));
        Assert.Equal(expected, one.Select(Summary));
        Assert.Equal(whole.GetProperty("next").GetInt32(), after);

        static (string Sender, bool InReply, int Index) Summary(JsonElement m) =>
            (m.GetProperty("sender").GetString()!, m.GetProperty("delivered_in_reply").GetBoolean(), m.GetProperty("index").GetInt32());
    }

    [Fact]
    public async Task A_cursor_past_the_end_gets_the_conversation_length()
    {
        await using var host = await TestHost.StartAsync();
        await host.Client.PostAsync(Webhook, Message("c", "hi"));

        var page = await (await host.Client.GetAsync("/webhooks/rest/conversations/c/messages?after=50")).ReadJsonAsync();

        Assert.Empty(page.GetProperty("messages").EnumerateArray());
        Assert.Equal(2, page.GetProperty("next").GetInt32());
    }
}
