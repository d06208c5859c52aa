using Kefu.Generation.Llm;
using Kefu.Nlu;
using Kefu.Projects;
using Microsoft.Extensions.AI;

namespace Kefu.Data.Augmentation;

/// <summary>
/// Paraphrase and back-translation through the project's LLM endpoint (endpoints.yml `llm:`). Entity annotations go to
/// the model in Rasa's inline form and must come back: a line whose entities are not the same types as the original's,
/// or that does not parse, is dropped. One request per example gives every variant (back-translation: two, there and back);
/// the variants are handed out one by one as <see cref="Augmenter"/> asks.
/// An endpoint that fails stops the run with its <see cref="LlmException"/>: a half-augmented file would look complete.
/// </summary>
public sealed class LlmAugmentation(IChatClient client, bool backTranslate, int variants) : IAugmentationMethod
{
    private readonly Dictionary<NluExample, Queue<NluExample>> _made = new(ReferenceEqualityComparer.Instance);

    public string Name => backTranslate ? "back-translation" : "paraphrase";

    public const string Instructions =
        "You rewrite customer-service messages to train a chatbot's intent classifier. Keep the meaning, the intent and the " +
        "language of the message. Text in square brackets followed by (type) or {...} marks an entity: keep the brackets and " +
        "the marker, and put a value of the same kind inside. Answer with the messages only, one per line, without numbering.";

    public NluExample? Apply(NluExample example, AugmentationContext context, Random random)
    {
        if (!_made.TryGetValue(example, out var queue))
            _made[example] = queue = new Queue<NluExample>(Ask(example).GetAwaiter().GetResult());
        return queue.TryDequeue(out var next) ? next : null;
    }

    private async Task<List<NluExample>> Ask(NluExample example)
    {
        string annotated = NluYamlWriter.ExampleLine(example).Line ?? example.Text;
        IEnumerable<string> lines;
        if (!backTranslate)
            lines = Lines(await Complete($"Write {variants} different ways a customer could say this message:\n{annotated}"));
        else
        {
            bool chinese = example.Text.Any(c => c is >= '\u4e00' and <= '\u9fff');
            string pivot = chinese ? "English" : "Chinese", home = chinese ? "Chinese" : "English";
            var there = Lines(await Complete($"Translate this message into {pivot}, {variants} different ways:\n{annotated}"));
            var back = new List<string>();
            foreach (var line in there) back.AddRange(Lines(await Complete($"Translate this message into {home}:\n{line}")).Take(1));
            lines = back;
        }
        var types = example.Entities.Select(e => e.Entity).Order(StringComparer.Ordinal).ToList();
        var kept = new List<NluExample>();
        foreach (var line in lines)
        {
            var parsed = EntityAnnotations.Parse(line);
            if (parsed.HasErrors || parsed.Text.Length == 0) continue;
            if (!parsed.Entities.Select(e => e.Entity).Order(StringComparer.Ordinal).SequenceEqual(types)) continue;
            kept.Add(example with { Text = parsed.Text, Entities = parsed.Entities });
        }
        return kept;
    }

    private async Task<string> Complete(string prompt) =>
        (await client.GetResponseAsync([new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, prompt)])).Text;

    /// <summary>The answer's lines without list markers ("1. ", "- ", "• ") or quotes.</summary>
    internal static IEnumerable<string> Lines(string answer) => answer.Split('\n')
        .Select(l => System.Text.RegularExpressions.Regex.Replace(l.Trim(), @"^(\d+[.)、]|[-*•])\s*", "").Trim().Trim('"', '“', '”'))
        .Where(l => l.Length > 0);
}
