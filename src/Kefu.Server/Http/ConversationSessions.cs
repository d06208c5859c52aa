using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kefu.Server.Http;

/// <summary>
/// Web chat sessions: POST /webhooks/rest/sessions gives a browser a conversation of its own, a sender id the server
/// makes ("webchat-" + 128 random bits) and a cookie holding HMAC-SHA256(key, sender id) — HttpOnly (page scripts
/// cannot read it), SameSite=Strict (other sites' pages do not send it), Path /webhooks/rest/. On the public channel
/// routes such a conversation answers only to that cookie or to the server's token: knowing its id (from a log, a
/// screenshot, an agent's console) is not enough to read what was said or to speak in it. Ids of other forms are
/// Rasa REST clients' own and keep Rasa's rules. Nothing is stored per conversation; the key is, beside the store.
/// The cookie's name carries the key's fingerprint, so two servers on one host name do not overwrite each other's.
/// </summary>
public sealed class ConversationSessions
{
    public const string SenderPrefix = "webchat-";
    public const string CookiePath = "/webhooks/rest/";
    private const int KeyBytes = 32;
    private static readonly TimeSpan CookieLifetime = TimeSpan.FromDays(30);
    private static readonly byte[] Purpose = "kefu web chat session v1\n"u8.ToArray();

    private readonly byte[] _key;
    private readonly string? _token;

    public string CookieName { get; }

    /// <summary>The server's JWT validation (--jwt-secret), which opens a conversation's messages as it opens its Rasa routes.</summary>
    internal JwtAuthentication? Jwt { get; init; }

    public ConversationSessions(byte[] key, string? token)
    {
        if (key.Length != KeyBytes)
            throw new ArgumentException($"the session key is {key.Length} bytes; it must be {KeyBytes}", nameof(key));
        _key = key;
        _token = string.IsNullOrEmpty(token) ? null : token;
        CookieName = "kefu_session_" + Convert.ToHexStringLower(SHA256.HashData(key))[..8];
    }

    public static ConversationSessions Load(KefuServerOptions options) =>
        new(options.SessionKey ?? ReadOrCreateKey(options.ResolvedSessionKeyPath), options.AuthToken) { Jwt = JwtAuthentication.For(options) };

    public static bool IsSessionSender(string sender) => sender.StartsWith(SenderPrefix, StringComparison.Ordinal);

    /// <summary>
    /// A new conversation id, with its cookie set on the response. A <paramref name="framed"/> chat (embed.js's frame on
    /// another site) cannot get a SameSite=Strict cookie back, so its cookie is SameSite=None; Secure; Partitioned
    /// (CHIPS): kept apart per top-level site, sent only under the site that framed the chat. Browsers accept a Secure
    /// cookie over HTTPS and from localhost only.
    /// </summary>
    public string Start(HttpContext context, bool framed = false)
    {
        var sender = SenderPrefix + Encode(RandomNumberGenerator.GetBytes(16));
        var request = context.Request;
        var cookie = new CookieOptions
        {
            HttpOnly = true,
            SameSite = framed ? SameSiteMode.None : SameSiteMode.Strict,
            Path = CookiePath,
            MaxAge = CookieLifetime,
            IsEssential = true,
            // Behind a TLS-terminating proxy the request itself is plain HTTP.
            Secure = framed || request.IsHttps || string.Equals(request.Headers["X-Forwarded-Proto"], "https", StringComparison.OrdinalIgnoreCase),
        };
        if (framed)
            cookie.Extensions.Add("Partitioned");
        context.Response.Cookies.Append(CookieName, Encode(Mac(sender)), cookie);
        return sender;
    }

    /// <summary>Whether the request carries the cookie of <paramref name="sender"/>'s session.</summary>
    public bool Holds(HttpRequest request, string sender)
    {
        if (!request.Cookies.TryGetValue(CookieName, out var cookie) || cookie is null)
            return false;
        Span<byte> presented = stackalloc byte[HMACSHA256.HashSizeInBytes];
        return System.Buffers.Text.Base64Url.TryDecodeFromChars(cookie, presented, out var written) && written == presented.Length
            && CryptographicOperations.FixedTimeEquals(presented, Mac(sender));
    }

