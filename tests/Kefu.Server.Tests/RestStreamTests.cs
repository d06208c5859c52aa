using System.Net;
using System.Text.Json;

namespace Kefu.Server.Tests;

/// <summary>POST /webhooks/rest/stream: the webhook's rules, answered as server-sent events (delta pieces, messages, done).</summary>
public class RestStreamTests
{
    private const string Stream = "/webhooks/rest/stream";

    /// <summary>The events of a complete stream, in order: (name, data).</summary>
    private static async Task<List<(string Name, JsonElement Data)>> Events(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(block =>
        {
            var lines = block.Split('\n');
            var name = lines.Single(l => l.StartsWith("event: ", StringComparison.Ordinal))[7..];
            var data = lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..];
            return (name, JsonDocument.Parse(data).RootElement.Clone());
        }).ToList();
    }

    [Fact]
    public async Task Pieces_come_first_then_the_persisted_replies_in_the_webhooks_shape_then_done()
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.PostAsync(Stream, Http.Json("""{"sender":"u1","message":"/stream"}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await Events(response);
        Assert.Equal(["delta", "delta", "delta", "message", "done"], events.Select(e => e.Name));
        Assert.Equal("正在为您查询", string.Concat(events.Where(e => e.Name == "delta").Select(e => e.Data.GetProperty("text").GetString())));
        var message = events[3].Data;
        Assert.Equal("u1", message.GetProperty("recipient_id").GetString());
        Assert.Equal("查询完毕：订单已发货。", message.GetProperty("text").GetString());
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("u1")).Select(e => e.Type));
    }

    [Fact]
    public async Task A_reply_without_pieces_is_its_messages_and_done()
    {
        await using var host = await TestHost.StartAsync();
        var events = await Events(await host.Client.PostAsync(Stream, Http.Json("""{"sender":"u1","message":"/buttons"}""")));
        Assert.Equal(["message", "done"], events.Select(e => e.Name));
        Assert.Equal(2, events[0].Data.GetProperty("buttons").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"sender":"u1"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"sender":"u1","message":""", HttpStatusCode.BadRequest)]
    [InlineData("""{"message":"hi"}""", HttpStatusCode.BadRequest)]
    public async Task Bad_bodies_are_problem_details_before_any_event(string body, HttpStatusCode status)
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.PostAsync(Stream, Http.Json(body));
        Assert.Equal(status, response.StatusCode);
        await response.ReadProblemAsync();
    }

    [Fact]
    public async Task Before_the_model_is_ready_it_answers_503()
    {
        await using var host = await TestHost.StartAsync(ready: false);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await host.Client.PostAsync(Stream, Http.Json("""{"sender":"u1","message":"hi"}"""))).StatusCode);
    }
}
