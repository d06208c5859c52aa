using System.Globalization;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Responses;
using Kefu.Generation.CausalLm;
using Kefu.Projects;
using YamlDotNet.RepresentationModel;

namespace Kefu.Generation.Nlg;

/// <summary>
/// endpoints.yml's `nlg:` section when it names a local generator, which `kefu serve` then serves at POST /nlg (Rasa's
/// NLG endpoint protocol):
/// <code>
/// nlg:
///   model: models/reply-generator     # a folder or hub id (kefu generate finetune's output, full or LoRA)
///   chat: false                       # contexts in the tokenizer's chat template
///   prompt: "{user}"                  # what the model sees: {user} the latest message, {template} the template's text,
///                                     # {passages} knowledge passages (action_generate_response with a knowledge base)
///   max_new_tokens: 48
///   max_length: 120                   # characters; longer replies keep the template
///   banned_phrases: [保证, 退款承诺]
///   min_log_prob: -2.5                # mean log-probability per token under which the template is kept
///   rewrite_responses: false          # true: the bot's own responses are rewritten too
/// </code>
/// `rewrite_responses: true` has the bot's own responses rewritten the same way (<see cref="LocalResponseGenerator"/>).
/// A section with `url:` instead of `model:` is Rasa's external NLG server (<see cref="LoadServer"/>): <see cref="Load"/>
/// returns null, and the bot asks that server for every response (<see cref="CallbackResponseGenerator"/>).
/// </summary>
public sealed record LocalNlgConfig(string Model, bool Chat, string Prompt, int MaxNewTokens, RewriteGuardrails Guardrails,
    bool RewriteResponses = false)
{
    private static readonly string[] LocalKeys = ["model", "chat", "prompt", "max_new_tokens", "max_length", "banned_phrases", "min_log_prob", "rewrite_responses"];
    private static readonly string[] ServerKeys = ["url", "timeout", "token", "token_name"];

    /// <summary>Rasa's external NLG server: `nlg: {url, timeout, token, token_name}`; null when the section is absent or names a local model.</summary>
    public static ActionServerEndpoint? LoadServer(string projectDirectory)
    {
        var path = Path.Combine(projectDirectory, "endpoints.yml");
        if (!File.Exists(path) || EndpointsYaml.Section(File.ReadAllText(path), path, "nlg") is not { } node) return null;
        return node is YamlMappingNode nlg && Scalar(nlg, "model", path) is null ? ActionServerEndpoint.Parse(CheckKeys(nlg, path), path, "nlg") : null;
    }

    /// <summary>The section's keys: all known, and a model (local) or a url (a server), not both.</summary>
    private static YamlMappingNode CheckKeys(YamlMappingNode nlg, string file)
    {
        foreach (var (key, _) in nlg.Children)
        {
            if (key is YamlScalarNode { Value: { } name } && !LocalKeys.Contains(name) && !ServerKeys.Contains(name))
                throw EndpointsYaml.Error(file, key.Start, $"nlg: unknown key '{name}' (known: {string.Join(", ", LocalKeys.Concat(ServerKeys))})");
        }
        bool local = nlg.Children.ContainsKey(new YamlScalarNode("model")), server = nlg.Children.ContainsKey(new YamlScalarNode("url"));
        if (local && server)
            throw EndpointsYaml.Error(file, nlg.Start, "nlg names both a model (a local generator) and a url (an NLG server); give one");
        var wrongKind = nlg.Children.Keys.OfType<YamlScalarNode>().FirstOrDefault(k => local ? ServerKeys.Contains(k.Value) : LocalKeys.Contains(k.Value));
        if ((local || server) && wrongKind is not null)
            throw EndpointsYaml.Error(file, wrongKind.Start, local
                ? $"nlg: '{wrongKind.Value}' is a key of an NLG server (url), not of a local model"
                : $"nlg: '{wrongKind.Value}' is a key of a local model, not of an NLG server (url)");
        return nlg;
    }

    public static LocalNlgConfig? Load(string projectDirectory)
    {
        var path = Path.Combine(projectDirectory, "endpoints.yml");
        return File.Exists(path) ? Parse(File.ReadAllText(path), path, projectDirectory) : null;
    }

    public static LocalNlgConfig? Parse(string yaml, string file, string projectDirectory)
    {
        if (EndpointsYaml.Section(yaml, file, "nlg") is not { } node)
            return null;
        if (node is not YamlMappingNode nlg)
            throw EndpointsYaml.Error(file, node.Start, "nlg must be a mapping, e.g. `nlg: {model: models/reply-generator}`");
        if (Scalar(CheckKeys(nlg, file), "model", file) is not { } modelNode)
            return null; // Rasa's `url:` to an external NLG server: LoadServer
        string model = EndpointsYaml.Substitute(modelNode, file);
        if (Directory.Exists(Path.Combine(projectDirectory, model)))
            model = Path.GetFullPath(Path.Combine(projectDirectory, model));
        double Number(string key, double fallback, double min, double max)
        {
            if (Scalar(nlg, key, file) is not { } n) return fallback;
            string text = EndpointsYaml.Substitute(n, file);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
                throw EndpointsYaml.Error(file, n.Start, $"nlg {key} \"{text}\" must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return v;
        }
        bool Flag(string key) => Scalar(nlg, key, file) is { } c && EndpointsYaml.Substitute(c, file) is var flag && (flag is "true" or "True" or "yes"
            || (flag is "false" or "False" or "no" ? false : throw EndpointsYaml.Error(file, c.Start, $"nlg {key} \"{flag}\" must be true or false")));
        string prompt = Scalar(nlg, "prompt", file) is { } p ? EndpointsYaml.Substitute(p, file) : "{user}";
        var banned = new List<string>();
        if (nlg.Children.TryGetValue(new YamlScalarNode("banned_phrases"), out var list))
        {
            if (list is not YamlSequenceNode sequence || sequence.Children.Any(x => x is not YamlScalarNode))
                throw EndpointsYaml.Error(file, list.Start, "nlg banned_phrases must be a list of phrases");
            banned.AddRange(sequence.Children.Cast<YamlScalarNode>().Select(x => EndpointsYaml.Substitute(x, file)).Where(x => x.Length > 0));
        }
        var guardrails = new RewriteGuardrails((int)Number("max_length", 200, 1, 100_000), banned, Number("min_log_prob", -2.5, -1000, 0));
        return new LocalNlgConfig(model, Flag("chat"), prompt, (int)Number("max_new_tokens", 48, 1, 4096), guardrails, Flag("rewrite_responses"));
    }

    private static YamlScalarNode? Scalar(YamlMappingNode map, string key, string file) => EndpointsYaml.Scalar(map, key, file, "nlg");

    /// <summary>Loads the model and builds the rewriter (greedy decoding).</summary>
    public ResponseRewriter CreateRewriter(TextWriter? progress = null) =>
        new(TextGenerationModel.Load(Model, progress: progress), new GenerationOptions { MaxNewTokens = MaxNewTokens }, Guardrails, Chat, Prompt);
}
