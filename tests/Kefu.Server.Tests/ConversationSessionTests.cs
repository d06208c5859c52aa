using System.Net;
using Kefu.Dialogue;
using Kefu.Server.Http;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests;

/// <summary>Issue 13 part 4: a web chat's conversation answers only to the session (cookie) that started it, or to the token.</summary>
public class ConversationSessionTests
{
    private const string Token = "s3cret-token";

    /// <summary>A session as a browser gets it: the sender id and the "name=value" of its cookie.</summary>
    private sealed record Session(string Sender, string Cookie);

    private static async Task<Session> StartSessionAsync(HttpClient client)
    {
        var response = await client.PostAsync("/webhooks/rest/sessions", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var sender = (await response.ReadJsonAsync()).GetProperty("sender").GetString()!;
        var setCookie = response.Headers.GetValues("Set-Cookie").Single();
        return new Session(sender, setCookie.Split(';')[0]);
    }

    private static HttpRequestMessage Webhook(string sender, string? cookie) =>
        WithCookie(new HttpRequestMessage(HttpMethod.Post, "/webhooks/rest/webhook")
        {
            Content = Http.Json(Http.Serialize(new { sender, message = "我的订单 20261121-8848 到哪了" })),
        }, cookie);

    private static HttpRequestMessage Poll(string sender, string? cookie) =>
        WithCookie(new HttpRequestMessage(HttpMethod.Get, $"/webhooks/rest/conversations/{Uri.EscapeDataString(sender)}/messages"), cookie);

    private static HttpRequestMessage WithCookie(HttpRequestMessage request, string? cookie)
    {
        if (cookie is not null)
            request.Headers.Add("Cookie", cookie);
        return request;
    }

    [Fact]
    public async Task A_session_is_a_new_random_id_and_an_httponly_strict_cookie()
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.PostAsync("/webhooks/rest/sessions", null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var sender = (await response.ReadJsonAsync()).GetProperty("sender").GetString()!;
        Assert.Matches("^webchat-[A-Za-z0-9_-]{22}$", sender);
        Assert.Equal($"/webhooks/rest/conversations/{sender}/messages", response.Headers.Location?.ToString());
        var cookie = response.Headers.GetValues("Set-Cookie").Single().ToLowerInvariant();
        Assert.StartsWith("kefu_session_", cookie);
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=strict", cookie);
        Assert.Contains("path=/webhooks/rest/", cookie);
        Assert.Contains("max-age=2592000", cookie);
        Assert.DoesNotContain("secure", cookie);   // plain HTTP here; see the next test

        var other = await StartSessionAsync(host.Client);
        Assert.NotEqual(sender, other.Sender);
        Assert.Empty(await host.Store.ListConversationsAsync());   // nothing is stored for a session
    }

    [Fact]
    public async Task Behind_a_tls_proxy_the_cookie_is_secure()
    {
        await using var host = await TestHost.StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/rest/sessions") { Headers = { { "X-Forwarded-Proto", "https" } } };

        var response = await host.Client.SendAsync(request);

        Assert.Contains("secure", response.Headers.GetValues("Set-Cookie").Single().ToLowerInvariant());
    }

    [Fact]
    public async Task The_sessions_cookie_opens_its_conversation_on_the_webhook_and_the_poll()
    {
        await using var host = await TestHost.StartAsync();
        var session = await StartSessionAsync(host.Client);

        var reply = await host.Client.SendAsync(Webhook(session.Sender, session.Cookie));
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal("echo: 我的订单 20261121-8848 到哪了", (await reply.ReadJsonAsync())[0].GetProperty("text").GetString());

        var poll = await host.Client.SendAsync(Poll(session.Sender, session.Cookie));
        Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
        Assert.Single((await poll.ReadJsonAsync()).GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task Knowing_the_id_is_not_enough_to_read_or_continue_the_conversation()
    {
        await using var host = await TestHost.StartAsync();
        var victim = await StartSessionAsync(host.Client);
        await host.Client.SendAsync(Webhook(victim.Sender, victim.Cookie));
        var attacker = await StartSessionAsync(host.Client);
        var cookieName = victim.Cookie.Split('=')[0];

        foreach (var cookie in new string?[] { null, attacker.Cookie, $"{cookieName}=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", $"{cookieName}=not base64!" })
        {
            var read = await host.Client.SendAsync(Poll(victim.Sender, cookie));
            var write = await host.Client.SendAsync(Webhook(victim.Sender, cookie));

            Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
            Assert.Contains("belongs to a web chat session", (await read.ReadProblemAsync()).GetProperty("detail").GetString());
            Assert.DoesNotContain("20261121", await read.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        }
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync(victim.Sender)).Select(e => e.Type));
    }

    [Fact]
    public async Task An_id_that_looks_like_a_session_but_was_never_given_is_refused_too()
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.SendAsync(Webhook("webchat-made-up-by-a-client", null));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Fact]
    public async Task The_token_opens_every_conversation_for_server_side_clients()
    {
        await using var host = await TestHost.StartAsync(Token);
        var session = await StartSessionAsync(host.Client);
        await host.Client.SendAsync(Webhook(session.Sender, session.Cookie));
        var agentConsole = host.AuthorizedClient(Token);

        Assert.Equal(HttpStatusCode.OK, (await agentConsole.SendAsync(Poll(session.Sender, null))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agentConsole.SendAsync(Webhook(session.Sender, null))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(WithToken(Poll(session.Sender, null)))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.AuthorizedClient("wrong").SendAsync(Poll(session.Sender, null))).StatusCode);
    }

    private static HttpRequestMessage WithToken(HttpRequestMessage request)
    {
        request.RequestUri = new Uri(request.RequestUri + "?token=" + Token, UriKind.Relative);
        return request;
    }

    [Fact]
    public async Task Rasa_clients_keep_the_public_webhook_with_their_own_ids_token_or_not()
    {
        foreach (var token in new[] { null, Token })
        {
            await using var host = await TestHost.StartAsync(token);

            var first = await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"customer-42","message":"你好"}"""));
            var second = await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"customer-42","message":"查订单"}"""));

            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("echo: 查订单", (await second.ReadJsonAsync())[0].GetProperty("text").GetString());
            Assert.Equal("customer-42", (await second.ReadJsonAsync())[0].GetProperty("recipient_id").GetString());
        }
    }

    [Fact]
    public async Task Sessions_outlive_a_restart_through_the_key_file_beside_the_store()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-session-");
        try
        {
            var options = new KefuServerOptions { Port = 0, DatabasePath = Path.Combine(directory.FullName, "data", "conversations.db") };
            var store = new InMemoryEventStore();
            Session session;
            await using (var first = await StartAsync(options, store))
            {
                session = await StartSessionAsync(first.GetTestClient());
                Assert.Equal(HttpStatusCode.OK, (await first.GetTestClient().SendAsync(Webhook(session.Sender, session.Cookie))).StatusCode);
            }
            var keyFile = Path.Combine(directory.FullName, "data", "conversations.db.session-key");
            Assert.True(File.Exists(keyFile));
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));

            await using var second = await StartAsync(options, store);
            var poll = await second.GetTestClient().SendAsync(Poll(session.Sender, session.Cookie));
            Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
            Assert.Single((await poll.ReadJsonAsync()).GetProperty("messages").EnumerateArray());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_damaged_key_file_is_refused_with_what_to_do()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "c2hvcnQ=\n");
            var error = Assert.Throws<InvalidDataException>(() => ConversationSessions.ReadOrCreateKey(file));
            Assert.Contains("delete it", error.Message);
            Assert.Equal("c2hvcnQ=\n", File.ReadAllText(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Servers_with_different_keys_use_different_cookie_names()
    {
        var one = new ConversationSessions(new byte[32], null);
        var other = new ConversationSessions(Enumerable.Repeat((byte)7, 32).ToArray(), null);
        Assert.NotEqual(one.CookieName, other.CookieName);
        Assert.Throws<ArgumentException>(() => new ConversationSessions(new byte[16], null));
    }

    private static async Task<WebApplication> StartAsync(KefuServerOptions options, InMemoryEventStore store)
    {
        var builder = KefuServer.CreateBuilder(options, services =>
        {
            services.AddSingleton<IEventStore>(store);
            services.AddSingleton<IChatService, EchoChatService>();
        });
        builder.WebHost.UseTestServer();
        var app = KefuServer.Build(builder);
        app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("m", null, null));
        await app.StartAsync();
        return app;
    }
}
