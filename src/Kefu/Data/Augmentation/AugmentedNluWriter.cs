using System.Text;
using System.Text.Json;
using Kefu.Nlu;

namespace Kefu.Data.Augmentation;

/// <summary>
/// Writes augmented examples as a Rasa 3 nlu.yml: one intent entry per (intent, method), marked
/// `metadata: {augmented: METHOD}` so Kefu reads them back as augmented and keeps them out of test parts
/// (Rasa ignores the metadata and trains on them).
/// </summary>
public static class AugmentedNluWriter
{
    public static void Write(TextWriter writer, IReadOnlyList<AugmentedExample> examples, string header)
    {
        writer.WriteLine("version: \"3.1\"");
        foreach (var line in header.Split('\n')) writer.WriteLine($"# {line}");
        writer.WriteLine("nlu:");
        foreach (var group in examples.GroupBy(e => (e.Example.Intent, e.Method)))
        {
            writer.WriteLine($"- intent: {Scalar(group.Key.Intent)}");
            writer.WriteLine("  metadata:");
            writer.WriteLine($"    augmented: {group.Key.Method}");
            writer.WriteLine("  examples: |");
            foreach (var e in group) writer.WriteLine($"    - {Annotate(e.Example)}");
        }
    }

    /// <summary>Rasa's inline annotation: [text](entity), or [text]{"entity": ..., "value": ...} when the value differs or a role/group is set.</summary>
    public static string Annotate(NluExample example)
    {
        var text = new StringBuilder();
        int at = 0;
        foreach (var span in example.Entities.OrderBy(s => s.Start))
        {
            string surface = example.Text[span.Start..span.End];
            text.Append(example.Text, at, span.Start - at).Append('[').Append(surface).Append(']');
            if (span.Value == surface && span.Role is null && span.Group is null)
                text.Append('(').Append(span.Entity).Append(')');
            else
            {
                var fields = new Dictionary<string, string> { ["entity"] = span.Entity };
                if (span.Value != surface) fields["value"] = span.Value;
                if (span.Role is not null) fields["role"] = span.Role;
                if (span.Group is not null) fields["group"] = span.Group;
                text.Append(JsonSerializer.Serialize(fields, JsonOptions));
            }
            at = span.End;
        }
        return text.Append(example.Text, at, example.Text.Length - at).ToString();
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A plain YAML scalar when the name is safe as one, else double-quoted.</summary>
    private static string Scalar(string value) =>
        value.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '/' or '.') && !char.IsDigit(value[0]) ? value : JsonSerializer.Serialize(value, JsonOptions);
}
