using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Kefu.Server.Http;

/// <summary>
/// Headers on every response, set as it starts (so error pages written after a failure get them too):
/// nosniff (a JSON answer is never run as a script or shown as HTML), no framing (clickjacking), no Referer to other
/// sites (bot images load from anywhere). HTML pages get the web chat's Content-Security-Policy: its own script and
/// style files, fetch to its own origin, images from anywhere (a bot's response may name any image URL; images run
/// no code), nothing inline, no plugins, no base or form targets; every other answer gets the API's, which lets a
/// browser render nothing of it. A 304 gets none: it would replace the cached page's.
/// The chat page itself (GET /, which /webchat/embed.js frames) may be framed by exactly the origins of --cors-origins
/// (never "*"): its frame-ancestors lists them and it has no X-Frame-Options, which cannot list origins (CSP Level 2
/// §7.7.1: frame-ancestors replaces it). Every other page and answer stays unframable.
/// </summary>
internal static class SecurityHeaders
{
    public const string PagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src * data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    private static readonly StringValues NoSniff = "nosniff";
    private static readonly StringValues Deny = "DENY";
    private static readonly StringValues NoReferrer = "no-referrer";
    private static readonly StringValues Page = PagePolicy;
    private static readonly StringValues Api = ApiPolicy;

    /// <summary>The chat page's policy when <paramref name="origins"/> (normalized) may frame it; null when none may.</summary>
    public static string? FramablePagePolicy(IEnumerable<string> origins)
    {
        var listed = origins.Where(o => o != "*").ToList();
        return listed.Count == 0 ? null : PagePolicy.Replace("frame-ancestors 'none'", "frame-ancestors " + string.Join(' ', listed), StringComparison.Ordinal);
    }

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<KefuServerOptions>();
        var framable = FramablePagePolicy(options.CorsOrigins.Select(o => KefuServerOptions.NormalizeOrigin(o, out _)!)) is { } policy
            ? new StringValues(policy) : StringValues.Empty;
        app.Use((context, next) =>
        {
            var chatPage = !framable.Equals(StringValues.Empty) && context.Request.Path == "/";
            context.Response.OnStarting(() =>
            {
                var response = context.Response;
                var headers = response.Headers;
                headers.XContentTypeOptions = NoSniff;
                headers["Referrer-Policy"] = NoReferrer;
                var html = response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;
                // The chat page's 304 too: its headers would add the header to the cached page.
                if (!(chatPage && (html || response.StatusCode == StatusCodes.Status304NotModified)))
                    headers.XFrameOptions = Deny;
                // A 304's headers replace the cached response's (RFC 9111 §4.3.4): it has no Content-Type to choose by,
                // and the API's policy on it would block the cached page's own script and style.
                if (response.StatusCode != StatusCodes.Status304NotModified)
                    headers.ContentSecurityPolicy = !html ? Api : chatPage ? framable : Page;
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }
}
