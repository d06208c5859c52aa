using System.Net;
using System.Text;

namespace Kefu.Server.Tests;

/// <summary>Issue 13 part 3: bodies must say they are JSON; Host names and page origins are checked; CORS only when configured.</summary>
public class JsonContentTypeTests
{
    private static HttpContent Body(string json, string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        if (contentType is not null)
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON; charset=UTF-8")]
    [InlineData("application/vnd.kefu+json")]
    public async Task Json_content_types_are_read(string contentType)
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.PostAsync("/webhooks/rest/webhook", Body("""{"sender":"u1","message":"hi"}""", contentType));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("echo: hi", (await response.ReadJsonAsync())[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("text/plain; charset=utf-8")]
    [InlineData("application/x-www-form-urlencoded")]   // what `curl -d` sends, and an HTML form
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("text/json")]
    [InlineData(null)]
    public async Task Other_content_types_get_415_on_every_route_that_reads_a_body_and_change_nothing(string? contentType)
    {
        await using var host = await TestHost.StartAsync();
        await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"c1","message":"hi"}"""));

        foreach (var (path, json) in new[]
                 {
                     ("/webhooks/rest/webhook", """{"sender":"c1","message":"hi"}"""),
                     ("/conversations/c1/messages", """{"sender":"agent","agent":"x","text":"您好"}"""),
                     ("/model/parse", """{"text":"hi"}"""),
                 })
        {
            var response = await host.Client.PostAsync(path, Body(json, contentType));

            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            var detail = (await response.ReadProblemAsync()).GetProperty("detail").GetString()!;
            Assert.Contains(contentType is null ? "no Content-Type" : $"Content-Type \"{contentType}\"", detail);
            Assert.Contains("application/json", detail);
        }
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("c1")).Select(e => e.Type));
    }

    [Fact]
    public async Task A_hand_back_has_no_body_and_needs_no_content_type()
    {
        await using var host = await TestHost.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("/conversations/c1/handback", null)).StatusCode);
    }
}

public class HostHeaderTests
{
    private static HttpRequestMessage Get(string path, string host) => new(HttpMethod.Get, path) { Headers = { Host = host } };

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST:5005")]
    [InlineData("127.0.0.1:5005")]
    [InlineData("[::1]:5005")]
    public async Task Loopback_names_are_answered_by_default_on_a_loopback_address(string name)
    {
        await using var host = await TestHost.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(Get("/webhooks/rest/", name))).StatusCode);
    }

    [Theory]
    [InlineData("rebind.example:5005")]
    [InlineData("localhost.example")]
    [InlineData("127.0.0.2")]
    [InlineData("10.0.0.5:5005")]
    public async Task Other_names_are_refused_as_dns_rebinding_would_send_them(string name)
    {
        await using var host = await TestHost.StartAsync();
        await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"c1","message":"hi"}"""));

        var read = await host.Client.SendAsync(Get("/conversations/c1/tracker", name));
        var write = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/conversations/c1/messages")
        {
            Headers = { Host = name },
            Content = Http.Json("""{"sender":"agent","agent":"x","text":"hi"}"""),
        });

        Assert.Equal(HttpStatusCode.BadRequest, read.StatusCode);
        Assert.Contains("--allowed-hosts", (await read.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, write.StatusCode);
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("c1")).Select(e => e.Type));
    }

    [Fact]
    public async Task Health_probes_are_answered_whatever_the_host()
    {
        await using var host = await TestHost.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(Get("/healthz", "10.1.2.3:5005"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(Get("/readyz", "10.1.2.3:5005"))).StatusCode);
    }

    [Fact]
    public async Task A_configured_list_replaces_the_default()
    {
        await using var host = await TestHost.StartAsync(configure: o => o with { AllowedHosts = ["kefu.example.com", "*.corp.example"] });

        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(Get("/webhooks/rest/", "kefu.example.com"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(Get("/webhooks/rest/", "chat.corp.example:443"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Client.SendAsync(Get("/webhooks/rest/", "corp.example"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Client.SendAsync(Get("/webhooks/rest/", "localhost"))).StatusCode);
    }

    [Fact]
    public async Task A_star_or_a_wildcard_address_checks_no_name()
    {
        await using (var star = await TestHost.StartAsync(configure: o => o with { AllowedHosts = ["*"] }))
            Assert.Equal(HttpStatusCode.OK, (await star.Client.SendAsync(Get("/webhooks/rest/", "anything.example"))).StatusCode);
        await using var everywhere = await TestHost.StartAsync(configure: o => o with { Host = "0.0.0.0" });
        Assert.Equal(HttpStatusCode.OK, (await everywhere.Client.SendAsync(Get("/webhooks/rest/", "anything.example"))).StatusCode);
    }

    [Fact]
    public void Defaults_follow_the_bound_address()
    {
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], KefuServerOptions.DefaultAllowedHosts("127.0.0.1"));
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], KefuServerOptions.DefaultAllowedHosts("localhost"));
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], KefuServerOptions.DefaultAllowedHosts("::1"));
        Assert.Equal(["localhost", "127.0.0.1", "[::1]", "127.0.0.7"], KefuServerOptions.DefaultAllowedHosts("127.0.0.7"));
        Assert.Equal(["*"], KefuServerOptions.DefaultAllowedHosts("0.0.0.0"));
        Assert.Equal(["*"], KefuServerOptions.DefaultAllowedHosts("::"));
        Assert.Equal(["*"], KefuServerOptions.DefaultAllowedHosts("192.168.1.20"));
    }

    [Theory]
    [InlineData("http://kefu.example.com")]
    [InlineData("kefu.example.com:5005")]
    [InlineData("kefu.example.com/chat")]
    [InlineData("::1")]
    [InlineData("")]
    public async Task A_bad_host_pattern_stops_the_start(string pattern)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => TestHost.StartAsync(configure: o => o with { AllowedHosts = [pattern] }));
        Assert.Contains($"\"{pattern}\"", error.Message);
    }
}

