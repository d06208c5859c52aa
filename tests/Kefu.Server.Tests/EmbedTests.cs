using System.Net;
using Kefu.Server.Http;

namespace Kefu.Server.Tests;

/// <summary>Issue 18.3: the chat page framable by exactly --cors-origins, the framed chat's cookie, embed.js served.</summary>
public class EmbedTests
{
    private static Task<TestHost> StartAsync(params string[] origins) =>
        TestHost.StartAsync(configure: o => o with { CorsOrigins = origins });

    [Fact]
    public async Task The_chat_page_may_be_framed_by_exactly_the_listed_origins_and_nothing_else_may()
    {
        await using var host = await StartAsync("https://shop.example.com", "http://localhost:3000/");
        var page = await host.Client.GetAsync("/");

        Assert.False(page.Headers.Contains("X-Frame-Options"));
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.EndsWith("frame-ancestors https://shop.example.com http://localhost:3000", policy);
        Assert.Equal(SecurityHeaders.PagePolicy.Replace("frame-ancestors 'none'", "", StringComparison.Ordinal),
            policy[..(policy.IndexOf("frame-ancestors", StringComparison.Ordinal))]);

        // Its 304 does not bring X-Frame-Options back into the cached page.
        var again = new HttpRequestMessage(HttpMethod.Get, "/");
        again.Headers.TryAddWithoutValidation("If-None-Match", page.Headers.ETag!.ToString());
        var notModified = await host.Client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.False(notModified.Headers.Contains("X-Frame-Options"));

        foreach (var other in new[] { "/webchat/chat.js", "/webchat/embed.js", "/healthz", "/console/" })
        {
            var response = await host.Client.GetAsync(other);
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            if (response.Headers.TryGetValues("Content-Security-Policy", out var values))
                Assert.Contains("frame-ancestors 'none'", values.Single());
        }
    }

    [Theory]
    [InlineData]
    [InlineData("*")]
    public async Task Without_listed_origins_the_chat_page_stays_unframable(params string[] origins)
    {
        await using var host = await StartAsync(origins);
        var page = await host.Client.GetAsync("/");

        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal(SecurityHeaders.PagePolicy, page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Theory]
    [InlineData(new[] { "https://shop.example.com" }, "?embed=1", true)]
    [InlineData(new[] { "https://shop.example.com" }, "", false)]
    [InlineData(new[] { "https://shop.example.com" }, "?embed=yes", false)]
    [InlineData(new string[0], "?embed=1", false)]
    [InlineData(new[] { "*" }, "?embed=1", false)]
    public async Task A_framed_chat_gets_a_partitioned_cross_site_cookie_only_where_framing_is_allowed(string[] origins, string query, bool framed)
    {
        await using var host = await StartAsync(origins);
        var response = await host.Client.PostAsync("/webhooks/rest/sessions" + query, null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single().ToLowerInvariant();
        Assert.Contains("httponly", cookie);
        if (framed)
        {
            Assert.Contains("samesite=none", cookie);
            Assert.Contains("secure", cookie);
            Assert.Contains("partitioned", cookie);
        }
        else
        {
            Assert.Contains("samesite=strict", cookie);
            Assert.DoesNotContain("partitioned", cookie);
        }
    }

    [Fact]
    public async Task Embed_js_and_the_options_script_are_served_as_javascript()
    {
        await using var host = await StartAsync();
        foreach (var file in new[] { "embed.js", "chat-options.js", "chat-updates.js" })
        {
            var response = await host.Client.GetAsync("/webchat/" + file);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