    /// <summary>
    /// Null when the request may speak in <paramref name="sender"/>'s conversation through the webhook: any Rasa client
    /// in one of its own, only the session's cookie (or the token) in a web chat's.
    /// </summary>
    public ProblemHttpResult? RefuseWrite(HttpRequest request, string sender) =>
        !IsSessionSender(sender) || Holds(request, sender) || HasToken(request) ? null : NotThisSession(sender);

    /// <summary>
    /// Null when the request may read <paramref name="sender"/>'s messages: a web chat's conversation wants its cookie
    /// (or the token); any other wants the token when one is set. With --jwt-secret a JWT whose user may call the
    /// conversation's routes (<see cref="JwtUser.MayCall"/>) opens it too, and is wanted for any other even without a
    /// token: a server that guards its API with JWTs alone must not leave every conversation's messages open.
    /// </summary>
    public async ValueTask<ProblemHttpResult?> RefuseReadAsync(HttpContext context, string sender)
    {
        var request = context.Request;
        var web = IsSessionSender(sender);
        if ((web && Holds(request, sender)) || (!web && _token is null && Jwt is null) || HasToken(request))
            return null;
        if (Jwt is not null && TokenAuthentication.Bearer(request) is { Length: > 0 } bearer && await Jwt.ValidateAsync(bearer) is { } user)
            return user.MayCall(sender) ? null : TokenAuthentication.Forbidden(user);
        if (web)
            return NotThisSession(sender);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return TypedResults.Problem(
            "the messages of a conversation the web chat did not start need " +
            (_token is null ? "" : "the server's token ('Authorization: Bearer TOKEN' or '?token=TOKEN')" + (Jwt is null ? "" : " or ")) +
            (Jwt is null ? "" : "a JWT signed with the server's --jwt-secret whose user may read it: 'Authorization: Bearer JWT'"),
            statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
    }

    private bool HasToken(HttpRequest request) => _token is not null && TokenAuthentication.Carries(request, _token);

    private ProblemHttpResult NotThisSession(string sender) => TypedResults.Problem(
        $"conversation {sender} belongs to a web chat session: send its {CookieName} cookie (given by POST {CookiePath}sessions " +
        "with the conversation) or the server's token; start a new conversation when the cookie is gone",
        statusCode: StatusCodes.Status403Forbidden, title: "Not this session's conversation");

    private byte[] Mac(string sender)
    {
        var message = new byte[Purpose.Length + Encoding.UTF8.GetByteCount(sender)];
        Purpose.CopyTo(message, 0);
        Encoding.UTF8.GetBytes(sender, message.AsSpan(Purpose.Length));
        return HMACSHA256.HashData(_key, message);
    }

    private static string Encode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    /// <summary>
    /// The key file: 32 random bytes in base64 on one line, readable by the owner only. Written to a temporary file
    /// and moved into place, so that a crash never leaves half a key; a key that appeared meanwhile wins.
    /// </summary>
    internal static byte[] ReadOrCreateKey(string path)
    {
        if (File.Exists(path))
            return ParseKey(File.ReadAllText(path), path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var key = RandomNumberGenerator.GetBytes(KeyBytes);
        var temporary = $"{path}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}.tmp";
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, create))
        {
            stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\n"));
            stream.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(temporary, path, overwrite: false);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return ParseKey(File.ReadAllText(path), path);
        }
    }

    private static byte[] ParseKey(string text, string path)
    {
        var bad = $"the web chat session key file '{path}' is not {KeyBytes} bytes in base64; " +
                  "delete it and a new key is made at start (web chats then start new conversations)";
        try
        {
            var key = Convert.FromBase64String(text.Trim());
            return key.Length == KeyBytes ? key : throw new InvalidDataException(bad);
        }
        catch (FormatException)
        {
            throw new InvalidDataException(bad);
        }
    }
}
