using System.Net;
using System.Text;
using System.Text.Json;
using Kefu.Server.Tests.Fakes;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Tests;

public class RestChannelTests
{
    private const string Webhook = "/webhooks/rest/webhook";

    [Fact]
    public async Task Text_reply_comes_back_in_rasa_shape_and_the_turn_is_stored()
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"u1","message":"你好","metadata":{"channel":"test"}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replies = await response.ReadJsonAsync();
        var reply = Assert.Single(replies.EnumerateArray());
        Assert.Equal("u1", reply.GetProperty("recipient_id").GetString());
        Assert.Equal("echo: 你好", reply.GetProperty("text").GetString());
        Assert.False(reply.TryGetProperty("image", out _));
        Assert.False(reply.TryGetProperty("buttons", out _));
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("u1")).Select(e => e.Type));
    }

    [Fact]
    public async Task Buttons_images_and_custom_payloads_are_passed_through()
    {
        await using var host = await TestHost.StartAsync();

        var buttons = await (await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"u","message":"/buttons"}"""))).ReadJsonAsync();
        var first = buttons[0].GetProperty("buttons")[0];
        Assert.Equal("查订单", first.GetProperty("title").GetString());
        Assert.Equal("/order_status", first.GetProperty("payload").GetString());

        var image = await (await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"u","message":"/image"}"""))).ReadJsonAsync();
        Assert.Equal("https://example.com/a.png", image[0].GetProperty("image").GetString());
        Assert.False(image[0].TryGetProperty("text", out _));

        var custom = await (await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"u","message":"/custom"}"""))).ReadJsonAsync();
        Assert.Equal(7, custom[0].GetProperty("custom").GetProperty("id").GetInt32());
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"sender":"u1","message":""", "malformed JSON" },
        { """{"message":"hi"}""", "sender is required" },
        { """{"sender":"","message":"hi"}""", "sender is required" },
        { """{"sender":"   ","message":"hi"}""", "sender is required" },
        { """{"sender":"u1"}""", "message is required" },
        { """{"sender":7,"message":"hi"}""", "sender must be a string, not the number 7" },
        { "null", "JSON null" },
        { "[1,2]", "the request body must be a JSON object, not an array" },
        { "", "empty" },
        { """{"sender":"u1","message":""" + "\"" + new string('好', 10_001) + "\"}", "10001 characters" },
        { """{"sender":"a\u0007b","message":"hi"}""", "control character" },
        { """{"sender":"u1","message":"hi","metadata":{"a":"\ud800"}}""", "lone UTF-16 surrogate is not text" },
        { """{"sender":"u1","message":"hi \ud83d!"}""", "\\ud83d escape at byte 29 without its pair" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_bodies_get_400_problem_details_and_nothing_is_stored(string body, string expectedDetail)
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.PostAsync(Webhook, Http.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadProblemAsync();
        Assert.Contains(expectedDetail, problem.GetProperty("detail").GetString());
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Fact]
    public async Task An_intent_payload_whose_entities_are_not_text_is_an_ordinary_message()
    {
        await using var host = await TestHost.StartAsync();
        var body = """{"sender":"u3","message":"/greet{\"kb\":\"\\ud800\"}"}""";   // the message holds the JSON escape itself
        var response = await host.Client.PostAsync(Webhook, Http.Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paired = await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"u4","message":"ok \ud83d\ude00"}"""));
        Assert.Equal(HttpStatusCode.OK, paired.StatusCode);   // a surrogate pair is an emoji: text
    }

    [Fact]
    public async Task Invalid_utf8_is_rejected_with_the_byte_offset()
    {
        await using var host = await TestHost.StartAsync();
        var prefix = Encoding.UTF8.GetBytes("""{"sender":"u1","message":"ab""");
        byte[] body = [.. prefix, 0xC3, 0x28, .. "\"}"u8];

        var response = await host.Client.PostAsync(Webhook, Http.Bytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.ReadProblemAsync()).GetProperty("detail").GetString();
        Assert.Contains("not valid UTF-8", detail);
        Assert.Contains($"byte {prefix.Length}", detail);
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Fact]
    public async Task Limit_counts_characters_not_utf16_units()
    {
        await using var host = await TestHost.StartAsync();
        var tenThousandEmoji = string.Concat(Enumerable.Repeat("😀", 10_000));
        var response = await host.Client.PostAsync(Webhook,
            Http.Json(JsonSerializer.Serialize(new { sender = "u1", message = tenThousandEmoji })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_body_without_a_length_is_read_whole_however_long()
    {
        await using var host = await TestHost.StartAsync();
        var message = string.Concat(Enumerable.Repeat("查订单 order 123 ", 500));   // ~9 KB of UTF-8, read in several pieces
        var content = new UnknownLengthContent(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { sender = "u1", message })));
        content.Headers.ContentType = new("application/json");
        var response = await host.Client.PostAsync(Webhook, content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("echo: " + message, (await response.ReadJsonAsync())[0].GetProperty("text").GetString());
    }

    /// <summary>A body sent without Content-Length (chunked), in 1 KB writes.</summary>
    private sealed class UnknownLengthContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var i = 0; i < body.Length; i += 1024)
                await stream.WriteAsync(body.AsMemory(i, Math.Min(1024, body.Length - i)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Body_over_the_size_limit_gets_413()
    {
        await using var host = await TestHost.StartAsync(maxBodyBytes: 1024);
        var response = await host.Client.PostAsync(Webhook,
            Http.Json(JsonSerializer.Serialize(new { sender = "u1", message = new string('x', 2000) })));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("1024 bytes", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Fact]
    public async Task Unhandled_exception_becomes_500_problem_details_and_is_logged()
    {
        var logs = new RecordingLoggerProvider();
        await using var host = await TestHost.StartAsync(logs: logs);
        var response = await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"u1","message":"/boom"}"""));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var problem = await response.ReadProblemAsync();
        Assert.DoesNotContain("echo bot was asked to fail", problem.ToString()); // no internals leak to clients
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Exception?.Message == "the echo bot was asked to fail");
    }

    [Fact]
    public async Task Before_the_model_is_ready_the_webhook_answers_503()
    {
        await using var host = await TestHost.StartAsync(ready: false);
        var response = await host.Client.PostAsync(Webhook, Http.Json("""{"sender":"u1","message":"hi"}"""));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        await response.ReadProblemAsync();
        Assert.Empty(await host.Store.ListConversationsAsync());
    }
}

public class RestChannelConcurrencyTests
{
    [Fact]
    public async Task Parallel_messages_to_one_conversation_are_all_stored_each_turn_whole()
    {
        await using var host = await TestHost.StartAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            host.Client.PostAsync("/webhooks/rest/webhook", Http.Json($$"""{"sender":"same","message":"m{{i}}"}"""))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var events = await host.Store.LoadAsync("same");
        Assert.Equal(80, events.Count);
        for (var i = 0; i < events.Count; i += 2)
        {
            var user = JsonDocument.Parse(events[i].Json).RootElement.GetProperty("text").GetString();
            var bot = JsonDocument.Parse(events[i + 1].Json).RootElement.GetProperty("text").GetString();
            Assert.Equal(("user", "bot"), (events[i].Type, events[i + 1].Type));
            Assert.Equal("echo: " + user, bot);
        }
        Assert.Equal(40, events.Where(e => e.Type == "user").Select(e => e.Json).Distinct().Count());
    }
}

/// <summary>The scan for \uXXXX escapes that are half a surrogate pair (JsonTextCheck), on raw JSON bytes.</summary>
public class JsonTextCheckTests
{
    [Theory]
    [InlineData("""{"a":"\ud83d\ude00"}""", null)]         // a pair: an emoji
    [InlineData("""{"a":"\\ud800"}""", null)]              // an escaped backslash, then the letters u d 8 0 0
    [InlineData("""{"a":"\u00e9\n\"\\"}""", null)]
    [InlineData("""{"a":"\ud800"}""", 6)]                  // high without low
    [InlineData("""{"a":"\ud800x"}""", 6)]
    [InlineData("""{"a":"\ud800\u0041"}""", 6)]            // high, then not a low one
    [InlineData("""{"a":"\udc00"}""", 6)]                  // low without high
    [InlineData("""{"a":"\\\ud800"}""", 8)]                // a backslash pair, then the escape
    [InlineData("""{"a":"\ud800""", 6)]                    // cut off after the high half
    public void Finds_the_first_unpaired_surrogate_escape(string json, int? at) =>
        Assert.Equal(at, Kefu.Server.Http.JsonTextCheck.UnpairedSurrogate(System.Text.Encoding.UTF8.GetBytes(json)));
}
