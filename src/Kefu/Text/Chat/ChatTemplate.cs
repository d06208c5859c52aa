namespace Kefu.Text.Chat;

/// <summary>
/// One message of a conversation as chat templates see it: {"role", "content"} and any other fields (tool_calls,
/// name...), which may be strings, numbers, booleans, lists, dictionaries or JsonElements.
/// </summary>
public sealed record ChatMessage(string Role, string? Content, IReadOnlyDictionary<string, object?>? Fields = null);

/// <summary>
/// A tokenizer_config.json chat template: the jinja2 subset real templates use, rendered as transformers'
/// apply_chat_template does (trim_blocks, lstrip_blocks, raise_exception, tojson with ensure_ascii off). A construct
/// outside the subset is a <see cref="ChatTemplateException"/> naming it, at parse time when it is a statement and at
/// render time when it is a filter, test or function — never output that differs silently.
/// </summary>
public sealed class ChatTemplate
{
    private readonly List<Node> nodes;

    private ChatTemplate(string source, List<Node> nodes)
    {
        Source = source;
        this.nodes = nodes;
    }

    public string Source { get; }

    /// <exception cref="ChatTemplateException">The template uses a construct Kefu does not run, or is not valid jinja2.</exception>
    public static ChatTemplate Parse(string source) => new(source, TemplateParser.Parse(source));

    /// <summary>
    /// Renders with messages, add_generation_prompt and <paramref name="variables"/> (bos_token, tools, documents...;
    /// values as for <see cref="ChatMessage.Fields"/>).
    /// </summary>
    public string Render(IEnumerable<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? variables = null)
    {
        var globals = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in variables ?? new Dictionary<string, object?>())
            globals[key] = TemplateValues.From(value);
        globals["messages"] = messages.Select(m =>
        {
            var message = new Dictionary<string, object?>(StringComparer.Ordinal) { ["role"] = m.Role, ["content"] = m.Content };
            foreach (var (key, value) in m.Fields ?? new Dictionary<string, object?>())
                message[key] = TemplateValues.From(value);
            return (object?)message;
        }).ToList();
        globals["add_generation_prompt"] = addGenerationPrompt;
        return new TemplateRenderer(globals).Render(nodes);
    }
}
