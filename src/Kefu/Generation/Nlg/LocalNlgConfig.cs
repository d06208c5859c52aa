using System.Globalization;
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
/// </code>
/// A section with only `url:` (Rasa's external NLG server) is not run by Kefu: <see cref="Load"/> returns null and the
/// project's validation warns.
/// </summary>
public sealed record LocalNlgConfig(string Model, bool Chat, string Prompt, int MaxNewTokens, RewriteGuardrails Guardrails)
{
    private static readonly string[] Keys = ["model", "chat", "prompt", "max_new_tokens", "max_length", "banned_phrases", "min_log_prob", "url"];

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
        foreach (var (key, _) in nlg.Children)
        {
            if (key is YamlScalarNode { Value: { } name } && !Keys.Contains(name))
                throw EndpointsYaml.Error(file, key.Start, $"nlg: unknown key '{name}' (known: {string.Join(", ", Keys)})");
        }
        if (Scalar(nlg, "model", file) is not { } modelNode)
            return null; // Rasa's `url:` to an external NLG server: ServiceFilesReader warns that Kefu does not call it
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
        bool chat = Scalar(nlg, "chat", file) is { } c && EndpointsYaml.Substitute(c, file) is var flag && (flag is "true" or "True" or "yes"
            || (flag is "false" or "False" or "no" ? false : throw EndpointsYaml.Error(file, c.Start, $"nlg chat \"{flag}\" must be true or false")));
        string prompt = Scalar(nlg, "prompt", file) is { } p ? EndpointsYaml.Substitute(p, file) : "{user}";
        var banned = new List<string>();
        if (nlg.Children.TryGetValue(new YamlScalarNode("banned_phrases"), out var list))
        {
            if (list is not YamlSequenceNode sequence || sequence.Children.Any(x => x is not YamlScalarNode))
                throw EndpointsYaml.Error(file, list.Start, "nlg banned_phrases must be a list of phrases");
            banned.AddRange(sequence.Children.Cast<YamlScalarNode>().Select(x => EndpointsYaml.Substitute(x, file)).Where(x => x.Length > 0));
        }
        var guardrails = new RewriteGuardrails((int)Number("max_length", 200, 1, 100_000), banned, Number("min_log_prob", -2.5, -1000, 0));
        return new LocalNlgConfig(model, chat, prompt, (int)Number("max_new_tokens", 48, 1, 4096), guardrails);
    }

    private static YamlScalarNode? Scalar(YamlMappingNode map, string key, string file) => EndpointsYaml.Scalar(map, key, file, "nlg");

    /// <summary>Loads the model and builds the rewriter (greedy decoding).</summary>
    public ResponseRewriter CreateRewriter(TextWriter? progress = null) =>
        new(TextGenerationModel.Load(Model, progress: progress), new GenerationOptions { MaxNewTokens = MaxNewTokens }, Guardrails, Chat, Prompt);
}
