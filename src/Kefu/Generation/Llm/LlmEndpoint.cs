using System.Globalization;
using Kefu.Projects;
using YamlDotNet.RepresentationModel;

namespace Kefu.Generation.Llm;

/// <summary>
/// An OpenAI-compatible chat endpoint (DeepSeek, Qwen/DashScope, vLLM, Ollama, Azure OpenAI, OpenAI), from endpoints.yml:
/// <code>
/// llm:
///   url: https://api.deepseek.com/v1      # the base URL; Kefu posts to URL/chat/completions
///   model: deepseek-chat
///   api_key: ${DEEPSEEK_API_KEY}          # from the environment, as Rasa's ${VAR}; leave out for local servers
///   timeout: 30                           # seconds for the whole answer
///   max_tokens: 512
///   temperature: 0.3
/// </code>
/// </summary>
public sealed record LlmEndpoint(Uri Url, string Model, string? ApiKey, TimeSpan Timeout, int MaxTokens = 512, float Temperature = 0.3f)
{
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>DIR/endpoints.yml's llm section; null when there is none; errors at file:line:column.</summary>
    public static LlmEndpoint? Load(string projectDirectory)
    {
        var path = Path.Combine(projectDirectory, "endpoints.yml");
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : null;
    }

    public static LlmEndpoint? Parse(string yaml, string file)
    {
        if (EndpointsYaml.Section(yaml, file, "llm") is not { } node) return null;
        if (node is not YamlMappingNode llm)
            throw EndpointsYaml.Error(file, node.Start, "llm must be a mapping with url and model, e.g. `llm: {url: \"http://localhost:11434/v1\", model: \"qwen2.5\"}`");
        string Text(string key) => Scalar(llm, key, file) is { } n ? EndpointsYaml.Substitute(n, file) : "";

        var urlNode = Scalar(llm, "url", file) ?? throw EndpointsYaml.Error(file, llm.Start, "llm needs a url: the OpenAI-compatible base URL, e.g. https://api.deepseek.com/v1");
        string url = EndpointsYaml.Substitute(urlNode, file);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw EndpointsYaml.Error(file, urlNode.Start, $"llm url \"{url}\" is not an absolute http(s) URL");
        string model = Text("model");
        if (model.Length == 0) throw EndpointsYaml.Error(file, llm.Start, "llm needs a model name, e.g. `model: deepseek-chat`");
        string? key = Text("api_key") is { Length: > 0 } k ? k : null;

        double Number(string key, double fallback, double min, double max)
        {
            if (Scalar(llm, key, file) is not { } n) return fallback;
            string text = EndpointsYaml.Substitute(n, file);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
                throw EndpointsYaml.Error(file, n.Start, $"llm {key} \"{text}\" must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return v;
        }
        var timeout = TimeSpan.FromSeconds(Number("timeout", DefaultTimeout.TotalSeconds, 0.001, 3600));
        int maxTokens = (int)Number("max_tokens", 512, 1, 1_000_000);
        float temperature = (float)Number("temperature", 0.3, 0, 2);
        foreach (var (k2, _) in llm.Children)
            if (k2 is YamlScalarNode { Value: { } name } && name is not ("url" or "model" or "api_key" or "timeout" or "max_tokens" or "temperature"))
                throw EndpointsYaml.Error(file, k2.Start, $"llm: unknown key '{name}' (known: url, model, api_key, timeout, max_tokens, temperature)");
        return new LlmEndpoint(uri, model, key, timeout, maxTokens, temperature);
    }

    private static YamlScalarNode? Scalar(YamlMappingNode map, string key, string file) => EndpointsYaml.Scalar(map, key, file, "llm");

    /// <summary>The endpoint as text for logs and errors, without the key.</summary>
    public override string ToString() => $"{Model} at {Url}";
}
