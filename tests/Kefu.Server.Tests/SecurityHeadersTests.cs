using System.Net;
using Kefu.Server.Http;

namespace Kefu.Server.Tests;

/// <summary>Issue 13 part 7: nosniff and no framing on every answer; the web chat's page under its Content-Security-Policy.</summary>
public class SecurityHeadersTests
{
    private static void AssertCommonHeaders(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task The_web_chat_page_gets_its_policy()
    {
        await using var host = await TestHost.StartAsync();
        var page = await host.Client.GetAsync("/");

        AssertCommonHeaders(page);
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Equal(SecurityHeaders.PagePolicy, policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.DoesNotContain("unsafe", policy);
    }

    [Theory]
    [InlineData("GET", "/webchat/chat.js")]
    [InlineData("GET", "/webchat/chat.css")]
    [InlineData("GET", "/healthz")]
    [InlineData("GET", "/openapi/v1.json")]
    [InlineData("GET", "/webhooks/rest/conversations/c1/messages")]
    [InlineData("GET", "/no/such/route")]
    [InlineData("POST", "/webhooks/rest/webhook")]          // 400 problem
    [InlineData("DELETE", "/healthz")]                      // 405
    public async Task Every_other_answer_gets_the_api_policy(string method, string path)
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? Http.Json("{}") : null });

        AssertCommonHeaders(response);
        Assert.Equal(SecurityHeaders.ApiPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task A_failure_inside_the_server_still_carries_them()
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"u1","message":"/boom"}"""));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        AssertCommonHeaders(response);
    }

    /// <summary>A 304's headers replace the cached page's: a policy chosen without a Content-Type would block its script.</summary>
    [Theory]
    [InlineData("/")]
    [InlineData("/webchat/chat.js")]
    public async Task A_not_modified_answer_keeps_the_cached_policy(string path)
    {
        await using var host = await TestHost.StartAsync();
        var first = await host.Client.GetAsync(path);
        var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.TryAddWithoutValidation("If-None-Match", first.Headers.ETag!.ToString());

        var response = await host.Client.SendAsync(again);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        AssertCommonHeaders(response);
        Assert.False(response.Headers.Contains("Content-Security-Policy"));
    }
}
