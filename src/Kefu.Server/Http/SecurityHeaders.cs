using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Kefu.Server.Http;

/// <summary>
/// Headers on every response, set as it starts (so error pages written after a failure get them too):
/// nosniff (a JSON answer is never run as a script or shown as HTML), no framing (clickjacking), no Referer to other
/// sites (bot images load from anywhere). HTML pages get the web chat's Content-Security-Policy: its own script and
/// style files, fetch to its own origin, images from anywhere (a bot's response may name any image URL; images run
/// no code), nothing inline, no plugins, no base or form targets; every other answer gets the API's, which lets a
/// browser render nothing of it. A 304 gets none: it would replace the cached page's.
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

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var response = (HttpResponse)state;
                var headers = response.Headers;
                headers.XContentTypeOptions = NoSniff;
                headers.XFrameOptions = Deny;
                headers["Referrer-Policy"] = NoReferrer;
                // A 304's headers replace the cached response's (RFC 9111 §4.3.4): it has no Content-Type to choose by,
                // and the API's policy on it would block the cached page's own script and style.
                if (response.StatusCode != StatusCodes.Status304NotModified)
                    headers.ContentSecurityPolicy =
                        response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true ? Page : Api;
                return Task.CompletedTask;
            }, context.Response);
            return next(context);
        });
        return app;
    }
}
