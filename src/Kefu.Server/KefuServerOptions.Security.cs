using System.Net;

namespace Kefu.Server;

/// <summary>Who may reach the server, and from where: Host names, browser origins, the key of web chat sessions.</summary>
public sealed partial record KefuServerOptions
{
    /// <summary>
    /// Host header names the server answers to, the port ignored: exact names ("kefu.example.com", "10.0.0.5",
    /// "[::1]"), "*.example.com" for every subdomain, "*" for any. Null: localhost, 127.0.0.1, [::1] and the bound
    /// address when <see cref="Host"/> is a loopback address (DNS rebinding stops there); any when bound elsewhere
    /// (0.0.0.0, a LAN address), where the server cannot know the names its clients use.
    /// </summary>
    public IReadOnlyList<string>? AllowedHosts { get; init; }

    /// <summary>
    /// Browser origins ("https://shop.example.com") whose pages may call the server: CORS answers for them, and their
    /// state-changing requests are let through. "*" allows any (without cookies). Empty: same-origin pages only.
    /// </summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary>The 32-byte key that signs web chat sessions; null reads <see cref="ResolvedSessionKeyPath"/>, creating it the first time.</summary>
    public byte[]? SessionKey { get; init; }

    public string? SessionKeyPath { get; init; }

    /// <summary>Beside the store, so that a copy of the database directory keeps the web chats' sessions valid.</summary>
    public string ResolvedSessionKeyPath => SessionKeyPath ?? ResolvedDatabasePath + ".session-key";

    public IReadOnlyList<string> ResolvedAllowedHosts => AllowedHosts ?? DefaultAllowedHosts(Host);

    /// <summary>Loopback names and the bound address when bound to loopback; "*" otherwise.</summary>
    public static IReadOnlyList<string> DefaultAllowedHosts(string boundHost)
    {
        if (string.Equals(boundHost, "localhost", StringComparison.OrdinalIgnoreCase))
            return ["localhost", "127.0.0.1", "[::1]"];
        if (!IPAddress.TryParse(boundHost.Trim('[', ']'), out var ip) || !IPAddress.IsLoopback(ip))
            return ["*"];
        var bound = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
        return new[] { "localhost", "127.0.0.1", "[::1]", bound }.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
    }

    /// <summary>Why <paramref name="pattern"/> is not a Host pattern, or null when it is.</summary>
    public static string? HostPatternProblem(string pattern)
    {
        if (pattern == "*")
            return null;
        if (pattern.Length == 0 || pattern.Contains('/') || pattern.Any(char.IsWhiteSpace))
            return $"allowed host \"{pattern}\" is not a host name: give names like kefu.example.com, *.example.com, 10.0.0.5 or [::1]";
        var name = pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern[2..] : pattern;
        if (name.StartsWith('[') ? !name.EndsWith(']') || !IPAddress.TryParse(name[1..^1], out _) : name.Contains(':') || name.Contains('*'))
            return $"allowed host \"{pattern}\" is not a host name: no scheme or port (the port is not compared); an IPv6 address goes in brackets, [::1]";
        return null;
    }

    /// <summary>The origin in the form browsers send it (lower case, no default port, no slash), or null with <paramref name="problem"/>.</summary>
    public static string? NormalizeOrigin(string origin, out string? problem)
    {
        problem = null;
        if (origin == "*")
            return origin;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            problem = $"CORS origin \"{origin}\" is not an origin: give scheme, host and port only, e.g. https://shop.example.com or http://localhost:3000";
            return null;
        }
        return uri.IsDefaultPort ? $"{uri.Scheme}://{uri.Host}" : $"{uri.Scheme}://{uri.Host}:{uri.Port}";
    }

    /// <summary>Throws when an allowed host or CORS origin cannot be what it says.</summary>
    public void ValidateSecuritySettings()
    {
        var problems = (AllowedHosts ?? []).Select(HostPatternProblem)
            .Concat(CorsOrigins.Select(o => { NormalizeOrigin(o, out var p); return p; }))
            .OfType<string>().ToList();
        if (Http.JwtAuthentication.Problem(this) is { } badJwt)
            problems.Add(badJwt);
        if (ResponseTimeout <= TimeSpan.Zero)
            problems.Add($"the response timeout is {ResponseTimeout.TotalSeconds} s; it must be more than 0");
        if (SessionKey is { Length: not 32 })
            problems.Add($"the session key is {SessionKey.Length} bytes; it must be 32");
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems));
    }
}
