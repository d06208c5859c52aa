using System.Net;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests;

/// <summary>Issue 13 part 7: HEAD wherever GET, on real Kestrel (which drops the body); OPTIONS outside CORS is a 405 with Allow.</summary>
public sealed class HttpMethodTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-methods-").FullName;
    private WebApplication? _app;
    private readonly HttpClient _client = new();

    public async Task InitializeAsync()
    {
        _app = KefuServer.Build(new KefuServerOptions { Port = 0, ProjectDirectory = _directory },
            services => services.AddSingleton<IChatService, EchoChatService>());
        _app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("m", null, null));
        await _app.StartAsync();
        _client.BaseAddress = new Uri(_app.Urls.Single());
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/")]
    [InlineData("/webchat/chat.js")]
    [InlineData("/webchat/icon.svg")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/webhooks/rest/")]
    [InlineData("/webhooks/rest/conversations/c1/messages")]
    [InlineData("/status")]
    public async Task Head_answers_as_get_without_the_body(string path)
    {
        var get = await _client.GetAsync(path);
        var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal("nosniff", head.Headers.GetValues("X-Content-Type-Options").Single());
        // RFC 9110 §8.6: a Content-Length on HEAD must be the length GET's body has.
        var getLength = (await get.Content.ReadAsByteArrayAsync()).Length;
        if (head.Content.Headers.NonValidated.TryGetValues("Content-Length", out var sent))
            Assert.Equal(getLength.ToString(), sent.ToString());
    }

    [Fact]
    public async Task Head_of_a_post_route_is_405_with_allow()
    {
        var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/webhooks/rest/webhook"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["POST"], response.Content.Headers.Allow);
    }

    [Theory]
    [InlineData("/healthz", new[] { "GET", "HEAD" })]
    [InlineData("/webhooks/rest/webhook", new[] { "POST" })]
    public async Task Options_without_cors_is_405_naming_the_routes_methods(string path, string[] allowed)
    {
        var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Options, path));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allowed, response.Content.Headers.Allow.Order());
    }

    [Fact]
    public async Task The_openapi_document_has_no_head_twins()
    {
        var document = JsonDocument.Parse(await _client.GetStringAsync("/openapi/v1.json")).RootElement;
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => op.Name)).ToList();

        Assert.Contains("get", operations);
        Assert.Contains("post", operations);
        Assert.DoesNotContain("head", operations);
        Assert.True(document.GetProperty("paths").TryGetProperty("/webhooks/rest/sessions", out _));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(_directory, recursive: true);
    }
}
