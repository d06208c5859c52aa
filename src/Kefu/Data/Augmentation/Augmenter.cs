using Kefu.Nlu;

namespace Kefu.Data.Augmentation;

/// <summary>A new example, the method that made it and the example it came from.</summary>
public sealed record AugmentedExample(NluExample Example, string Method, string Source);

/// <summary>
/// `kefu data augment`: up to N new examples per example and method, deterministic for a seed, never a text the data
/// already has (nor one made twice). Augmented examples in the input are not augmented again.
/// </summary>
public static class Augmenter
{
    public static IReadOnlyList<IAugmentationMethod> Methods { get; } =
        [new EntitySubstitution(), new SynonymSubstitution(), new KeyboardNoise(), new ChineseCharacterNoise(), new WordEdits(),
         new LabelNames()];

    /// <summary>
    /// What `kefu data augment` runs without --methods: the ones that helped on held-out data (docs/benchmarks.md,
    /// "Data augmentation"). Substitutions only make examples where the project has entities or synonyms to vary.
    /// </summary>
    public static IReadOnlyList<string> DefaultMethods { get; } = ["entities", "synonyms", "labels"];

    public static IAugmentationMethod? Find(string name) =>
        Methods.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    public static List<AugmentedExample> Run(NluTrainingData data, IReadOnlyList<IAugmentationMethod> methods, int perExample, int seed,
        IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perExample);
        // earlier augmented examples (a rerun over a project that has them) neither seed, feed nor block new ones: same input, same output
        var originals = data.Examples.Where(e => e.Augmentation is null).ToList();
        var context = new AugmentationContext(data with { Examples = originals });
        var seen = new HashSet<string>(originals.Select(e => e.Text.Trim()), StringComparer.Ordinal);
        var random = new Random(seed);
        var result = new List<AugmentedExample>();
        for (int i = 0; i < originals.Count; i++)
        {
            var example = originals[i];
            foreach (var method in methods)
            {
                int made = 0;
                // a few tries per wanted example: random edits repeat themselves on short texts
                for (int attempt = 0; attempt < 3 * perExample && made < perExample; attempt++)
                {
                    if (method.Apply(example, context, random) is not { } variant) break;    // the method does not apply here
                    string text = variant.Text.Trim();
                    if (text.Length == 0 || text != variant.Text || !seen.Add(text)) continue;
                    result.Add(new AugmentedExample(variant with { Augmentation = method.Name }, method.Name, example.Text));
                    made++;
                }
            }
            if ((i + 1) % 100 == 0 || i + 1 == originals.Count) progress?.Report((i + 1, originals.Count));
        }
        return result;
    }
}
