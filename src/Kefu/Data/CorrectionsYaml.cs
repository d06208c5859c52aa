using System.Text;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Data;

/// <summary>A reviewed correction: the labelled example and where it came from (one line, the provenance comment).</summary>
public sealed record ReviewedExample(NluExample Example, string Provenance);

/// <summary>
/// What an export wrote and what it left out: Duplicates are already in the project's NLU data with the same intent;
/// Conflicts name a text labelled with another intent (in the project, or by another correction), left out until a
/// trainer settles it; Problems are examples that cannot be written and data files that did not read.
/// </summary>
public sealed record CorrectionsExport(string Yaml, int Written, IReadOnlyList<string> Duplicates, IReadOnlyList<string> Conflicts, IReadOnlyList<string> Problems);

/// <summary>
/// data/corrections.yml, the correction inbox's training data (docs/agents.md, "Correction inbox"): Rasa 3 NLU YAML with
/// one `- intent:` entry per example, each under a comment saying where it came from:
/// <code>
/// # conversation c-1, message 3, 2026-12-06T05:00:00Z, corrected by tina
/// - intent: ask_price
///   examples: |
///     - 这个多少钱
/// </code>
/// The file is rewritten whole from every reviewed decision, so it is never compared with itself. An example whose
/// conversation shows what the bot said before it is written as a mapping with `metadata: {context: ...}`
/// (<see cref="NluExample.Context"/>). An example is its text and its context: the same words after two different
/// questions may carry two intents, so only the same context makes a conflict; the same words with the same intent are a
/// duplicate whatever the context.
/// </summary>
public static class CorrectionsYaml
{
    public const string RelativePath = "data/corrections.yml";

    public static CorrectionsExport Build(IReadOnlyList<ReviewedExample> reviewed, IReadOnlyList<NluExample> project)
    {
        var known = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var knownText = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);   // whatever the context
        foreach (var example in project)
        {
            Intents(known, Key(example)).Add(example.Intent);
            Intents(knownText, example.Text.Trim()).Add(example.Intent);
        }
        var corrected = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var r in reviewed)
            Intents(corrected, Key(r.Example)).Add(r.Example.Intent);

        var yaml = new StringBuilder();
        var duplicates = new List<string>();
        var conflicts = new List<string>();
        var problems = new List<string>();
        var written = new HashSet<(string, string)>();
        foreach (var r in reviewed)
        {
            var (text, intent) = (Key(r.Example), r.Example.Intent);
            var quoted = Snippets.Quote(r.Example.Text.Trim()) + (r.Example.Context is { } said ? $"' after '{Snippets.Quote(said)}" : "");
            if (corrected[text].Count > 1)
            {
                conflicts.Add($"'{quoted}' ({r.Provenance}) is labelled {intent} here and {string.Join(", ", corrected[text].Where(i => i != intent).Order(StringComparer.Ordinal))} by another correction");
                continue;
            }
            if (known.TryGetValue(text, out var there))
            {
                if (there.Any(i => i != intent))
                    conflicts.Add($"'{quoted}' ({r.Provenance}) is labelled {intent} here and {string.Join(", ", there.Where(i => i != intent).Order(StringComparer.Ordinal))} in the project's NLU data");
                else
                    duplicates.Add($"'{quoted}' ({r.Provenance}) is already an example of {intent}");
                continue;
            }
            // the same words of the same intent teach a model without context features nothing new
            if (knownText.TryGetValue(r.Example.Text.Trim(), out var sameWords) && sameWords.Contains(intent))
            {
                duplicates.Add($"'{quoted}' ({r.Provenance}) is already an example of {intent}");
                continue;
            }
            if (!written.Add((text, intent)))
                continue;
            var (line, problem) = NluYamlWriter.ExampleLine(NluDocuments.Trim(r.Example));
            if (problem is not null)
            {
                problems.Add($"{r.Provenance}: {problem}");
                continue;
            }
            yaml.Append("# ").AppendLine(OneLine(r.Provenance))
                .Append("- intent: ").AppendLine(NluYamlWriter.Scalar(intent));
            if (r.Example.Context is { } context)   // what the bot said before, for models with context features (docs/nlu.md)
                yaml.AppendLine("  examples:")
                    .Append("  - text: ").AppendLine(NluYamlWriter.Scalar(line!))
                    .AppendLine("    metadata:")
                    .Append("      context: ").AppendLine(NluYamlWriter.Scalar(context));
            else
                yaml.AppendLine("  examples: |")
                    .Append("    - ").AppendLine(line);
        }
        var file = new StringBuilder().AppendLine("# Reviewed corrections from the console's correction inbox: rewritten whole by each export.")
            .AppendLine($"version: \"{NluYamlWriter.Version}\"").AppendLine()
            .AppendLine(written.Count == 0 ? "nlu: []" : "nlu:").Append(yaml);
        return new CorrectionsExport(file.ToString(), written.Count, duplicates, conflicts, problems);
    }

    /// <summary>The project's NLU examples from every data/*.yml file except the corrections file; data files that do not read are Problems.</summary>
    public static (IReadOnlyList<NluExample> Examples, IReadOnlyList<string> Problems) ProjectExamples(string projectDirectory)
    {
        var data = Path.Combine(projectDirectory, "data");
        var own = Path.GetFullPath(Path.Combine(projectDirectory, RelativePath));
        var examples = new List<NluExample>();
        var problems = new List<string>();
        if (!Directory.Exists(data))
            return (examples, problems);
        foreach (var file in Directory.EnumerateFiles(data, "*.*", SearchOption.AllDirectories)
                     .Where(f => Path.GetExtension(f) is ".yml" or ".yaml" && Path.GetFullPath(f) != own).Order(StringComparer.Ordinal))
        {
            var (document, diagnostics) = NluDocuments.Read(file);
            problems.AddRange(diagnostics.Where(d => d.Severity == Severity.Error).Select(d => d.ToString()));
            examples.AddRange(document.Examples);
        }
        return (examples, problems);
    }

    private static HashSet<string> Intents(Dictionary<string, HashSet<string>> byText, string text)
    {
        if (!byText.TryGetValue(text, out var intents))
            byText[text] = intents = new HashSet<string>(StringComparer.Ordinal);
        return intents;
    }

    /// <summary>An example's identity: its text and what the bot said before it (the same words after two questions are two examples).</summary>
    private static string Key(NluExample example) => example.Context is { } context ? $"{example.Text.Trim()}\u0000{context}" : example.Text.Trim();

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
