namespace Kefu.Server.Tests;

/// <summary>The messages route names the domain response a bot message came from (the bot event's metadata.utter_action).</summary>
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
}
