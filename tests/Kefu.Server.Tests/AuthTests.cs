using System.Net;

namespace Kefu.Server.Tests;

public class AuthTests
{
    private const string Token = "s3cret-token";

    [Theory]
    [InlineData("GET", "/status")]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/conversations/c1/tracker")]
    [InlineData("POST", "/conversations/c1/handback")]
    [InlineData("POST", "/model/parse")]
    public async Task Guarded_endpoints_want_the_token(string method, string path)
    {
        await using var host = await TestHost.StartAsync(Token);
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Http.Json("""{"text":"hi"}""") };

        var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        await response.ReadProblemAsync();
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Fact]
    public async Task Bearer_header_or_query_token_opens_them()
    {
        await using var host = await TestHost.StartAsync(Token);

        Assert.Equal(HttpStatusCode.OK, (await host.AuthorizedClient(Token).GetAsync("/status")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/status?token={Token}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.AuthorizedClient("wrong").GetAsync("/status")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.GetAsync("/status?token=wrong")).StatusCode);
    }

    [Fact]
    public async Task Public_endpoints_stay_open_when_a_token_is_set()
    {
        await using var host = await TestHost.StartAsync(Token);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("/webhooks/rest/webhook",
            Http.Json("""{"sender":"u1","message":"hi"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/openapi/v1.json")).StatusCode);
    }
}
