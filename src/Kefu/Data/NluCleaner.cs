using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Data;

/// <summary>An example as the clean report names it: where it was, its intent and text.</summary>
public sealed record ExampleRef(
    [property: JsonPropertyName("at")] string? At,
    [property: JsonPropertyName("intent")] string Intent,
    [property: JsonPropertyName("text")] string Text);

public sealed record TextChange(
    [property: JsonPropertyName("example")] ExampleRef Example,
    [property: JsonPropertyName("before")] string Before,
    [property: JsonPropertyName("after")] string After,
    [property: JsonPropertyName("changes")] IReadOnlyList<string> Changes,
    [property: JsonPropertyName("entities")] IReadOnlyList<string> EntityNotes);

/// <summary>A removed example and the kept one it repeats (Reason "duplicate"), or one cleaning left empty (Reason "empty").</summary>
public sealed record Removal(
    [property: JsonPropertyName("example")] ExampleRef Example,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("kept")] ExampleRef? Kept);

/// <summary>One text under several intents (or with several annotations under one intent); all are kept.</summary>
public sealed record Conflict(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("examples")] IReadOnlyList<ExampleRef> Examples);

/// <summary>Two texts equal once case, spaces, punctuation and symbols are ignored; both are kept.</summary>
public sealed record NearDuplicate(
    [property: JsonPropertyName("a")] ExampleRef A,
    [property: JsonPropertyName("b")] ExampleRef B,
    [property: JsonPropertyName("same_intent")] bool SameIntent);

/// <summary>A synonym surface or lookup entry changed by cleaning.</summary>
public sealed record EntryChange(
    [property: JsonPropertyName("section")] string Section,
    [property: JsonPropertyName("before")] string Before,
    [property: JsonPropertyName("after")] string After,
    [property: JsonPropertyName("changes")] IReadOnlyList<string> Changes);

public sealed record CleanReport(
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("examples_in")] int ExamplesIn,
    [property: JsonPropertyName("examples_out")] int ExamplesOut,
    [property: JsonPropertyName("changed")] IReadOnlyList<TextChange> Changed,
    [property: JsonPropertyName("removed")] IReadOnlyList<Removal> Removed,
    [property: JsonPropertyName("conflicts")] IReadOnlyList<Conflict> Conflicts,
    [property: JsonPropertyName("annotation_conflicts")] IReadOnlyList<Conflict> AnnotationConflicts,
    [property: JsonPropertyName("near_duplicates")] IReadOnlyList<NearDuplicate> NearDuplicates,
    [property: JsonPropertyName("entries_changed")] IReadOnlyList<EntryChange> EntriesChanged)
{
    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }) + "\n";

    /// <summary>The readable summary: counts first, then every item.</summary>
    public string ToText()
    {
        var t = new StringBuilder();
        t.AppendLine($"{Input}: {ExamplesIn} examples in, {ExamplesOut} out");
        t.AppendLine($"  changed: {Changed.Count}  removed: {Removed.Count}  conflicts (one text, several intents): {Conflicts.Count}  " +
            $"annotation conflicts: {AnnotationConflicts.Count}  near duplicates: {NearDuplicates.Count}  synonym/lookup entries changed: {EntriesChanged.Count}");
        foreach (var kind in Changed.SelectMany(c => c.Changes).GroupBy(k => k).OrderBy(g => g.Key, StringComparer.Ordinal))
            t.AppendLine($"    {kind.Key}: {kind.Count()}");
        Section(t, "Changed", Changed, c => $"{c.Example.At}: [{string.Join(", ", c.Changes)}] {Show(c.Before)} -> {Show(c.After)}"
            + string.Concat(c.EntityNotes.Select(n => $"\n      {n}")));
        Section(t, "Removed", Removed, r => r.Reason == "duplicate"
            ? $"{r.Example.At}: {Show(r.Example.Text)} ({r.Example.Intent}) repeats {r.Kept!.At}"
            : $"{r.Example.At}: {Show(r.Example.Text)} ({r.Example.Intent}) is empty after cleaning");
        Section(t, "Conflicts: the same text under several intents (kept; keep it under one)", Conflicts,
            c => $"{Show(c.Text)}: " + string.Join("; ", c.Examples.Select(e => $"{e.Intent} at {e.At}")));
        Section(t, "Annotation conflicts: the same text and intent, annotated differently (kept)", AnnotationConflicts,
            c => $"{Show(c.Text)}: " + string.Join("; ", c.Examples.Select(e => $"{e.At}")));
        Section(t, "Near duplicates (kept)", NearDuplicates,
            n => $"{n.A.At} {Show(n.A.Text)} ({n.A.Intent}) ~ {n.B.At} {Show(n.B.Text)} ({n.B.Intent}){(n.SameIntent ? "" : "  <- different intents")}");
        Section(t, "Synonym and lookup entries changed", EntriesChanged, e => $"{e.Section}: {Show(e.Before)} -> {Show(e.After)}");
        return t.ToString();
    }

    private static void Section<T>(StringBuilder t, string title, IReadOnlyList<T> items, Func<T, string> line)
    {
        if (items.Count == 0) return;
        t.AppendLine().AppendLine($"{title} ({items.Count}):");
        foreach (var item in items) t.Append("  ").AppendLine(line(item));
    }

    private static string Show(string text) => "\"" + Snippets.Quote(text, 120) + "\"";
}

