using Kefu.Dialogue.Actions;
using Kefu.Projects;

namespace Kefu.Tests.Actions;

public class ActionServerEndpointTests
{
    [Fact]
    public void A_project_without_endpoints_yml_has_no_action_server()
    {
        var dir = Directory.CreateTempSubdirectory("kefu-endpoints-");
        try
        {
            Assert.Null(ActionServerEndpoint.Load(dir.FullName));
            File.WriteAllText(Path.Combine(dir.FullName, "endpoints.yml"), "# action_endpoint:\n#   url: \"http://localhost:5055/webhook\"\n");
            Assert.Null(ActionServerEndpoint.Load(dir.FullName));
            File.WriteAllText(Path.Combine(dir.FullName, "endpoints.yml"), "action_endpoint:\n  url: \"http://localhost:5055/webhook\"\n");
            Assert.Equal(new Uri("http://localhost:5055/webhook"), ActionServerEndpoint.Load(dir.FullName)?.Url);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Url_timeout_and_token_are_read()
    {
        var e = ActionServerEndpoint.Parse("""
            tracker_store:
              type: sql
            action_endpoint:
              url: "http://127.0.0.1:5055/webhook"
              timeout: 2.5
              token: "s3cret&"
            """, "endpoints.yml")!;
        Assert.Equal(TimeSpan.FromSeconds(2.5), e.Timeout);
        Assert.Equal("http://127.0.0.1:5055/webhook?token=s3cret%26", e.RequestUri.AbsoluteUri);
        Assert.Equal(ActionServerEndpoint.DefaultTimeout, ActionServerEndpoint.Parse("action_endpoint: {url: http://a/b}", "e.yml")!.Timeout);
    }

    [Fact]
    public void Environment_variables_are_substituted()
    {
        var name = "KEFU_TEST_ACTION_URL_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "http://actions:5055/webhook");
        try
        {
            Assert.Equal("actions", ActionServerEndpoint.Parse($"action_endpoint:\n  url: ${{{name}}}\n", "e.yml")!.Url.Host);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
        var ex = Assert.Throws<ProjectException>(() => ActionServerEndpoint.Parse($"action_endpoint:\n  url: ${{{name}}}\n", "e.yml"));
        Assert.Contains(name, ex.Message);
    }

    [Theory]
    [InlineData("action_endpoint:\n  timeout: 3\n", "e.yml:2:3: error: action_endpoint needs a url")]
    [InlineData("action_endpoint:\n  url: localhost:5055\n", "e.yml:2:8: error: action_endpoint url \"localhost:5055\" is not an absolute http(s) URL")]
    [InlineData("action_endpoint:\n  url: http://a/b\n  timeout: soon\n", "e.yml:3:12: error: action_endpoint timeout \"soon\"")]
    [InlineData("action_endpoint:\n  url: http://a/b\n  timeout: -1\n", "e.yml:3:12: error")]
    [InlineData("action_endpoint: http://a/b\n", "e.yml:1:18: error: action_endpoint must be a mapping")]
    [InlineData("action_endpoint:\n  url: [http://a/b]\n", "e.yml:2:8: error: action_endpoint url must be a single value")]
    [InlineData("action_endpoint: {url: \"http://a/b\"\n", "e.yml:")]
    public void Malformed_files_say_what_and_where(string yaml, string expected)
    {
        var ex = Assert.Throws<ProjectException>(() => ActionServerEndpoint.Parse(yaml, "e.yml"));
        Assert.StartsWith(expected, ex.Message);
    }
}
