using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Nlu;
using Kefu.Server.Tests.Fakes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Kefu.Server.Tests;

/// <summary>
/// rasa run's --jwt-secret / --jwt-method (JWT auth with Rasa's {"user": {"username", "role"}} scopes) and
/// --response-timeout, on the routes the token guards.
/// </summary>
public class RasaApiAuthTests
{
    private const string Secret = "a-shared-secret-of-at-least-64-bytes, so that HS512 can sign with it";

    private static string Jwt(object payload, string secret = Secret, string algorithm = SecurityAlgorithms.HmacSha256) =>
        new JsonWebTokenHandler().CreateToken(JsonSerializer.Serialize(payload),
            new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), algorithm));

    private static long In(TimeSpan t) => DateTimeOffset.UtcNow.Add(t).ToUnixTimeSeconds();

    private static Task<TestHost> Start(string? token = null) => TestHost.StartAsync(token: token,
        configure: o => o with { JwtSecret = Secret }, chat: GreeterBot.Create);

    private static Task<HttpResponseMessage> Get(TestHost host, string path, string? bearer)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return host.Client.SendAsync(request);
    }

    [Fact]
    public async Task An_admin_jwt_opens_every_route_the_token_guards()
    {
        await using var host = await Start(token: "s3cret");
        var admin = Jwt(new { user = new { username = "ops", role = "admin" }, exp = In(TimeSpan.FromMinutes(5)) });

        Assert.Equal(HttpStatusCode.OK, (await Get(host, "/conversations/c-1/tracker", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Get(host, "/domain", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Get(host, "/status", admin)).StatusCode);
        // The token still works beside it, in the header and in the query.
        Assert.Equal(HttpStatusCode.OK, (await Get(host, "/domain", "s3cret")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Get(host, "/domain?token=s3cret", null)).StatusCode);
    }

    [Fact]
    public async Task A_user_jwt_opens_only_its_own_conversation()
    {
        await using var host = await Start();
        var user = Jwt(new { user = new { username = "c-7", role = "user" } });

        Assert.Equal(HttpStatusCode.OK, (await Get(host, "/conversations/c-7/tracker", user)).StatusCode);
        var other = await Get(host, "/conversations/c-8/tracker", user);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Contains("may only call the routes of conversation \"c-7\"", (await other.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(host, "/domain", user)).StatusCode);
        var noRole = Jwt(new { user = new { username = "c-7" } });
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(host, "/conversations/c-7/tracker", noRole)).StatusCode);
    }

    [Fact]
    public async Task A_jwt_with_a_wrong_signature_an_expired_one_or_another_method_is_401()
    {
        await using var host = await Start();
        var payload = new { user = new { username = "ops", role = "admin" } };

        foreach (var bad in new[]
                 {
                     Jwt(payload, secret: "another-secret-of-at-least-64-bytes, so that HS512 can sign with it!"),
                     Jwt(new { user = new { username = "ops", role = "admin" }, exp = In(TimeSpan.FromMinutes(-5)) }),
                     Jwt(payload, algorithm: SecurityAlgorithms.HmacSha512),
                     Jwt(payload)[..^4] + "AAAA",
                     "not.a.jwt",
                 })
        {
            var response = await Get(host, "/conversations/c-1/tracker", bad);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(host, "/conversations/c-1/tracker", null)).StatusCode);
        // Public routes stay public.
        Assert.Equal(HttpStatusCode.OK, (await Get(host, "/version", null)).StatusCode);
    }

    [Fact]
    public async Task With_a_jwt_secret_and_no_token_a_conversations_messages_want_a_jwt_that_may_read_it()
    {
        // A server guarded by JWTs alone: the poll and event routes of a conversation the web chat did not start (a Rasa
        // client's, telegram:..., slack:...) were open to anyone who knew or guessed its id.
        await using var host = await Start();
        Assert.Equal(HttpStatusCode.OK,
            (await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"c-9","message":"hello"}"""))).StatusCode);

        foreach (var path in new[] { "/webhooks/rest/conversations/c-9/messages", "/webhooks/rest/conversations/c-9/events" })
        {
            var anonymous = await Get(host, path, null);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());
            Assert.Equal(HttpStatusCode.Unauthorized, (await Get(host, path, "not.a.jwt")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await Get(host, path, Jwt(new { user = new { username = "c-8", role = "user" } }))).StatusCode);
        }
        var feedback = await host.Client.PostAsync("/webhooks/rest/conversations/c-9/feedback", Http.Json("""{"index":3,"value":"down"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, feedback.StatusCode);

        var admin = await Get(host, "/webhooks/rest/conversations/c-9/messages", Jwt(new { user = new { username = "ops", role = "admin" } }));
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Contains("c-9", await admin.Content.ReadAsStringAsync());
        var own = await Get(host, "/webhooks/rest/conversations/c-9/messages", Jwt(new { user = new { username = "c-9", role = "user" } }));
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Theory]
    [InlineData("short", "HS256", "--jwt-secret is 5 bytes; HS256 needs at least 32")]
    [InlineData(Secret, "ES256", "--jwt-method is \"ES256\"")]
    [InlineData(Secret, "RS256", "not a PEM public key")]
    public void Jwt_settings_that_cannot_work_stop_the_start(string secret, string method, string problem)
    {
        var options = new KefuServerOptions { JwtSecret = secret, JwtMethod = method };

        Assert.Contains(problem, Assert.Throws<ArgumentException>(options.ValidateSecuritySettings).Message);
    }

    [Fact]
    public async Task A_webhook_turn_past_the_response_timeout_is_503_and_still_stored()
    {
        await using var host = await TestHost.StartAsync(configure: o => o with { ResponseTimeout = TimeSpan.FromMilliseconds(200) },
            chat: store => new SlowChat(new EchoChatService(store), TimeSpan.FromSeconds(1)));

        var response = await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"slow-1","message":"hi"}"""));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("--response-timeout", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await host.Store.LoadAsync("slow-1")).Count == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Contains("bot", (await host.Store.LoadAsync("slow-1")).Select(e => e.Type));

        // A quick turn is answered as usual.
        var quick = await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"quick-1","message":"/fast"}"""));
        Assert.Equal(HttpStatusCode.OK, quick.StatusCode);
    }

    /// <summary>The echo bot, its turns (but those saying "/fast") slowed by <paramref name="delay"/> before they run.</summary>
    private sealed class SlowChat(IChatService inner, TimeSpan delay) : Fakes.DelegatingChatService(inner)
    {
        public override async Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text, JsonElement? metadata = null,
            CancellationToken ct = default)
        {
            if (text != "/fast")
                await Task.Delay(delay, ct);
            return await base.HandleMessageAsync(conversationId, text, metadata, ct);
        }
    }
}