public sealed record CleanResult(NluDocument Cleaned, CleanReport Report);

/// <summary>
/// `kefu data clean`: every example through <see cref="TextCleaner"/>, then exact repeats (same text, intent and
/// entities) removed after the first; everything else is reported and kept: one text under two intents, the same text
/// annotated two ways, near duplicates. Synonym surfaces and lookup entries get the same text cleaning; regexes are
/// left as written (cleaning would change what they match).
/// </summary>
public static class NluCleaner
{
    public static CleanResult Clean(NluDocument document, string input)
    {
        var changed = new List<TextChange>();
        var removed = new List<Removal>();
        var cleaned = new List<(NluExample Example, ExampleRef Ref, SourceLocation? At)>();
        var firstByKey = new Dictionary<string, ExampleRef>(StringComparer.Ordinal);
        for (int i = 0; i < document.Examples.Count; i++)
        {
            var original = document.Examples[i];
            var at = document.LocationOf(i);
            var result = TextCleaner.Clean(original);
            var example = original with { Text = result.Text, Entities = result.Entities };
            var reference = new ExampleRef(at?.ToString(), example.Intent, example.Text);
            if (result.Changes.Count > 0 || result.EntityNotes.Count > 0)
                changed.Add(new TextChange(reference, original.Text, result.Text, result.Changes, result.EntityNotes));
            if (example.Text.Length == 0)
            {
                removed.Add(new Removal(reference with { Text = original.Text }, "empty", null));
                continue;
            }
            string key = $"{example.Intent}\u0001{example.Text}\u0001{EntityKey(example)}";
            if (firstByKey.TryGetValue(key, out var kept))
            {
                removed.Add(new Removal(reference, "duplicate", kept));
                continue;
            }
            firstByKey[key] = reference;
            cleaned.Add((example, reference, at));
        }

        var conflicts = cleaned.GroupBy(c => c.Example.Text, StringComparer.Ordinal)
            .Where(g => g.Select(c => c.Example.Intent).Distinct(StringComparer.Ordinal).Count() > 1)
            .Select(g => new Conflict(g.Key, g.Select(c => c.Ref).ToList())).ToList();
        var annotationConflicts = cleaned.GroupBy(c => (c.Example.Text, c.Example.Intent))
            .Where(g => g.Count() > 1)
            .Select(g => new Conflict(g.Key.Text, g.Select(c => c.Ref).ToList())).ToList();
        var near = new List<NearDuplicate>();
        foreach (var group in cleaned.GroupBy(c => TextCleaner.NearKey(c.Example.Text), StringComparer.Ordinal).Where(g => g.Key.Length > 0))
        {
            var distinct = group.DistinctBy(c => c.Example.Text, StringComparer.Ordinal).ToList();
            for (int k = 1; k < distinct.Count; k++)
                near.Add(new NearDuplicate(distinct[0].Ref, distinct[k].Ref, distinct[0].Example.Intent == distinct[k].Example.Intent));
        }

        var entries = new List<EntryChange>();
        List<string> CleanEntries(string section, IReadOnlyList<string> items)
        {
            var result = new List<string>();
            foreach (var item in items)
            {
                var c = TextCleaner.Clean(item);
                if (c.Changes.Count > 0) entries.Add(new EntryChange(section, item, c.Text, c.Changes));
                if (c.Text.Length > 0 && !result.Contains(c.Text, StringComparer.Ordinal)) result.Add(c.Text);
            }
            return result;
        }
        var synonyms = document.Synonyms.Select(s => s with { Examples = CleanEntries($"synonym '{s.Value}'", s.Examples) }).ToList();
        var lookups = document.Lookups.Select(l => l with { Elements = CleanEntries($"lookup '{l.Name}'", l.Elements) }).ToList();

        var output = new NluDocument(cleaned.Select(c => c.Example).ToList(), synonyms, document.Regexes, lookups)
        {
            Locations = cleaned.All(c => c.At is not null) ? cleaned.Select(c => c.At!.Value).ToList() : [],
        };
        var report = new CleanReport(input, document.Examples.Count, output.Examples.Count, changed, removed, conflicts, annotationConflicts, near, entries);
        return new CleanResult(output, report);
    }

    private static string EntityKey(NluExample e) =>
        string.Join("|", e.Entities.Select(s => $"{s.Start},{s.End},{s.Entity},{s.Value},{s.Role},{s.Group}").Order(StringComparer.Ordinal));
}
