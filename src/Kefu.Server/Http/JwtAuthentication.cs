using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Kefu.Server.Http;

/// <summary>The user a valid JWT names (Rasa's payload {"user": {"username", "role"}}).</summary>
internal sealed record JwtUser(string? Username, string? Role)
{
    /// <summary>
    /// Rasa's sufficient_scope (rasa/server.py requires_auth): role "admin" may call every route; role "user" only the
    /// routes of the conversation named as its username; any other role none.
    /// </summary>
    public bool MayCall(string? conversationId) =>
        Role == "admin" || (Role == "user" && conversationId is not null && Username == conversationId);
}

/// <summary>
/// Validates JWTs as Rasa's sanic-jwt does for `rasa run --jwt-secret`: the signature with the method given, and
/// exp and nbf when the token has them (a token without exp does not expire, as in Rasa's examples). Issuer and
/// audience are not checked: Rasa does not check them either.
/// </summary>
internal sealed class JwtAuthentication
{
    private static readonly ConditionalWeakTable<KefuServerOptions, JwtAuthentication> ByOptions = new();
    private static readonly string[] Methods = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512"];

    private readonly JsonWebTokenHandler handler = new();
    private readonly TokenValidationParameters parameters;

    /// <summary>A validator of its own, e.g. for credentials.yml's socketio jwt_key; <see cref="Problem(string, string, string, string)"/> first.</summary>
    internal JwtAuthentication(string secret, string method, string secretName = "--jwt-secret")
    {
        parameters = new TokenValidationParameters
        {
            IssuerSigningKey = Key(secret, method, secretName),
            ValidAlgorithms = [method],
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = false,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>The server's JWT validation; null without --jwt-secret.</summary>
    public static JwtAuthentication? For(KefuServerOptions options) =>
        string.IsNullOrEmpty(options.JwtSecret) ? null : ByOptions.GetValue(options, o => new JwtAuthentication(o.JwtSecret!, o.JwtMethod));

    /// <summary>Why the options' JWT settings cannot work, or null.</summary>
    public static string? Problem(KefuServerOptions options) =>
        string.IsNullOrEmpty(options.JwtSecret) ? null : Problem(options.JwtSecret, options.JwtMethod, "--jwt-secret", "--jwt-method");

    /// <summary>Why this secret and method cannot work, in words that name them as <paramref name="secretName"/> and <paramref name="methodName"/>.</summary>
    public static string? Problem(string secret, string method, string secretName, string methodName)
    {
        if (!Methods.Contains(method))
            return $"{methodName} is \"{method}\"; Kefu checks {string.Join(", ", Methods)}";
        try
        {
            _ = Key(secret, method, secretName);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    /// <summary>The token's user when it is valid; null otherwise.</summary>
    public async Task<JwtUser?> ValidateAsync(string token)
    {
        var result = await handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
            return null;
        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload));
        if (!payload.RootElement.TryGetProperty("user", out var user) || user.ValueKind != JsonValueKind.Object)
            return new JwtUser(null, null);
        return new JwtUser(Text(user, "username"), Text(user, "role"));
    }

    private static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static SecurityKey Key(string secret, string method, string secretName)
    {
        if (method.StartsWith("HS", StringComparison.Ordinal))
        {
            var bytes = Encoding.UTF8.GetBytes(secret);
            // RFC 7518 3.2: a key at least as long as the hash; Microsoft.IdentityModel refuses shorter ones.
            int bits = int.Parse(method[2..], System.Globalization.CultureInfo.InvariantCulture);
            if (bytes.Length * 8 < bits)
                throw new ArgumentException($"{secretName} is {bytes.Length} bytes; {method} needs at least {bits / 8} (RFC 7518, section 3.2)");
            return new SymmetricSecurityKey(bytes);
        }
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(secret);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"{secretName} is not a PEM public key (-----BEGIN PUBLIC KEY-----), which {method} needs");
        }
        return new RsaSecurityKey(rsa);
    }
}
