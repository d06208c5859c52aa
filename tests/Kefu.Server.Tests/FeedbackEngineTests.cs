using System.Net;
using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests;

/// <summary>The feedback routes over the real dialogue engine (DialogueAgent), with the message index the poll gives.</summary>
public class FeedbackEngineTests
{
    private static string Route(string sender, string what) => $"/webhooks/rest/conversations/{sender}/{what}";

    [Fact]
    public async Task The_engine_stores_a_vote_on_the_polled_message_and_the_dialogue_goes_on()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);
        var first = await (await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"e1","message":"你好"}"""))).ReadJsonAsync();
        Assert.Equal("您好！", first[0].GetProperty("text").GetString());
        var poll = await (await host.Client.GetAsync(Route("e1", "messages"))).ReadJsonAsync();
        var index = Assert.Single(poll.GetProperty("messages").EnumerateArray()).GetProperty("index").GetInt32();

        var vote = await host.Client.PostAsync(Route("e1", "feedback"), Http.Json($$"""{"index":{{index}},"value":"down"}"""));
        Assert.True((await vote.ReadJsonAsync()).GetProperty("stored").GetBoolean());
        var again = await host.Client.PostAsync(Route("e1", "feedback"), Http.Json($$"""{"index":{{index}},"value":"down"}"""));
        Assert.False((await again.ReadJsonAsync()).GetProperty("stored").GetBoolean());
        var notBot = await host.Client.PostAsync(Route("e1", "feedback"), Http.Json($$"""{"index":{{index - 1}},"value":"up"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, notBot.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync(Route("e1", "rating"), Http.Json("""{"stars":3}"""))).StatusCode);

        var next = await (await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"e1","message":"再见"}"""))).ReadJsonAsync();
        Assert.Equal("再见！", next[0].GetProperty("text").GetString());
        var events = (await host.Store.LoadAsync("e1")).Select(RasaEventJson.FromStored).ToList();
        Assert.Equal(new MessageFeedback(index, Up: false) { Timestamp = default }, events.OfType<MessageFeedback>().Single() with { Timestamp = default });
        Assert.Equal(3, events.OfType<ConversationRated>().Single().Stars);
        Assert.IsType<BotUttered>(events[index]);
    }
}
