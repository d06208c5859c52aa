using Kefu.Nlu;

namespace Kefu.Data.Augmentation;

/// <summary>
/// Self-training on messages nobody labelled (Yarowsky 1995; Lee 2013, "Pseudo-Label"): the model trained on the labelled
/// examples reads the unlabelled messages, and each intent's most confident readings join the training data; the model is
/// trained again on labelled plus pseudo-labelled examples and reads the messages anew, <see cref="PseudoLabelOptions.Rounds"/>
/// times. Round r of R keeps the top r/R of each intent's readings by confidence, so the first model adds only its surest
/// readings and each later one relabels the rest. Per intent, so that the intents the model reads most often do not crowd
/// out the others. Readings under <see cref="PseudoLabelOptions.MinConfidence"/> are never kept: a conversation log also
/// holds chit-chat and questions the bot has no intent for.
/// The labelled examples are all of the data's, earlier methods' augmented ones included. The trained extractor's entities
/// come with each message (Duckling's are not training data and are left out). Messages the data already has are skipped.
/// </summary>
public static class PseudoLabeling
{
    public const string MethodName = "pseudo-labels";

    public static List<AugmentedExample> Run(NluTrainingData data, IEnumerable<string> unlabelled, Func<NluTrainingData, NluModel> train,
        PseudoLabelOptions options, IProgress<string>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Rounds, 1);
        var known = new HashSet<string>(data.Examples.Select(e => e.Text.Trim()), StringComparer.Ordinal);
        var messages = unlabelled.Select(t => t.Trim()).Where(t => t.Length > 0 && known.Add(t)).ToList();
        if (messages.Count == 0) return [];

        List<AugmentedExample> chosen = [];
        for (int round = 1; round <= options.Rounds; round++)
        {
            var model = train(data with { Examples = [.. data.Examples, .. chosen.Select(c => c.Example)] });
            double share = (double)round / options.Rounds;
            chosen = Choose(model, messages, share, options.MinConfidence);
            progress?.Report($"pseudo-labels, round {round} of {options.Rounds}: {chosen.Count} of {messages.Count} messages kept " +
                $"(each intent's top {share:P0} with confidence ≥ {options.MinConfidence:0.##})");
        }
        return chosen;
    }

    /// <summary>Each intent's top <paramref name="share"/> of the messages the model gives it, by confidence.</summary>
    static List<AugmentedExample> Choose(NluModel model, IReadOnlyList<string> messages, double share, double minConfidence)
    {
        var readings = messages.Select(m => model.PredictIntent(m)).ToArray();
        var result = new List<AugmentedExample>();
        foreach (var group in Enumerable.Range(0, messages.Count).GroupBy(i => readings[i].Label).OrderBy(g => g.Key))
        {
            int take = (int)Math.Ceiling(share * group.Count());
            foreach (int i in group.Where(i => readings[i].Confidence >= minConfidence)
                         .OrderByDescending(i => readings[i].Confidence).ThenBy(i => i).Take(take))
            {
                var example = new NluExample(messages[i], model.Intents.Labels[group.Key], model.Entities?.Extract(messages[i]) ?? [])
                    { Augmentation = MethodName };
                result.Add(new AugmentedExample(example, MethodName, messages[i]));
            }
        }
        return result;
    }
}

/// <param name="Rounds">How many times the model is trained and reads the messages.</param>
/// <param name="MinConfidence">Readings under this confidence are never kept.</param>
/// <remarks>The defaults are the best of those tried on banking77's validation split (docs/benchmarks.md, "Data augmentation").</remarks>
public sealed record PseudoLabelOptions(int Rounds = 3, double MinConfidence = 0.3);
