using System.Text.Json;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests;

/// <summary>
/// Bot messages name the domain response they came from (the bot event's metadata.utter_action) on every way the web chat
/// receives them: the webhook's answer, the streaming webhook's, the poll and the event stream.
/// </summary>
public sealed class ChannelMessageResponseTests
{
    [Fact]
    public async Task A_bot_message_rendered_from_a_response_carries_its_name_and_others_leave_it_out()
    {
        await using var host = await TestHost.StartAsync();
        await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"r1","message":"/utter_goodbye"}"""));
        await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"r1","message":"你好"}"""));

        var body = await (await host.Client.GetAsync("/webhooks/rest/conversations/r1/messages")).ReadJsonAsync();

        var messages = body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal("utter_goodbye", messages[0].GetProperty("response").GetString());
        Assert.False(messages[1].TryGetProperty("response", out _));
    }

    [Fact]
    public async Task The_engine_names_the_response_in_the_webhook_answer_the_stream_the_poll_and_the_event_stream()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var answer = await (await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"g1","message":"再见"}"""))).ReadJsonAsync();
        var reply = Assert.Single(answer.EnumerateArray());
        Assert.Equal("再见！", reply.GetProperty("text").GetString());
        Assert.Equal("utter_goodbye", reply.GetProperty("response").GetString());
        Assert.Equal("g1", reply.GetProperty("recipient_id").GetString());

        var stream = await (await host.Client.PostAsync("/webhooks/rest/stream", Http.Json("""{"sender":"g1","message":"你好"}"""))).Content.ReadAsStringAsync();
        var streamed = Data(stream, "message");
        Assert.Equal("utter_greet", Assert.Single(streamed).GetProperty("response").GetString());

        var poll = await (await host.Client.GetAsync("/webhooks/rest/conversations/g1/messages")).ReadJsonAsync();
        Assert.Equal(["utter_goodbye", "utter_greet"],
            poll.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("response").GetString()));

        using var response = await host.Client.GetAsync("/webhooks/rest/conversations/g1/events", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<JsonElement>();
        while (events.Count < 2 && await reader.ReadLineAsync(timeout.Token) is { } line)
            if (line.StartsWith("data: ", StringComparison.Ordinal))
                events.Add(JsonDocument.Parse(line[6..]).RootElement.Clone());
        Assert.Equal(["utter_goodbye", "utter_greet"], events.Select(m => m.GetProperty("response").GetString()));
    }

    /// <summary>The data of the server-sent events named <paramref name="name"/>.</summary>
    private static List<JsonElement> Data(string stream, string name) =>
        stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n'))
            .Where(lines => lines.Contains($"event: {name}"))
            .Select(lines => JsonDocument.Parse(lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..]).RootElement.Clone())
            .ToList();
}
