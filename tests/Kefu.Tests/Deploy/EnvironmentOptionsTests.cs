using System.CommandLine;
using Kefu.Cli;
using Kefu.Cli.Commands;

namespace Kefu.Tests.Deploy;

/// <summary>`kefu serve`'s options from KEFU_* variables (docs/deploy.md, "Environment variables").</summary>
public class EnvironmentOptionsTests
{
    private static (Command Root, Command Serve) Cli()
    {
        var serve = EnvironmentOptions.Enable(ServeCommand.Create());
        return (new Command("kefu") { serve }, serve);
    }

    private static T? Value<T>(ParseResult parse, Command serve, string name) =>
        parse.GetValue((Option<T>)serve.Options.Single(o => o.Name == name));

    [Fact]
    public void A_variable_sets_an_unset_option_and_the_command_line_wins()
    {
        var (root, serve) = Cli();
        var environment = new Dictionary<string, string>
        {
            ["KEFU_MAX_BODY_KB"] = "512", ["KEFU_PORT"] = "5402", ["KEFU_LOG_FORMAT"] = "json", ["KEFU_ALLOWED_HOSTS"] = "a.example.com, b.example.com",
        };

        var parse = EnvironmentOptions.Parse(root, ["serve", "--port", "5403"], out var error, environment.GetValueOrDefault);

        Assert.Null(error);
        Assert.Empty(parse.Errors);
        Assert.Equal(512, Value<int>(parse, serve, "--max-body-kb"));
        Assert.Equal(5403, Value<int>(parse, serve, "--port"));   // given on the command line
        Assert.Equal(Kefu.Server.LogFormat.Json, Value<Kefu.Server.LogFormat>(parse, serve, "--log-format"));
        Assert.Equal(["a.example.com", "b.example.com"], Value<string[]>(parse, serve, "--allowed-hosts")!);
        Assert.Equal(30, Value<int>(parse, serve, "--shutdown-timeout"));   // no variable: the default
    }

    [Fact]
    public void A_value_the_option_refuses_is_an_error_naming_the_variable()
    {
        var (root, _) = Cli();
        EnvironmentOptions.Parse(root, ["serve"], out var notANumber, name => name == "KEFU_PORT" ? "http" : null);
        EnvironmentOptions.Parse(root, ["serve"], out var zero, name => name == "KEFU_SHUTDOWN_TIMEOUT" ? "0" : null);

        Assert.Equal("kefu: KEFU_PORT=http: Cannot parse argument 'http' for option '--port' as expected type 'System.Int32'.", notANumber);
        Assert.Equal("kefu: KEFU_SHUTDOWN_TIMEOUT=0: --shutdown-timeout must be at least 1", zero);
    }

    [Fact]
    public void Help_names_each_option_s_variable()
    {
        var (_, serve) = Cli();
        foreach (var option in EnvironmentOptions.Of(serve))
            Assert.EndsWith($"[env: {EnvironmentOptions.VariableOf(option)}]", option.Description);
        Assert.Equal("KEFU_MAX_BODY_KB", EnvironmentOptions.VariableOf(serve.Options.Single(o => o.Name == "--max-body-kb")));
        Assert.Equal("KEFU_CORS_ORIGINS", EnvironmentOptions.VariableOf(serve.Options.Single(o => o.Name == "--cors-origins")));
    }

    /// <summary>An option added to serve fails here until docs/deploy.md's table names its variable.</summary>
    [Fact]
    public void Docs_deploy_md_documents_the_variable_of_every_serve_option()
    {
        var (_, serve) = Cli();
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "deploy.md"));
        var missing = EnvironmentOptions.Of(serve)
            .Where(o => !doc.Contains($"| `{EnvironmentOptions.VariableOf(o)}` | `{o.Name}`", StringComparison.Ordinal))
            .Select(o => $"{EnvironmentOptions.VariableOf(o)} ({o.Name})").ToList();
        Assert.True(missing.Count == 0, "docs/deploy.md has no table row `| `KEFU_X` | `--x`` for: " + string.Join(", ", missing));
    }
}
