using System.Net;
using System.Net.Http.Headers;
using YamlDotNet.RepresentationModel;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests;

/// <summary>GET /domain as Rasa's: JSON by default, YAML for a YAML Accept header, 406 for anything else.</summary>
public class RasaApiDomainTests
{
    private static Task<HttpResponseMessage> Get(HttpClient client, string? accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/domain");
        if (accept is not null)
            request.Headers.Accept.ParseAdd(accept);
        return client.SendAsync(request);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("*/*")]
    public async Task The_domain_is_json_by_default(string? accept)
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var response = await Get(host.Client, accept);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var domain = await response.ReadJsonAsync();
        Assert.Equal(["greet", "goodbye"], domain.GetProperty("intents").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal("您好！", domain.GetProperty("responses").GetProperty("utter_greet")[0].GetProperty("text").GetString());
        Assert.Equal("text", domain.GetProperty("slots").GetProperty("city").GetProperty("type").GetString());
        Assert.True(domain.TryGetProperty("session_config", out _));
    }

    [Theory]
    [InlineData("application/x-yml")]
    [InlineData("text/yaml")]
    [InlineData("text/html;q=0.5, application/yaml")]
    public async Task The_domain_is_yaml_for_a_yaml_accept_header(string accept)
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var response = await Get(host.Client, accept);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-yml", response.Content.Headers.ContentType?.MediaType);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(await response.Content.ReadAsStringAsync()));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        Assert.Equal(["greet", "goodbye"], ((YamlSequenceNode)root["intents"]).Select(n => ((YamlScalarNode)n).Value));
        var greet = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)root["responses"])["utter_greet"])[0];
        Assert.Equal("您好！", ((YamlScalarNode)greet["text"]).Value);
        // The version stays a string ("3.1"), not the number 3.1.
        Assert.Equal(YamlDotNet.Core.ScalarStyle.DoubleQuoted, ((YamlScalarNode)root["version"]).Style);
    }

    [Fact]
    public async Task Another_accept_header_is_406_and_the_token_is_wanted()
    {
        await using var host = await TestHost.StartAsync(token: "s3cret", chat: GreeterBot.Create);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(host.Client, null)).StatusCode);
        var response = await Get(host.AuthorizedClient("s3cret"), "text/html");
        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        Assert.Contains("application/x-yml", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }
}
