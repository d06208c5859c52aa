using System.Net;
using System.Text.Json;
using Kefu.Server.Routes;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests;

/// <summary>GET /webhooks/rest/conversations/{sender}/events: the poll route's messages as server-sent events.</summary>
public class ChannelEventsTests
{
    private static string EventsOf(string sender, int? after = null) =>
        $"/webhooks/rest/conversations/{Uri.EscapeDataString(sender)}/events" + (after is null ? "" : $"?after={after}");

    /// <summary>An open stream, read event by event: (id, name, data); comments and the retry line are skipped.</summary>
    private sealed class EventReader(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public static async Task<EventReader> OpenAsync(HttpClient client, HttpRequestMessage request)
        {
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return new EventReader(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        }

        public async Task<(string Id, string Name, JsonElement Data)> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            string? id = null, name = null, data = null;
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.Length == 0 && data is not null)
                    return (id!, name!, JsonDocument.Parse(data).RootElement.Clone());
                if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
                else if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            }
            throw new EndOfStreamException("the stream ended");
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }

    private static HttpRequestMessage Get(string url, string? cookie = null, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (cookie is not null)
            request.Headers.Add("Cookie", cookie);
        if (lastEventId is not null)
            request.Headers.Add("Last-Event-ID", lastEventId);
        return request;
    }

    private static async Task<(string Sender, string Cookie)> StartSessionAsync(HttpClient client)
    {
        var response = await client.PostAsync("/webhooks/rest/sessions", null);
        var sender = (await response.ReadJsonAsync()).GetProperty("sender").GetString()!;
        return (sender, response.Headers.GetValues("Set-Cookie").Single().Split(';')[0]);
    }

    private static Task PostAgentAsync(HttpClient client, string sender, string text) =>
        client.PostAsync($"/conversations/{sender}/messages", Http.Json(Http.Serialize(new { sender = "agent", agent = "小王", text })));

    [Fact]
    public async Task An_agent_message_arrives_on_the_stream_and_a_reconnect_with_last_event_id_resumes_without_repeats()
    {
        await using var host = await TestHost.StartAsync();
        var (sender, cookie) = await StartSessionAsync(host.Client);
        var webhook = Get("/webhooks/rest/webhook", cookie);
        webhook.Method = HttpMethod.Post;
        webhook.Content = Http.Json(Http.Serialize(new { sender, message = "我要投诉" }));
        await host.Client.SendAsync(webhook);
        var start = (await host.Store.LoadAsync(sender)).Count;

        string lastId;
        using (var stream = await EventReader.OpenAsync(host.Client, Get(EventsOf(sender, start), cookie)))
        {
            await PostAgentAsync(host.Client, sender, "您好，我是小王");
            var (id, name, data) = await stream.NextAsync();
            Assert.Equal("message", name);
            Assert.Equal("agent", data.GetProperty("sender").GetString());
            Assert.Equal("小王", data.GetProperty("agent").GetString());
            Assert.Equal("您好，我是小王", data.GetProperty("text").GetString());
            Assert.Equal(data.GetProperty("index").GetInt32() + 1, int.Parse(id));
            lastId = id;
        }

        await PostAgentAsync(host.Client, sender, "还在吗");
        // A browser reconnects to the same URL (after=start) with Last-Event-ID, which wins: no repeat of the first message.
        using var again = await EventReader.OpenAsync(host.Client, Get(EventsOf(sender, start), cookie, lastId));
        var next = await again.NextAsync();
        Assert.Equal("还在吗", next.Data.GetProperty("text").GetString());
        Assert.True(int.Parse(next.Id) > int.Parse(lastId));
    }

    [Fact]
    public async Task A_web_chat_conversation_is_refused_without_its_cookie_and_another_without_the_token()
    {
        await using var host = await TestHost.StartAsync(token: "s3cret");
        var (sender, cookie) = await StartSessionAsync(host.Client);

        var noCookie = await host.Client.SendAsync(Get(EventsOf(sender)));
        Assert.Equal(HttpStatusCode.Forbidden, noCookie.StatusCode);
        await noCookie.ReadProblemAsync();
        var otherCookie = (await StartSessionAsync(host.Client)).Cookie;
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Client.SendAsync(Get(EventsOf(sender), otherCookie))).StatusCode);
        var noToken = await host.Client.SendAsync(Get(EventsOf("rest-user-1")));
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        await noToken.ReadProblemAsync();

        using var withToken = await EventReader.OpenAsync(host.AuthorizedClient("s3cret"), Get(EventsOf("rest-user-1")));
        using var withCookie = await EventReader.OpenAsync(host.Client, Get(EventsOf(sender), cookie));
    }

    [Theory]
    [InlineData("?after=-1", null)]
    [InlineData("?after=x", null)]
    [InlineData("", "abc")]
    public async Task A_bad_cursor_is_a_problem_before_any_event(string query, string? lastEventId)
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.SendAsync(Get(EventsOf("u1") + query, lastEventId: lastEventId));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await response.ReadProblemAsync();
    }

    [Fact]
    public async Task Streams_per_conversation_are_bounded_and_a_closed_one_frees_its_place()
    {
        await using var host = await TestHost.StartAsync();
        var most = host.Services.GetRequiredService<ChannelEventStreams>().MaxPerConversation;
        var open = new List<IDisposable>();
        for (var i = 0; i < most; i++)
            open.Add(await EventReader.OpenAsync(host.Client, Get(EventsOf("u1"))));

        var refused = await host.Client.SendAsync(Get(EventsOf("u1")));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        await refused.ReadProblemAsync();
        using (await EventReader.OpenAsync(host.Client, Get(EventsOf("u2")))) { }   // another conversation has its own bound

        open[0].Dispose();
        await EventuallyAsync(async () => (await host.Client.SendAsync(Get(EventsOf("u1")), HttpCompletionOption.ResponseHeadersRead)) is
            { StatusCode: HttpStatusCode.OK } ok && Dispose(ok));
        open.ForEach(o => o.Dispose());
    }

    [Fact]
    public async Task A_quiet_stream_sends_heartbeats_ends_at_its_lifetime_and_the_process_bound_holds()
    {
        var streams = new ChannelEventStreams { Heartbeat = TimeSpan.FromMilliseconds(100), CheckEvery = TimeSpan.FromMilliseconds(20), Lifetime = TimeSpan.FromSeconds(1), MaxOpen = 1 };
        await using var host = await TestHost.StartAsync(services: s => s.AddSingleton(streams));
        var response = await host.Client.SendAsync(Get(EventsOf("u1")), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var refused = await host.Client.SendAsync(Get(EventsOf("u2")));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var text = await response.Content.ReadAsStringAsync(timeout.Token);   // returns when the server ends the stream
        Assert.StartsWith("retry: 2000\n\n", text);
        Assert.True(text.Split(": keep-alive\n\n").Length - 1 >= 3, text);
        Assert.DoesNotContain("event:", text);
        await EventuallyAsync(async () => (await host.Client.SendAsync(Get(EventsOf("u2")), HttpCompletionOption.ResponseHeadersRead)) is
            { StatusCode: HttpStatusCode.OK } ok && Dispose(ok));
    }

    private static bool Dispose(HttpResponseMessage response)
    {
        response.Dispose();
        return true;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 50; i++)
            if (await condition())
                return;
            else
                await Task.Delay(100);
        Assert.Fail("the condition never held");
    }
}
