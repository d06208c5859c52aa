namespace Kefu.Server;

/// <summary>Rasa's JWT auth (`rasa run --jwt-secret --jwt-method`) and the webhook's response timeout.</summary>
public sealed partial record KefuServerOptions
{
    /// <summary>
    /// When set, the routes that want the token also take `Authorization: Bearer JWT` signed with this: the shared
    /// secret for HS256/HS384/HS512, the PEM public key for RS256/RS384/RS512 (Rasa's jwt_secret).
    /// </summary>
    public string? JwtSecret { get; init; }

    /// <summary>Rasa's --jwt-method: HS256 (the default), HS384, HS512, RS256, RS384 or RS512.</summary>
    public string JwtMethod { get; init; } = "HS256";

    /// <summary>
    /// Rasa's --response-timeout (default 3600 s): a webhook turn that takes longer is answered 503; the turn still
    /// runs to its end and is stored.
    /// </summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromHours(1);
}
