using System.Net;
using System.Text.Json;
using Kefu.Server.Channels;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests.Channels;

public sealed class CallbackChannelTests
{
    private const string Webhook = "/webhooks/callback/webhook";

    private static ChannelSettings Callback(PlatformStandIn standIn, RateLimit? rate = null) =>
        ChannelSettings.None with { Callback = new CallbackSettings(new Uri(standIn.BaseUrl, "bot"), rate ?? RateLimit.Default) };

    [Fact]
    public async Task A_message_answers_success_and_the_replies_are_posted_to_the_callback_url()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Callback(standIn));

        var response = await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"c1","message":"你好"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("success", await response.Content.ReadAsStringAsync());
        await host.DeliveredAsync();
        var call = Assert.Single(standIn.Calls);
        Assert.Equal(("POST", "/bot"), (call.Method, call.Path));
        var reply = JsonDocument.Parse(call.Body).RootElement;
        Assert.Equal("c1", reply.GetProperty("recipient_id").GetString());
        Assert.Equal("echo: 你好", reply.GetProperty("text").GetString());
        Assert.Equal(["你好"], await host.UserTextsAsync("callback:c1"));
    }

    [Fact]
    public async Task A_resent_message_id_runs_one_turn_even_when_the_copies_arrive_together()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Callback(standIn));
        const string body = """{"sender":"c2","message":"退货","message_id":"m-1"}""";

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => host.Client.PostAsync(Webhook, Http.Json(body))));
        var again = await host.Client.PostAsync(Webhook, Http.Json(body));

        Assert.All([.. answers, again], a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(["退货"], await host.UserTextsAsync("callback:c2"));
        await host.DeliveredAsync();
        Assert.Single(standIn.Calls);
        // Without a message_id each post is a new message, as in Rasa.
        await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"c2","message":"退货"}"""));
        Assert.Equal(["退货", "退货"], await host.UserTextsAsync("callback:c2"));
    }

    [Fact]
    public async Task A_copy_waiting_on_a_turn_that_fails_is_503_and_the_message_runs_when_sent_again()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Callback(standIn), chat: store => new SlowChatService(new EchoChatService(store)));
        const string failing = """{"sender":"c9","message":"/slow /fail","message_id":"m-9"}""";

        var first = host.Client.PostAsync(Webhook, Http.Json(failing));
        await Task.Delay(200);
        var answers = await Task.WhenAll(first, host.Client.PostAsync(Webhook, Http.Json(failing)));

        // Whichever arrived first ran the turn (500); the other waited for it (503).
        Assert.Equal([HttpStatusCode.InternalServerError, HttpStatusCode.ServiceUnavailable], answers.Select(a => a.StatusCode).Order());
        var copy = answers.Single(a => a.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Contains("its first delivery failed", (await copy.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.LoadAsync("callback:c9"));
        // The id was forgotten with the failure: the client's next try runs a turn.
        var again = await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"c9","message":"/slow ok","message_id":"m-9"}"""));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(["/slow ok"], await host.UserTextsAsync("callback:c9"));
    }

    [Fact]
    public async Task An_oversized_payload_is_a_413_and_runs_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Callback(standIn), maxBodyBytes: 1024);

        var response = await host.Client.PostAsync(Webhook, Http.Json($$"""{"sender":"c3","message":"{{new string('a', 2000)}}"}"""));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("1024 bytes", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.LoadAsync("callback:c3"));
    }

    [Theory]
    [InlineData("""{"sender":"c4","message":""", "not valid JSON")]
    [InlineData("""[1]""", "must be a JSON object")]
    [InlineData("""{"message":"hi"}""", "sender is required")]
    [InlineData("""{"sender":"c4"}""", "message is required")]
    [InlineData("""{"sender":"a/b","message":"hi"}""", "contains '/'")]
    public async Task Bad_bodies_are_400_problems(string body, string detail)
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Callback(standIn));

        var response = await host.Client.PostAsync(Webhook, Http.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detail, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_sender_over_the_rate_limit_gets_429_with_retry_after_and_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Callback(standIn, new RateLimit(Burst: 2, PerMinute: 1)));

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
            answers.Add(await host.Client.PostAsync(Webhook, Http.Json($$"""{"sender":"c5","message":"m{{i}}"}""")));
        var other = await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"c6","message":"hi"}"""));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers.Select(a => a.StatusCode));
        Assert.True(int.Parse(answers[2].Headers.GetValues("Retry-After").Single()) >= 1);
        Assert.Equal(["m0", "m1"], await host.UserTextsAsync("callback:c5"));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task When_the_callback_url_is_down_each_reply_is_retried_then_logged_and_the_turn_stays_stored()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = PlatformStandIn.Down;
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(Callback(standIn), logs);

        var response = await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"c7","message":"在吗"}"""));
        await host.DeliveredAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, standIn.Calls.Count);
        var error = Assert.Single(logs.Errors());
        Assert.Contains("callback: a reply to callback:c7 was not delivered after 3 attempt(s): HTTP 502", error.Message);
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("callback:c7")).Select(e => e.Type));
    }

    [Fact]
    public async Task A_server_not_ready_answers_503_so_that_the_client_retries()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Callback(standIn));
        host.Readiness.MarkNotReady();

        var response = await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"c8","message":"hi"}"""));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("callback:c8"));
    }

    [Fact]
    public async Task Channels_not_in_credentials_have_no_routes()
    {
        await using var host = await ChannelHost.StartAsync(ChannelSettings.None);

        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"c","message":"hi"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.PostAsync("/webhooks/telegram/webhook", Http.Json("{}"))).StatusCode);
    }
}
