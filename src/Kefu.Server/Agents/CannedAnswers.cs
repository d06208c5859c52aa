using YamlDotNet.RepresentationModel;

namespace Kefu.Server.Agents;

/// <summary>A reply an agent inserts with one key: a short title and its text.</summary>
public sealed record CannedAnswer(string Title, string Text);

/// <summary>
/// PROJECT/canned.yml, the console's canned answers (optional; written by hand):
/// <code>
/// canned:
///   - title: 问候
///     text: 您好，我是人工客服，请问有什么可以帮您？
/// </code>
/// </summary>
public static class CannedAnswers
{
    public const string FileName = "canned.yml";

    /// <summary>The answers of PROJECT/canned.yml, none without the file; problems as file:line:column in an <see cref="AgentsFileException"/>.</summary>
    public static IReadOnlyList<CannedAnswer> Load(string projectDirectory)
    {
        var path = Path.Combine(projectDirectory, FileName);
        if (!File.Exists(path))
            return [];
        var errors = new List<string>();
        var answers = new List<CannedAnswer>();
        var root = YamlFiles.Root(path, errors);
        if (root is not null)
        {
            if (root is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode("canned"), out var list) || list is not YamlSequenceNode items)
                errors.Add(YamlFiles.At(path, root, "expected a mapping with a list 'canned:' of title and text (see docs/agents.md)"));
            else
                foreach (var item in items)
                {
                    if (item is not YamlMappingNode answer)
                    {
                        errors.Add(YamlFiles.At(path, item, "expected a canned answer: title and text"));
                        continue;
                    }
                    var title = YamlFiles.Scalar(path, answer, "title", errors);
                    var text = YamlFiles.Scalar(path, answer, "text", errors);
                    if (title is not null && text is not null)
                        answers.Add(new CannedAnswer(title, text));
                }
        }
        if (errors.Count > 0)
            throw new AgentsFileException(string.Join('\n', errors));
        return answers;
    }
}
