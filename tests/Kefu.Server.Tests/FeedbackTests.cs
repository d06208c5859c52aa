using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kefu.Dialogue;

namespace Kefu.Server.Tests;

/// <summary>POST /webhooks/rest/conversations/{sender}/feedback and /rating: customer feedback stored as events (docs/feedback.md).</summary>
public class FeedbackTests
{
    private static string Route(string sender, string what) => $"/webhooks/rest/conversations/{Uri.EscapeDataString(sender)}/{what}";

    /// <summary>A conversation of the echo bot: user (event 0), bot (event 1).</summary>
    private static async Task StartAsync(TestHost host, string sender, HttpClient? client = null) =>
        Assert.Equal(HttpStatusCode.OK, (await (client ?? host.Client).PostAsync("/webhooks/rest/webhook",
            Http.Json($$"""{"sender":"{{sender}}","message":"你好"}"""))).StatusCode);

    private static async Task<List<JsonElement>> StoredAsync(TestHost host, string sender) =>
        [.. (await host.Store.LoadAsync(sender)).Select(e => JsonDocument.Parse(e.Json).RootElement.Clone())];

    [Fact]
    public async Task A_thumbs_up_is_stored_as_a_feedback_event_naming_the_bot_message()
    {
        await using var host = await TestHost.StartAsync();
        await StartAsync(host, "f1");

        var response = await host.Client.PostAsync(Route("f1", "feedback"), Http.Json("""{"index":1,"value":"up"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal("f1", body.GetProperty("sender").GetString());
        Assert.Equal(1, body.GetProperty("index").GetInt32());
        Assert.Equal("up", body.GetProperty("value").GetString());
        Assert.True(body.GetProperty("stored").GetBoolean());
        var stored = await host.Store.LoadAsync("f1");
        Assert.Equal(["user", "bot", "feedback"], stored.Select(e => e.Type));
        var feedback = JsonDocument.Parse(stored[2].Json).RootElement;
        Assert.Equal(1, feedback.GetProperty("message_index").GetInt32());
        Assert.Equal("up", feedback.GetProperty("value").GetString());
        // the poll's index names the same message; feedback events are no message of the poll
        var poll = await (await host.Client.GetAsync(Route("f1", "messages"))).ReadJsonAsync();
        Assert.Equal(1, Assert.Single(poll.GetProperty("messages").EnumerateArray()).GetProperty("index").GetInt32());
    }

    [Fact]
    public async Task A_repeated_vote_stores_nothing_and_a_changed_vote_stores_a_new_event()
    {
        await using var host = await TestHost.StartAsync();
        await StartAsync(host, "f2");
        await StartAsync(host, "f2");   // events 2 (user), 3 (bot)

        async Task<bool> Vote(int index, string value)
        {
            var response = await host.Client.PostAsync(Route("f2", "feedback"), Http.Json($$"""{"index":{{index}},"value":"{{value}}"}"""));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.ReadJsonAsync()).GetProperty("stored").GetBoolean();
        }

        Assert.True(await Vote(1, "up"));
        Assert.False(await Vote(1, "up"));
        Assert.True(await Vote(3, "up"));     // another message: its own vote
        Assert.True(await Vote(1, "down"));   // changed: stored, the latest counts
        Assert.False(await Vote(1, "down"));
        Assert.False(await Vote(3, "up"));
        Assert.True(await Vote(1, "up"));     // changed back

        var votes = (await StoredAsync(host, "f2")).Where(e => e.TryGetProperty("message_index", out _))
            .Select(e => (e.GetProperty("message_index").GetInt32(), e.GetProperty("value").GetString())).ToList();
        Assert.Equal([(1, "up"), (3, "up"), (1, "down"), (1, "up")], votes);
    }

    [Fact]
    public async Task A_rating_is_stored_once_and_a_re_rating_stores_the_new_one()
    {
        await using var host = await TestHost.StartAsync();
        await StartAsync(host, "r1");

        async Task<JsonElement> Rate(string body)
        {
            var response = await host.Client.PostAsync(Route("r1", "rating"), Http.Json(body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.ReadJsonAsync();
        }

        var first = await Rate("""{"stars":4,"comment":"  回复很快  "}""");
        Assert.True(first.GetProperty("stored").GetBoolean());
        Assert.Equal("回复很快", first.GetProperty("comment").GetString());
        Assert.False((await Rate("""{"stars":4,"comment":"回复很快"}""")).GetProperty("stored").GetBoolean());
        Assert.True((await Rate("""{"stars":4}""")).GetProperty("stored").GetBoolean());   // the comment changed
        Assert.True((await Rate("""{"stars":5}""")).GetProperty("stored").GetBoolean());
        Assert.False((await Rate("""{"stars":5,"comment":" "}""")).GetProperty("stored").GetBoolean());

        var ratings = (await StoredAsync(host, "r1")).Where(e => e.TryGetProperty("stars", out _))
            .Select(e => (e.GetProperty("stars").GetInt32(), e.TryGetProperty("comment", out var c) ? c.GetString() : null)).ToList();
        Assert.Equal([(4, "回复很快"), (4, null), (5, null)], ratings);
    }

    [Fact]
    public async Task A_number_sent_as_a_json_string_is_read_as_the_number_as_in_the_other_routes()
    {
        await using var host = await TestHost.StartAsync();
        await StartAsync(host, "s1");

        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync(Route("s1", "feedback"), Http.Json("""{"index":"1","value":"up"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync(Route("s1", "rating"), Http.Json("""{"stars":"5"}"""))).StatusCode);
        Assert.Equal(["user", "bot", "feedback", "rating"], (await host.Store.LoadAsync("s1")).Select(e => e.Type));
    }

    [Theory]
    [InlineData("feedback", """{"index":0,"value":"up"}""", 400, "event 0 of conversation \"bad\" is not a bot message")]
    [InlineData("feedback", """{"index":2,"value":"up"}""", 404, "has no event 2")]
    [InlineData("feedback", """{"index":999999,"value":"down"}""", 404, "has no event 999999")]
    [InlineData("feedback", """{"index":-1,"value":"up"}""", 400, "index is -1")]
    [InlineData("feedback", """{"value":"up"}""", 400, "index is required")]
    [InlineData("feedback", """{"index":1}""", 400, "value is required")]
    [InlineData("feedback", """{"index":1,"value":"sideways"}""", 400, "value is \"sideways\"")]
    [InlineData("feedback", """{"index":1.5,"value":"up"}""", 400, "index")]
    [InlineData("feedback", "{\"index\":1,\"value\":\"up\"", 400, "")]
    [InlineData("feedback", """[1,"up"]""", 400, "")]
    [InlineData("feedback", "", 400, "empty")]
    [InlineData("rating", """{"stars":0}""", 400, "stars is 0; expected a whole number from 1 to 5")]
    [InlineData("rating", """{"stars":6}""", 400, "stars is 6")]
    [InlineData("rating", """{"stars":-3}""", 400, "stars is -3")]
    [InlineData("rating", """{"stars":3.5}""", 400, "stars")]
    [InlineData("rating", """{"comment":"好"}""", 400, "stars is required")]
    [InlineData("rating", """{"stars":5,"comment":7}""", 400, "comment")]
    [InlineData("rating", "null", 400, "null")]
    public async Task Bad_feedback_gets_a_problem_and_stores_nothing(string what, string body, int status, string detail)
    {
        await using var host = await TestHost.StartAsync();
        await StartAsync(host, "bad");
        var before = await host.Store.LoadAsync("bad");

        var response = await host.Client.PostAsync(Route("bad", what), Http.Json(body));

        Assert.Equal(status, (int)response.StatusCode);
        var problem = await response.ReadProblemAsync();
        Assert.Contains(detail, problem.GetProperty("detail").GetString());
        Assert.Equal(before, await host.Store.LoadAsync("bad"));
    }

    [Fact]
    public async Task A_long_comment_a_large_body_and_a_form_body_are_refused()
    {
        await using var host = await TestHost.StartAsync(maxBodyBytes: 4096);
        await StartAsync(host, "big");

        var longComment = await host.Client.PostAsync(Route("big", "rating"),
            Http.Json(JsonSerializer.Serialize(new { stars = 3, comment = new string('好', 501) })));
        Assert.Equal(HttpStatusCode.BadRequest, longComment.StatusCode);
        Assert.Contains("comment is 501 characters long; the limit is 500", (await longComment.ReadProblemAsync()).GetProperty("detail").GetString());
        var tooLarge = await host.Client.PostAsync(Route("big", "rating"),
            Http.Json(JsonSerializer.Serialize(new { stars = 3, comment = new string('x', 5000) })));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        var form = await host.Client.PostAsync(Route("big", "feedback"), new StringContent("index=1&value=up", null, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("big")).Select(e => e.Type));
    }

    [Theory]
    [InlineData("feedback", """{"index":1,"value":"up"}""")]
    [InlineData("rating", """{"stars":3}""")]
    public async Task Feedback_for_an_unknown_conversation_is_a_404_and_starts_nothing(string what, string body)
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.PostAsync(Route("nobody", what), Http.Json(body));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("conversation \"nobody\" has no events", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.LoadAsync("nobody"));
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Fact]
    public async Task With_a_token_other_conversations_need_it()
    {
        await using var host = await TestHost.StartAsync(token: "s3cret");
        using var authorized = host.AuthorizedClient("s3cret");
        await StartAsync(host, "t1");

        var anonymous = await host.Client.PostAsync(Route("t1", "feedback"), Http.Json("""{"index":1,"value":"up"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.PostAsync(Route("t1", "rating"), Http.Json("""{"stars":2}"""))).StatusCode);
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("t1")).Select(e => e.Type));

        Assert.Equal(HttpStatusCode.OK, (await authorized.PostAsync(Route("t1", "feedback"), Http.Json("""{"index":1,"value":"up"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await authorized.PostAsync(Route("t1", "rating"), Http.Json("""{"stars":2}"""))).StatusCode);
        Assert.Equal(["user", "bot", "feedback", "rating"], (await host.Store.LoadAsync("t1")).Select(e => e.Type));
    }

    [Fact]
    public async Task A_web_chat_conversation_answers_to_its_session_cookie_only()
    {
        await using var host = await TestHost.StartAsync(token: "s3cret");
        var session = await host.Client.PostAsync("/webhooks/rest/sessions", null);
        var sender = (await session.ReadJsonAsync()).GetProperty("sender").GetString()!;
        var cookie = session.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        HttpRequestMessage Post(string what, string body, string? withCookie)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, Route(sender, what)) { Content = Http.Json(body) };
            if (withCookie is not null)
                request.Headers.Add("Cookie", withCookie);
            return request;
        }
        var turn = new HttpRequestMessage(HttpMethod.Post, "/webhooks/rest/webhook") { Content = Http.Json($$"""{"sender":"{{sender}}","message":"你好"}""") };
        turn.Headers.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(turn)).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await host.Client.SendAsync(Post("feedback", """{"index":1,"value":"down"}""", null))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Client.SendAsync(Post("rating", """{"stars":1}""", cookie.Split('=')[0] + "=AAAA"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(Post("feedback", """{"index":1,"value":"down"}""", cookie))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(Post("rating", """{"stars":1}""", cookie))).StatusCode);
        Assert.Equal(["user", "bot", "feedback", "rating"], (await host.Store.LoadAsync(sender)).Select(e => e.Type));
    }

    [Fact]
    public async Task Not_ready_is_a_503_and_a_full_conversation_a_409()
    {
        await using (var starting = await TestHost.StartAsync(ready: false))
            Assert.Equal(HttpStatusCode.ServiceUnavailable,
                (await starting.Client.PostAsync(Route("x", "rating"), Http.Json("""{"stars":5}"""))).StatusCode);

        await using var host = await TestHost.StartAsync(limits: new ServerLimits { MaxConversationEvents = 2 });
        await StartAsync(host, "full");
        var response = await host.Client.PostAsync(Route("full", "feedback"), Http.Json("""{"index":1,"value":"up"}"""));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(2, (await host.Store.LoadAsync("full")).Count);
    }

    [Fact]
    public async Task Stored_votes_and_ratings_are_counted_in_metrics_and_repeats_are_not()
    {
        await using var host = await TestHost.StartAsync();
        await StartAsync(host, "m1");
        // Another class's test (the browser's) may vote "up" and give 4 stars meanwhile: this one counts "down" and 2 stars.
        var before = await MetricsAsync(host);

        foreach (var value in new[] { "down", "down", "up", "down" })
            await host.Client.PostAsync(Route("m1", "feedback"), Http.Json($$"""{"index":1,"value":"{{value}}"}"""));
        foreach (var stars in new[] { 2, 2, 3, 2 })
            await host.Client.PostAsync(Route("m1", "rating"), Http.Json($$"""{"stars":{{stars}}}"""));
        await host.Client.PostAsync(Route("m1", "rating"), Http.Json("""{"stars":9}"""));

        var after = await MetricsAsync(host);
        Assert.Contains("# TYPE kefu_feedback_thumbs_total counter\n", after);
        Assert.Contains("# TYPE kefu_feedback_ratings_total counter\n", after);
        Assert.Equal(2, Value(after, """kefu_feedback_thumbs_total{value="down"}""") - Value(before, """kefu_feedback_thumbs_total{value="down"}"""));
        Assert.Equal(2, Value(after, """kefu_feedback_ratings_total{stars="2"}""") - Value(before, """kefu_feedback_ratings_total{stars="2"}"""));
        Assert.DoesNotContain("kefu_feedback_ratings_total{stars=\"9\"}", after);
    }

    private static async Task<string> MetricsAsync(TestHost host) => await host.Client.GetStringAsync("/metrics");

    private static double Value(string metrics, string series)
    {
        var line = Regex.Match(metrics, "^" + Regex.Escape(series) + " (\\S+)$", RegexOptions.Multiline);
        return line.Success ? double.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
