using System.Globalization;
using Kefu.Projects;
using YamlDotNet.RepresentationModel;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// Where a Rasa SDK action server listens: endpoints.yml's `action_endpoint: {url, timeout, token, token_name}`; an
/// external NLG server's `nlg:` section has the same keys (<see cref="Parse"/> with its section name).
/// Timeout is in seconds (Kefu's addition; Rasa waits up to 5 minutes). A token is sent as the query
/// parameter TokenName, as Rasa's EndpointConfig does. `${VAR}` in values reads the environment, as in Rasa.
/// </summary>
public sealed record ActionServerEndpoint(Uri Url, TimeSpan Timeout, string? Token = null, string TokenName = "token")
{
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>The URL requests go to, with the token when there is one.</summary>
    public Uri RequestUri => Token is null
        ? Url
        : new Uri(Url + (Url.Query.Length > 0 ? "&" : "?") + Uri.EscapeDataString(TokenName) + "=" + Uri.EscapeDataString(Token));

    /// <summary>
    /// Reads DIR/endpoints.yml. Null when the file or its action_endpoint is absent;
    /// throws <see cref="ProjectException"/> (file:line:column) when it is malformed.
    /// </summary>
    public static ActionServerEndpoint? Load(string projectDirectory)
    {
        var path = Path.Combine(projectDirectory, "endpoints.yml");
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : null;
    }

    public static ActionServerEndpoint? Parse(string yaml, string file, string section = "action_endpoint") =>
        EndpointsYaml.Section(yaml, file, section) is { } node ? Parse(node, file, section) : null;

    /// <summary>The section <paramref name="node"/> of endpoints.yml, named <paramref name="section"/> in errors.</summary>
    public static ActionServerEndpoint Parse(YamlNode node, string file, string section)
    {
        if (node is not YamlMappingNode endpoint)
            throw EndpointsYaml.Error(file, node.Start, $"{section} must be a mapping with a url, e.g. `{section}: {{url: \"http://localhost:5055/webhook\"}}`");

        YamlScalarNode? Scalar(string key) => EndpointsYaml.Scalar(endpoint, key, file, section);
        var urlNode = Scalar("url")
            ?? throw EndpointsYaml.Error(file, endpoint.Start, $"{section} needs a url, e.g. http://localhost:5055/webhook");
        var url = EndpointsYaml.Substitute(urlNode, file);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw EndpointsYaml.Error(file, urlNode.Start, $"{section} url \"{url}\" is not an absolute http(s) URL");

        var timeout = DefaultTimeout;
        if (Scalar("timeout") is { } timeoutNode)
        {
            if (!double.TryParse(EndpointsYaml.Substitute(timeoutNode, file), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                || !(seconds > 0) || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
                throw EndpointsYaml.Error(file, timeoutNode.Start, $"{section} timeout \"{timeoutNode.Value}\" must be a positive number of seconds");
            timeout = TimeSpan.FromSeconds(seconds);
        }
        var token = Scalar("token") is { } t ? EndpointsYaml.Substitute(t, file) : null;
        var tokenName = Scalar("token_name") is { } n ? EndpointsYaml.Substitute(n, file) : "token";
        return new ActionServerEndpoint(uri, timeout, string.IsNullOrEmpty(token) ? null : token, tokenName);
    }
}
