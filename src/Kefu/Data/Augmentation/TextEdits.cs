using Kefu.Nlu;

namespace Kefu.Data.Augmentation;

/// <summary>One replacement of text[Start..End) by Replacement.</summary>
public readonly record struct TextEdit(int Start, int End, string Replacement);

/// <summary>
/// Applies non-overlapping edits to an example and moves its entity spans with them. An edit may replace a whole
/// entity span (entity substitution: the span becomes the replacement) or lie outside every span; an edit that cuts
/// into a span is refused (null), so augmented examples never carry a broken annotation.
/// </summary>
public static class TextEdits
{
    public static NluExample? Apply(NluExample example, IReadOnlyList<TextEdit> edits, IReadOnlyDictionary<int, string>? newValues = null)
    {
        var sorted = edits.OrderBy(e => e.Start).ToArray();
        for (int i = 1; i < sorted.Length; i++)
            if (sorted[i].Start < sorted[i - 1].End) return null;
        foreach (var edit in sorted)
            foreach (var span in example.Entities)
            {
                bool outside = edit.End <= span.Start || edit.Start >= span.End;
                bool whole = edit.Start == span.Start && edit.End == span.End;
                if (!outside && !whole) return null;
            }

        var text = new System.Text.StringBuilder(example.Text.Length + 8);
        int at = 0;
        foreach (var edit in sorted)
        {
            text.Append(example.Text, at, edit.Start - at).Append(edit.Replacement);
            at = edit.End;
        }
        text.Append(example.Text, at, example.Text.Length - at);

        // A boundary moves by the length change of every edit before it; an insertion right at a span's end stays outside it.
        int Delta(TextEdit e) => e.Replacement.Length - (e.End - e.Start);
        var spans = example.Entities.Select((span, i) => span with
        {
            Start = span.Start + sorted.Where(e => e.End <= span.Start).Sum(Delta),
            End = span.End + sorted.Where(e => e.End <= span.End && e.Start < span.End).Sum(Delta),
            Value = newValues is not null && newValues.TryGetValue(i, out var v) ? v : span.Value,
        }).ToList();
        return example with { Text = text.ToString(), Entities = spans };
    }
}
