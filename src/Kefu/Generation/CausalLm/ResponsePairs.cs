using System.Text.Json;

namespace Kefu.Generation.CausalLm;

/// <summary>One (context, response) example; several responses are several references (evaluation) or several examples (training).</summary>
/// <param name="Source">file:line, for messages.</param>
public sealed record ResponsePair(string Context, IReadOnlyList<string> Responses, string Source);

/// <summary>
/// (context, response) pairs from JSON lines: {"context" or "prompt": TEXT, "response": TEXT or [TEXT...]}; blank lines
/// are skipped. Anything else is an <see cref="InvalidDataException"/> naming file:line.
/// </summary>
public static class ResponsePairs
{
    public static IReadOnlyList<ResponsePair> Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such file.", path);
        var pairs = new List<ResponsePair>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            string where = $"{path}:{number}";
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException($"{where}: expected an object {{\"context\", \"response\"}}, got {root.ValueKind}.");
                string context = Text(root, "context") ?? Text(root, "prompt")
                    ?? throw new InvalidDataException($"{where}: no \"context\" (or \"prompt\") string.");
                if (!root.TryGetProperty("response", out var response))
                    throw new InvalidDataException($"{where}: no \"response\".");
                string[] responses = response.ValueKind switch
                {
                    JsonValueKind.String => [response.GetString()!],
                    JsonValueKind.Array when response.GetArrayLength() > 0 && response.EnumerateArray().All(r => r.ValueKind == JsonValueKind.String)
                        => [.. response.EnumerateArray().Select(r => r.GetString()!)],
                    _ => throw new InvalidDataException($"{where}: \"response\" must be a string or a non-empty list of strings."),
                };
                pairs.Add(new ResponsePair(context, responses, where));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{where}: invalid JSON: {e.Message}", e);
            }
        }
        if (pairs.Count == 0)
            throw new InvalidDataException($"{path}: no (context, response) pairs.");
        return pairs;
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>
/// How a context becomes a prompt and a response its target, the same in fine-tuning and evaluation. Plain: DialoGPT's
/// format, context then the end-of-text token, response then the end-of-text token. Chat: the tokenizer's chat template
/// with the context as the user's message and the generation prompt; the response then the template's end token
/// (tokenizer_config.json's eos_token, e.g. Qwen's &lt;|im_end|&gt;).
/// </summary>
public sealed class ResponseFormat(TextGenerationModel lm, bool chat)
{
    public bool Chat { get; } = chat;

    /// <summary>The token that ends a response: the tokenizer's eos_token, else config.json's first eos_token_id.</summary>
    public int? EndId { get; } = lm.Tokenizer.SpecialId(lm.Tokenizer.Settings.EosToken) ?? lm.Model.Config.EosTokenIds.FirstOrDefault(-1) switch { -1 => null, var id => id };

    public int[] Prompt(string context) =>
        Chat ? lm.EncodePrompt(context, chat: true) : [.. lm.Codec.Encode(context), .. EndId is { } end ? [end] : Array.Empty<int>()];

    public int[] Target(string response) => [.. lm.Codec.Encode(response), .. EndId is { } end ? [end] : Array.Empty<int>()];
}

/// <summary>
/// (context, response) pairs from a Rasa project's stories: each user turn (its text, or the first NLU example of its
/// intent) paired with the text of the bot turns that follow it up to the next user turn (utter_* responses' first text
/// variation, or end-to-end `bot:` text), joined by a line break. Custom actions and responses without text are skipped;
/// {slot} placeholders stay in the text.
/// </summary>
public static class StoryPairs
{
    public static IReadOnlyList<ResponsePair> From(Projects.RasaProject project)
    {
        var examples = project.Nlu.Examples.GroupBy(e => e.Intent).ToDictionary(g => g.Key, g => g.First().Text, StringComparer.Ordinal);
        var pairs = new List<ResponsePair>();
        var seen = new HashSet<(string, string)>();
        foreach (var story in project.Stories)
        {
            string? context = null;
            string source = "";
            var replies = new List<string>();
            void Flush()
            {
                if (context is not null && replies.Count > 0 && seen.Add((context, string.Join('\n', replies))))
                    pairs.Add(new ResponsePair(context, [string.Join('\n', replies)], source));
                replies.Clear();
            }
            foreach (var step in story.Steps)
            {
                switch (step)
                {
                    case Projects.UserStep user:
                        Flush();
                        context = user.Text ?? (user.Intent is { } intent ? examples.GetValueOrDefault(intent) : null);
                        source = $"{user.Location.File}:{user.Location.Line}";
                        break;
                    case Projects.ActionStep action when project.Domain.FindResponse(action.Action) is { } response:
                        if (response.Variations.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v.Text))?.Text is { } text)
                            replies.Add(text);
                        break;
                    case Projects.BotTextStep bot:
                        replies.Add(bot.Text);
                        break;
                }
            }
            Flush();
        }
        if (pairs.Count == 0)
            throw new InvalidDataException($"{project.Directory}: its stories give no (user text, bot text) pairs; a user turn needs a text or an NLU example, and a bot turn a response with text.");
        return pairs;
    }
}