public class OriginTests
{
    private static HttpRequestMessage Post(string path, string json, string? origin, string? host = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Http.Json(json) };
        if (origin is not null)
            request.Headers.Add("Origin", origin);
        if (host is not null)
            request.Headers.Host = host;
        return request;
    }

    private const string AgentMessage = """{"sender":"agent","agent":"x","text":"您好"}""";

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://localhost:8080")]   // another port on the same machine is another origin
    [InlineData("null")]                    // sandboxed frames, file: pages
    public async Task Posts_from_other_origins_are_refused_before_they_change_anything(string origin)
    {
        await using var host = await TestHost.StartAsync();
        await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"c1","message":"hi"}"""));

        var agent = await host.Client.SendAsync(Post("/conversations/c1/messages", AgentMessage, origin));
        var webhook = await host.Client.SendAsync(Post("/webhooks/rest/webhook", """{"sender":"c1","message":"again"}""", origin));
        var handBack = await host.Client.SendAsync(Post("/conversations/c1/handback", "{}", origin));

        foreach (var response in new[] { agent, webhook, handBack })
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains($"a page at {origin}", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        }
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("c1")).Select(e => e.Type));
    }

    [Theory]
    [InlineData("http://localhost", "localhost")]
    [InlineData("http://127.0.0.1:5005", "127.0.0.1:5005")]
    [InlineData("http://[::1]:5005", "[::1]:5005")]
    [InlineData("https://localhost", "localhost")]     // TLS ended at a proxy: the scheme is not compared
    public async Task The_servers_own_pages_may_post(string origin, string hostHeader)
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.SendAsync(Post("/conversations/c1/messages", AgentMessage, origin, hostHeader));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Clients_that_send_no_origin_are_not_browsers_pages_and_pass()
    {
        await using var host = await TestHost.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(Post("/conversations/c1/messages", AgentMessage, null))).StatusCode);
    }

    [Fact]
    public async Task Reads_from_other_origins_pass_but_without_cors_the_page_cannot_see_them()
    {
        await using var host = await TestHost.StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/webhooks/rest/conversations/c1/messages") { Headers = { { "Origin", "http://evil.example" } } };

        var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_listed_origin_may_post_and_gets_cors_answers()
    {
        await using var host = await TestHost.StartAsync(configure: o => o with { CorsOrigins = ["https://shop.example.com/"] });

        var allowed = await host.Client.SendAsync(Post("/webhooks/rest/webhook", """{"sender":"c1","message":"hi"}""", "https://shop.example.com"));
        var other = await host.Client.SendAsync(Post("/webhooks/rest/webhook", """{"sender":"c1","message":"hi"}""", "https://evil.example"));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("https://shop.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage Preflight(string path, string origin) => new(HttpMethod.Options, path)
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", "POST" },
            { "Access-Control-Request-Headers", "content-type" },
        },
    };

    [Fact]
    public async Task Preflights_of_a_listed_origin_are_answered()
    {
        await using var host = await TestHost.StartAsync(configure: o => o with { CorsOrigins = ["https://shop.example.com"] });

        var response = await host.Client.SendAsync(Preflight("/webhooks/rest/webhook", "https://shop.example.com"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("https://shop.example.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Contains("content-type", response.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("600", response.Headers.GetValues("Access-Control-Max-Age").Single());

        var stranger = await host.Client.SendAsync(Preflight("/webhooks/rest/webhook", "https://evil.example"));
        Assert.False(stranger.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Star_lets_any_origin_post_without_cookies()
    {
        await using var host = await TestHost.StartAsync(configure: o => o with { CorsOrigins = ["*"] });

        var response = await host.Client.SendAsync(Post("/webhooks/rest/webhook", """{"sender":"c1","message":"hi"}""", "https://anywhere.example"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Without_cors_a_preflight_gets_no_cors_headers()
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.SendAsync(Preflight("/webhooks/rest/webhook", "https://shop.example.com"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("shop.example.com")]
    [InlineData("https://shop.example.com/widget")]
    [InlineData("ftp://shop.example.com")]
    [InlineData("https://shop.example.com?x=1")]
    public async Task A_bad_origin_stops_the_start(string origin)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => TestHost.StartAsync(configure: o => o with { CorsOrigins = [origin] }));
        Assert.Contains($"\"{origin}\"", error.Message);
    }

    [Fact]
    public void Host_headers_match_origins_by_name_and_port()
    {
        static bool IsSameOrigin(string origin, string host) =>
            Kefu.Server.Http.RequestGuards.IsSameOrigin(origin, Microsoft.AspNetCore.Http.HostString.FromUriComponent(host));

        Assert.True(IsSameOrigin("http://127.0.0.1:5005", "127.0.0.1:5005"));
        Assert.True(IsSameOrigin("https://chat.example.com", "chat.example.com"));
        Assert.True(IsSameOrigin("https://chat.example.com", "chat.example.com:443"));
        Assert.False(IsSameOrigin("https://chat.example.com", "chat.example.com:80"));
        Assert.False(IsSameOrigin("http://127.0.0.1:5006", "127.0.0.1:5005"));
        Assert.False(IsSameOrigin("http://evil.example:5005", "127.0.0.1:5005"));
        Assert.False(IsSameOrigin("null", "127.0.0.1:5005"));
    }
}
