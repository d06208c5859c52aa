using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Http;

/// <summary>
/// HEAD wherever GET (RFC 9110 §9.3.2): the GET handler runs and Kestrel sends its status and headers, Content-Length
/// included, without the body. Minimal APIs map GET alone, so HEAD was a 405 even on /healthz.
/// </summary>
internal static class HeadRequests
{
    public static TBuilder AnswerHeadLikeGet<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        // Finally: after the endpoint's own conventions, when its HTTP methods are known. The matcher and ApiExplorer
        // read the last IHttpMethodMetadata.
        builder.Finally(endpoint =>
        {
            if (endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault() is { } methods
                && methods.HttpMethods.Contains(HttpMethods.Get) && !methods.HttpMethods.Contains(HttpMethods.Head))
                endpoint.Metadata.Add(new HttpMethodMetadata([.. methods.HttpMethods, HttpMethods.Head], methods.AcceptCorsPreflight));
        });
        return builder;
    }

    /// <summary>The OpenAPI document keeps one operation per GET route, not a HEAD twin of each.</summary>
    public static void LeaveHeadOut(OpenApiOptions options)
    {
        var include = options.ShouldInclude;
        options.ShouldInclude = description => description.HttpMethod != HttpMethods.Head && include(description);
    }
}
