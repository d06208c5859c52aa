namespace Kefu.Data.Augmentation;

/// <summary>
/// Writes augmented examples as a Rasa 3 nlu.yml: one intent entry per (intent, method), marked
/// `metadata: {augmented: METHOD}` so Kefu reads them back as augmented and keeps them out of test parts
/// (Rasa ignores the metadata and trains on them). Lines come from <see cref="NluYamlWriter.ExampleLine"/>, which checks
/// each reads back as the example; one that would not is left out and counted.
/// </summary>
public static class AugmentedNluWriter
{
    /// <returns>How many examples could not be written as a Rasa line and were left out.</returns>
    public static int Write(TextWriter writer, IReadOnlyList<AugmentedExample> examples, string header)
    {
        int skipped = 0;
        writer.WriteLine("version: \"3.1\"");
        foreach (var line in header.Split('\n')) writer.WriteLine($"# {line}");
        writer.WriteLine("nlu:");
        foreach (var group in examples.GroupBy(e => (e.Example.Intent, e.Method)))
        {
            var lines = group.Select(e => NluYamlWriter.ExampleLine(e.Example).Line).ToList();
            skipped += lines.Count(l => l is null);
            if (lines.All(l => l is null)) continue;
            writer.WriteLine($"- intent: {NluYamlWriter.Scalar(group.Key.Intent)}");
            writer.WriteLine("  metadata:");
            writer.WriteLine($"    augmented: {group.Key.Method}");
            writer.WriteLine("  examples: |");
            foreach (var line in lines) if (line is not null) writer.WriteLine($"    - {line}");
        }
        return skipped;
    }
}
