using System.Globalization;
using System.Text.RegularExpressions;
using Kefu.Projects;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// Where a Rasa SDK action server listens: endpoints.yml's `action_endpoint: {url, timeout, token, token_name}`.
/// Timeout is in seconds (Kefu's addition; Rasa waits up to 5 minutes). A token is sent as the query
/// parameter TokenName, as Rasa's EndpointConfig does. `${VAR}` in values reads the environment, as in Rasa.
/// </summary>
public sealed partial record ActionServerEndpoint(Uri Url, TimeSpan Timeout, string? Token = null, string TokenName = "token")
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

    public static ActionServerEndpoint? Parse(string yaml, string file)
    {
        var stream = new YamlStream();
        try
        {
            // RasaProject has checked the file within the limits before a bot starts; this guard keeps the parse safe on its own.
            stream.Load(new Projects.Yaml.LimitedParser(new Parser(new StringReader(yaml)), ProjectLimits.Default));
        }
        catch (YamlException ex)
        {
            throw Error(file, ex.Start, $"endpoints.yml is not valid YAML: {ex.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) return null;
        if (!root.Children.TryGetValue(new YamlScalarNode("action_endpoint"), out var node)) return null;
        if (node is YamlScalarNode { Value: null or "" or "null" or "~" }) return null;
        if (node is not YamlMappingNode endpoint)
            throw Error(file, node.Start, "action_endpoint must be a mapping with a url, e.g. `action_endpoint: {url: \"http://localhost:5055/webhook\"}`");

        var urlNode = Scalar(endpoint, "url", file)
            ?? throw Error(file, endpoint.Start, "action_endpoint needs a url, e.g. http://localhost:5055/webhook");
        var url = Substitute(urlNode, file);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw Error(file, urlNode.Start, $"action_endpoint url \"{url}\" is not an absolute http(s) URL");

        var timeout = DefaultTimeout;
        if (Scalar(endpoint, "timeout", file) is { } timeoutNode)
        {
            if (!double.TryParse(Substitute(timeoutNode, file), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                || !(seconds > 0) || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
                throw Error(file, timeoutNode.Start, $"action_endpoint timeout \"{timeoutNode.Value}\" must be a positive number of seconds");
            timeout = TimeSpan.FromSeconds(seconds);
        }
        var token = Scalar(endpoint, "token", file) is { } t ? Substitute(t, file) : null;
        var tokenName = Scalar(endpoint, "token_name", file) is { } n ? Substitute(n, file) : "token";
        return new ActionServerEndpoint(uri, timeout, string.IsNullOrEmpty(token) ? null : token, tokenName);
    }

    private static YamlScalarNode? Scalar(YamlMappingNode map, string key, string file)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node)) return null;
        return node as YamlScalarNode ?? throw Error(file, node.Start, $"action_endpoint {key} must be a single value");
    }

    /// <summary>Rasa's `${VAR}` environment substitution; an unset variable is an error, as in Rasa.</summary>
    private static string Substitute(YamlScalarNode node, string file)
    {
        var value = node.Value ?? "";
        return EnvironmentVariable().Replace(value, m => Environment.GetEnvironmentVariable(m.Groups[1].Value)
            ?? throw Error(file, node.Start, $"environment variable {m.Groups[1].Value} used in endpoints.yml is not set"));
    }

    private static ProjectException Error(string file, Mark mark, string message) =>
        new([new Diagnostic(Severity.Error, new SourceLocation(file, (int)mark.Line, (int)mark.Column), message)]);

    [GeneratedRegex(@"\$\{([^}]+)\}")]
    private static partial Regex EnvironmentVariable();
}
