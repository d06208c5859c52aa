namespace Kefu.Data;

/// <summary>The two halves of a split and what could not be done as asked.</summary>
public sealed record NluSplit(NluDocument Train, NluDocument Test, IReadOnlyList<string> Notes);

/// <summary>
/// A train/test split stratified by intent, as `rasa data split nlu` makes it (Rasa's TrainingData.train_test_split):
/// each intent keeps about the training fraction of its examples in training; an intent with one example goes to
/// training only; every intent with two or more examples is in both halves; synonyms, regexes and lookup tables go to
/// both. Retrieval intents (faq/ask_price) are their own classes, as Rasa stratifies by full intent.
/// Deterministic for a seed: each intent's examples are shuffled by one System.Random(seed), intents in order of first
/// appearance; each half keeps the file order of its examples.
/// </summary>
public static class NluSplitter
{
    public static NluSplit Split(NluDocument document, double trainingFraction, int seed)
    {
        if (trainingFraction is <= 0 or >= 1 || double.IsNaN(trainingFraction))
            throw new ArgumentOutOfRangeException(nameof(trainingFraction), trainingFraction, "the training fraction must be between 0 and 1, exclusive");
        var random = new Random(seed);
        var inTest = new bool[document.Examples.Count];
        var notes = new List<string>();
        var single = new List<string>();
        var rounded = new List<string>();
        // examples made by `kefu data augment` train only: they never test
        var byIntent = document.Examples.Select((e, i) => (e.Intent, i)).Where(x => document.Examples[x.i].Augmentation is null)
            .GroupBy(x => x.Intent, StringComparer.Ordinal);
        foreach (var group in byIntent)
        {
            var indices = group.Select(x => x.i).ToArray();
            if (indices.Length == 1)
            {
                single.Add(group.Key);
                continue;
            }
            random.Shuffle(indices);
            double wanted = (1 - trainingFraction) * indices.Length;
            int test = (int)Math.Round(wanted, MidpointRounding.AwayFromZero);
            int clamped = Math.Clamp(test, 1, indices.Length - 1);
            if (clamped != test) rounded.Add($"{group.Key} ({indices.Length - clamped}/{clamped})");
            foreach (int i in indices.Take(clamped)) inTest[i] = true;
        }
        if (single.Count > 0)
            notes.Add($"{single.Count} intent(s) with a single example are in training only: {string.Join(", ", single.Take(10))}{(single.Count > 10 ? ", …" : "")}");
        if (rounded.Count > 0)
            notes.Add($"{rounded.Count} intent(s) are too small for the fraction {trainingFraction:0.###} and keep one example on each side (train/test): " +
                $"{string.Join(", ", rounded.Take(10))}{(rounded.Count > 10 ? ", …" : "")}");
        return new NluSplit(Half(document, inTest, false), Half(document, inTest, true), notes);
    }

    private static NluDocument Half(NluDocument document, bool[] inTest, bool test)
    {
        var keep = Enumerable.Range(0, document.Examples.Count).Where(i => inTest[i] == test).ToList();
        return document with
        {
            Examples = keep.Select(i => document.Examples[i]).ToList(),
            Locations = document.Locations.Count == 0 ? [] : keep.Select(i => document.Locations[i]).ToList(),
        };
    }
}
