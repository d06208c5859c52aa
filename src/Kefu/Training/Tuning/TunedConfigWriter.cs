using System.Text.Json;
using Kefu.Projects;

namespace Kefu.Training.Tuning;

/// <summary>
/// config.yml with the tuned options set, written as line edits of the original text so its comments and layout stay:
/// an option the component has gets its value replaced (a block value's continuation lines go with it); one it lacks is
/// added under the component's `name:` line at the same indentation. Values are JSON, which YAML reads as flow scalars.
/// </summary>
public static class TunedConfigWriter
{
    public static string Write(string configText, ProjectConfig config, SearchSpace space, IReadOnlyDictionary<string, JsonElement> values)
    {
        var lines = configText.Replace("\r\n", "\n").Split('\n').ToList();
        var edits = new List<(int Line, Action Apply)>();
        foreach (var option in space.Options)
        {
            if (!values.TryGetValue(option.Name, out var value) || config.FindComponent(option.Component) is not { } component) continue;
            string text = value.GetRawText();
            if (component.Options.Find(option.Option) is { } existing)
            {
                int i = existing.Location.Line - 1;
                edits.Add((i, () =>
                {
                    string line = lines[i];
                    int colon = line.IndexOf(':', existing.Location.Column - 1);
                    int indent = existing.Location.Column - 1;
                    lines[i] = line[..(colon + 1)] + " " + text;
                    // a block value (a list on the lines below) goes: the flow value replaces it
                    while (i + 1 < lines.Count && lines[i + 1].Trim().Length > 0 && Indent(lines[i + 1]) > indent) lines.RemoveAt(i + 1);
                }));
            }
            else
            {
                int i = component.Location.Line - 1;
                edits.Add((i, () =>
                {
                    int nameKey = lines[i].LastIndexOf("name", component.Location.Column - 1, StringComparison.Ordinal);
                    lines.Insert(i + 1, new string(' ', Math.Max(0, nameKey)) + $"{option.Option}: {text}");
                }));
            }
        }
        // bottom to top, so each edit's line number still holds
        foreach (var (_, apply) in edits.OrderByDescending(e => e.Line)) apply();
        return string.Join("\n", lines);
    }

    private static int Indent(string line) => line.Length - line.TrimStart().Length;
}
