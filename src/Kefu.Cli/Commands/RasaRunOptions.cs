using System.CommandLine;
using Kefu.Server;

namespace Kefu.Cli.Commands;

/// <summary>`rasa run`'s options that `kefu serve` takes too, with Rasa's names and defaults (rasa/cli/arguments/run.py).</summary>
internal sealed class RasaRunOptions
{
    private readonly Option<bool> enableApi = new("--enable-api")
    {
        Description = "Accepted for Rasa command lines: Kefu's HTTP API (/model/parse, /conversations/..., /domain...) is always on",
    };

    private readonly Option<string?> jwtSecret = new("--jwt-secret")
    {
        Description = "Also accept a JWT (Authorization: Bearer) signed with this on the routes the token guards: the secret for HS*, " +
                      "the PEM public key for RS*; payload {\"user\": {\"username\", \"role\"}}: admin may call every route, user its own conversation's",
    };

    private readonly Option<string> jwtMethod = new("--jwt-method")
    {
        Description = "The JWT's signature: HS256, HS384, HS512, RS256, RS384 or RS512",
        DefaultValueFactory = _ => "HS256",
    };

    private readonly Option<double> responseTimeout = new("--response-timeout")
    {
        Description = "Seconds a webhook turn may take before it is answered 503 (the turn still completes and is stored)",
        DefaultValueFactory = _ => 3600,
    };

    public RasaRunOptions() =>
        responseTimeout.Validators.Add(result =>
        {
            if (!(result.GetValueOrDefault<double>() > 0))
                result.AddError("--response-timeout must be more than 0 seconds");
        });

    public void AddTo(Command command)
    {
        command.Options.Add(enableApi);
        command.Options.Add(jwtSecret);
        command.Options.Add(jwtMethod);
        command.Options.Add(responseTimeout);
    }

    public KefuServerOptions Apply(ParseResult parse, KefuServerOptions options) => options with
    {
        JwtSecret = parse.GetValue(jwtSecret),
        JwtMethod = parse.GetValue(jwtMethod)!,
        ResponseTimeout = TimeSpan.FromSeconds(parse.GetValue(responseTimeout)),
    };
}
