using System.Net;
using System.Text.Json;
using Kefu.Dialogue;

namespace Kefu.Server.Tests;

public class ApiTests
{
    [Fact]
    public async Task Parse_returns_rasa_shape_with_character_offsets()
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.PostAsync("/model/parse", Http.Json("""{"text":"😀订单 12345 到哪了"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var parse = await response.ReadJsonAsync();
        Assert.Equal("echo", parse.GetProperty("intent").GetProperty("name").GetString());
        Assert.Equal(0.9, parse.GetProperty("intent").GetProperty("confidence").GetDouble(), 3);
        Assert.Equal(2, parse.GetProperty("intent_ranking").GetArrayLength());
        var entity = Assert.Single(parse.GetProperty("entities").EnumerateArray());
        Assert.Equal("number", entity.GetProperty("entity").GetString());
        Assert.Equal("12345", entity.GetProperty("value").GetString());
        // The emoji is one character (two UTF-16 units): "😀订单 " is 4 characters.
        Assert.Equal(4, entity.GetProperty("start").GetInt32());
        Assert.Equal(9, entity.GetProperty("end").GetInt32());
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Fact]
    public async Task Parse_without_text_is_400()
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.PostAsync("/model/parse", Http.Json("""{"txt":"hi"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("text is required", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Tracker_shows_the_conversation()
    {
        await using var host = await TestHost.StartAsync();
        await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"c1","message":"我要退货"}"""));

        var tracker = await (await host.Client.GetAsync("/conversations/c1/tracker")).ReadJsonAsync();

        Assert.Equal("c1", tracker.GetProperty("sender_id").GetString());
        Assert.Equal(["user", "bot"], tracker.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task Agent_message_and_hand_back_go_to_the_chat_service()
    {
        await using var host = await TestHost.StartAsync();

        var agent = await host.Client.PostAsync("/conversations/c2/messages",
            Http.Json("""{"text":"您好，我是人工客服小王","sender":"agent","agent":"小王"}"""));
        Assert.Equal(HttpStatusCode.OK, agent.StatusCode);
        var last = (await agent.ReadJsonAsync()).GetProperty("events").EnumerateArray().Last();
        Assert.Equal("agent", last.GetProperty("event").GetString());
        Assert.Equal("小王", last.GetProperty("agent").GetString());

        var handBack = await host.Client.PostAsync("/conversations/c2/handback", null);
        Assert.Equal(HttpStatusCode.OK, handBack.StatusCode);
        Assert.Equal(["pause", "agent", "resume", "bot"], (await host.Store.LoadAsync("c2")).Select(e => e.Type));
    }

    [Theory]
    [InlineData("""{"text":"hi"}""", "sender is required")]
    [InlineData("""{"text":"hi","sender":"bot"}""", "expected \"user\" or \"agent\"")]
    [InlineData("""{"text":"hi","sender":"agent"}""", "agent is required")]
    [InlineData("""{"sender":"agent","agent":"a"}""", "text is required")]
    [InlineData("""{"text":"hi",""", "malformed JSON")]
    public async Task Bad_conversation_messages_are_400(string body, string expectedDetail)
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.PostAsync("/conversations/c4/messages", Http.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expectedDetail, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Fact]
    public async Task Status_reports_the_model_and_version()
    {
        await using var host = await TestHost.StartAsync();
        var status = await (await host.Client.GetAsync("/status")).ReadJsonAsync();

        Assert.Equal("models/test.kefu", status.GetProperty("model_file").GetString());
        Assert.Equal("test-model", status.GetProperty("model_id").GetString());
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero), status.GetProperty("trained_at").GetDateTimeOffset());
        Assert.False(string.IsNullOrEmpty(status.GetProperty("version").GetString()));
        Assert.True(status.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task Version_is_public_and_names_the_model_format_this_server_loads()
    {
        await using var host = await TestHost.StartAsync(token: "s3cret");
        var response = await host.Client.GetAsync("/version");   // no token: public, as Rasa's

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var version = await response.ReadJsonAsync();
        var status = await (await host.AuthorizedClient("s3cret").GetAsync("/status")).ReadJsonAsync();
        Assert.Equal(status.GetProperty("version").GetString(), version.GetProperty("version").GetString());
        Assert.Equal(Kefu.Models.ModelManifest.CurrentFormatVersion, version.GetProperty("model_format_version").GetInt32());
    }

    [Fact]
    public async Task The_server_starts_and_is_live_while_the_engine_is_still_loading()
    {
        // As `kefu serve` does it: the engine arrives once the model, which loads beside the server, is there.
        var engine = new EngineSwitch();
        await using var host = await TestHost.StartAsync(ready: false, chat: _ => engine);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        var early = await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"u","message":"hi"}"""));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);

        engine.Swap(new Fakes.EchoChatService(host.Store));
        host.Readiness.MarkReady(new ModelInfo("m", null, null));
        var reply = await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"u","message":"hi"}"""));
        Assert.Equal("echo: hi", (await reply.ReadJsonAsync())[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Health_is_live_at_once_and_ready_once_marked()
    {
        await using var host = await TestHost.StartAsync(ready: false);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        Assert.Equal("ok", (await (await host.Client.GetAsync("/webhooks/rest/")).ReadJsonAsync()).GetProperty("status").GetString());
        var notReady = await host.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        await notReady.ReadProblemAsync();

        host.Readiness.MarkReady(new ModelInfo("m", null, null));
        var ready = await host.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", (await ready.ReadJsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unknown_route_is_404()
    {
        await using var host = await TestHost.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/nope")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_lists_the_routes()
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.ReadJsonAsync();
        Assert.Equal("Kefu", document.GetProperty("info").GetProperty("title").GetString());
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/webhooks/rest/webhook", "/model/parse", "/conversations/{id}/tracker",
                     "/conversations/{id}/messages", "/conversations/{id}/handback", "/conversations/{id}/tracker/events",
                     "/conversations/{id}/trigger_intent", "/conversations/{id}/execute", "/conversations/{id}/predict", "/conversations/{id}/story", "/domain",
                     "/model/test/intents", "/model/test/stories", "/model/train", "/webhooks/rest/conversations/{sender}/messages",
                     "/webhooks/rest/conversations/{sender}/feedback", "/webhooks/rest/conversations/{sender}/rating", "/status", "/version", "/healthz", "/readyz", "/metrics" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        var request = paths.GetProperty("/webhooks/rest/webhook").GetProperty("post").GetProperty("requestBody");
        Assert.Contains("application/json", request.GetProperty("content").EnumerateObject().Select(p => p.Name));
        var required = document.GetProperty("components").GetProperty("schemas").GetProperty("RestChannelRequest")
            .GetProperty("required").EnumerateArray().Select(r => r.GetString());
        Assert.Equal(["sender", "message"], required);
    }

    [Fact]
    public async Task Web_chat_is_served_with_its_script_and_style()
    {
        await using var host = await TestHost.StartAsync();

        var page = await host.Client.GetAsync("/");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/webchat/chat.js", html);
        Assert.Contains("/webchat/chat.css", html);

        var script = await host.Client.GetAsync("/webchat/chat.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/webhooks/rest/stream", await script.Content.ReadAsStringAsync());   // the web chat posts to the streaming route
        Assert.Equal("text/css", (await host.Client.GetAsync("/webchat/chat.css")).Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/webchat/missing.js")).StatusCode);
        // The console's files are its own folder's, not the web chat's.
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/webchat/console.index.html")).StatusCode);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/");
        conditional.Headers.TryAddWithoutValidation("If-None-Match", page.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, (await host.Client.SendAsync(conditional)).StatusCode);
    }
}
