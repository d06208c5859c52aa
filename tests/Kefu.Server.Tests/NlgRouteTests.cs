using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests;

/// <summary>POST /nlg before the bot loads, without a local generator, and with a body that is not an NLG request.
/// The rewriting itself is tested in Kefu.Tests (RasaNlgServerTests) on the tiny fixtures.</summary>
public class NlgRouteTests
{
    private static readonly object Request = new { response = "utter_greet", arguments = new { }, tracker = new { latest_message = new { text = "你好" } }, channel = new { name = "rest" } };

    [Fact]
    public async Task Answers_503_until_loaded_and_404_without_a_generator()
    {
        await using var host = await TestHost.StartAsync();
        var early = await host.Client.PostAsJsonAsync("/nlg", Request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
        host.Services.GetRequiredService<LoadedLater<Kefu.Generation.Nlg.RasaNlgServer>>().Set(null);
        var none = await host.Client.PostAsJsonAsync("/nlg", Request);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Contains("nlg: {model: ...}", await none.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Requires_the_token_when_one_is_set()
    {
        await using var host = await TestHost.StartAsync(token: "secret");
        host.Services.GetRequiredService<LoadedLater<Kefu.Generation.Nlg.RasaNlgServer>>().Set(null);
        var response = await host.Client.PostAsJsonAsync("/nlg", Request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
