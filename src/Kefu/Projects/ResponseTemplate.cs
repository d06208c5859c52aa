namespace Kefu.Projects;

/// <summary>
/// The `{name}` placeholders of a response text, found exactly as the dialogue fills them
/// (<see cref="Dialogue.Responses.ResponseRenderer.Fill"/> uses this scan), so the validator and the runtime agree on
/// what is a placeholder: `{name}` with a name of letters, digits, '_' or '-'; `{{` and `}}` are literal braces (Python's
/// str.format, which Rasa's interpolator uses); other braces, such as the JSON of a payload `/inform{"city": "Berlin"}`,
/// are text.
/// </summary>
public static class ResponseTemplate
{
    /// <summary>A placeholder: its name, and Start/Length of "{name}" in the template.</summary>
    public readonly record struct Placeholder(string Name, int Start, int Length);

    /// <summary>
    /// The template cut into literal text and placeholders, in order: <paramref name="literal"/> gets each run of text
    /// (escapes already undone), <paramref name="placeholder"/> each placeholder.
    /// </summary>
    public static void Scan(string template, Action<string> literal, Action<Placeholder> placeholder)
    {
        var run = new System.Text.StringBuilder();
        for (int i = 0; i < template.Length; i++)
        {
            if (i + 1 < template.Length && template[i] is '{' or '}' && template[i + 1] == template[i])
            {
                run.Append(template[i++]);
                continue;
            }
            int close = template[i] == '{' ? template.IndexOf('}', i + 1) : -1;
            if (close > i + 1 && IsName(template.AsSpan(i + 1, close - i - 1)))
            {
                if (run.Length > 0) literal(run.ToString());
                run.Clear();
                placeholder(new Placeholder(template[(i + 1)..close], i, close - i + 1));
                i = close;
            }
            else run.Append(template[i]);
        }
        if (run.Length > 0) literal(run.ToString());
    }

    public static IReadOnlyList<Placeholder> Placeholders(string template)
    {
        var found = new List<Placeholder>();
        if (template.Contains('{')) Scan(template, _ => { }, found.Add);
        return found;
    }

    private static bool IsName(ReadOnlySpan<char> s)
    {
        foreach (var ch in s)
            if (!(char.IsLetterOrDigit(ch) || ch == '_' || ch == '-')) return false;
        return true;
    }
}
