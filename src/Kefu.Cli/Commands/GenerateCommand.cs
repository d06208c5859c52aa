using System.CommandLine;
using System.Text;
using System.Text.Json;
using Kefu.Generation.CausalLm;
using Kefu.Text.Chat;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu generate --model M --prompt TEXT [--chat] [--max-new-tokens N] [--greedy | --temperature T --top-p P --top-k K]
/// [--seed S] [--json]`: text from a local GPT-2 or Qwen2 checkpoint (a folder or a hub id), streamed token by token to
/// stdout; with --json one object {prompt_ids, generated_ids, text, finish_reason}. Subcommands: eval, finetune.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var decoding = new DecodingOptions();
        var prompt = new Option<string?>("--prompt") { Description = "The text to continue (with --chat: the user's message)" };
        var chat = new Option<bool>("--chat") { Description = "Wrap the prompt in the tokenizer's chat template as a user message, ready for the assistant's reply" };
        var system = new Option<string?>("--system") { Description = "With --chat: a system message before the user's" };
        var json = new Option<bool>("--json") { Description = "Print {prompt_ids, generated_ids, text, finish_reason} as one JSON line instead of streaming" };
        var command = new Command("generate", "Generate text with a local causal language model (GPT-2, DialoGPT, Qwen2 families)");
        foreach (var o in decoding.All.Concat([prompt, chat, system, json]))
            command.Options.Add(o);
        command.Subcommands.Add(GenerateEvalCommand.Create());
        command.Subcommands.Add(GenerateFinetuneCommand.Create());
        command.SetAction(parse => Guard(parse, (output, error) =>
        {
            string text = parse.GetValue(prompt) ?? throw new ArgumentException("--prompt is required (or run `kefu generate eval` / `kefu generate finetune`)");
            var options = decoding.Read(parse);
            var lm = decoding.LoadModel(parse, error);
            int[] ids = lm.EncodePrompt(text, parse.GetValue(chat), parse.GetValue(system));
            var generator = lm.Generator();
            options = lm.WithStops(options);
            if (parse.GetValue(json))
            {
                var result = generator.Generate([ids], options)[0];
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    prompt_ids = result.PromptIds,
                    generated_ids = result.GeneratedIds,
                    text = result.Text,
                    finish_reason = result.FinishReason == FinishReason.Stop ? "stop" : "length",
                }, JsonLines.Options));
                return 0;
            }
            var stream = new TextStream(lm.Codec, output);
            var done = generator.Generate([ids], options, (_, token) => stream.Add(token))[0];
            stream.Finish(done.Text ?? "");
            error.WriteLine($"[kefu] {done.GeneratedIds.Length} tokens, finished by {(done.FinishReason == FinishReason.Stop ? "a stop token" : "the token limit")}");
            return 0;
        }));
        return command;
    }

    /// <summary>Runs a command body; the errors a person can fix become one line on stderr and exit code 1.</summary>
    internal static int Guard(ParseResult parse, Func<TextWriter, TextWriter, int> run)
    {
        var error = parse.InvocationConfiguration.Error;
        try
        {
            return run(parse.InvocationConfiguration.Output, error);
        }
        catch (Projects.ProjectException e)
        {
            foreach (var d in e.Diagnostics) error.WriteLine(d);
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or InvalidOperationException
                                      or UnauthorizedAccessException or ChatTemplateException or JsonException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Writes the decoded text as tokens arrive: the whole output is decoded again each time and only what is new is
    /// written, held back while it ends in an incomplete UTF-8 sequence (U+FFFD) that the next byte-level token may complete.
    /// </summary>
    private sealed class TextStream(ITokenCodec codec, TextWriter output)
    {
        private readonly List<int> ids = [];
        private int written;

        public void Add(int token)
        {
            ids.Add(token);
            string text = codec.Decode(ids);
            if (text.EndsWith('\uFFFD') || text.Length <= written)
                return;
            output.Write(text[written..]);
            output.Flush();
            written = text.Length;
        }

        // the final text may be shorter (cut before a stop string); what was streamed stays
        public void Finish(string text)
        {
            if (text.Length > written)
                output.Write(text[written..]);
            output.WriteLine();
        }
    }
}

/// <summary>The model and decoding options `kefu generate` and `kefu generate eval` share.</summary>
internal sealed class DecodingOptions
{
    public readonly Option<string> Model = new("--model") { Description = "A Hugging Face folder (config.json, model.safetensors, tokenizer) or hub id", Required = true };
    public readonly Option<string?> Revision = new("--revision") { Description = "Hub branch, tag or commit (with a hub id)" };
    public readonly Option<int> MaxNewTokens = new("--max-new-tokens") { Description = "Tokens to generate at most", DefaultValueFactory = _ => 64 };
    public readonly Option<bool> Greedy = new("--greedy") { Description = "Always the most likely token (the default unless a sampling option is given)" };
    public readonly Option<float?> Temperature = new("--temperature") { Description = "Sample with this temperature" };
    public readonly Option<float?> TopP = new("--top-p") { Description = "Sample from the fewest tokens whose probabilities reach P" };
    public readonly Option<int?> TopK = new("--top-k") { Description = "Sample from the K most likely tokens" };
    public readonly Option<float> RepetitionPenalty = new("--repetition-penalty") { Description = "CTRL's repetition penalty (1: off)", DefaultValueFactory = _ => 1f };
    public readonly Option<ulong> Seed = new("--seed") { Description = "Seed of the sampling stream", DefaultValueFactory = _ => 0UL };
    public readonly Option<int> Beams = new("--beams") { Description = "Beam search with N beams (no sampling); the reply appears when the search ends", DefaultValueFactory = _ => 1 };

    public IEnumerable<Option> All => [Model, Revision, MaxNewTokens, Greedy, Temperature, TopP, TopK, RepetitionPenalty, Seed, Beams];

    /// <summary>Greedy unless --temperature, --top-p or --top-k asks for sampling; both at once is refused.</summary>
    public GenerationOptions Read(ParseResult parse)
    {
        float? temperature = parse.GetValue(Temperature), topP = parse.GetValue(TopP);
        int? topK = parse.GetValue(TopK);
        bool sampling = temperature is not null || topP is not null || topK is not null;
        if (sampling && parse.GetValue(Greedy))
            throw new ArgumentException("--greedy takes the most likely token; it cannot be combined with --temperature, --top-p or --top-k");
        int beams = parse.GetValue(Beams);
        if (beams < 1 || beams > 1 && sampling)
            throw new ArgumentException($"--beams must be 1 or more, and a beam search does not sample: drop --temperature, --top-p and --top-k (got --beams {beams})");
        int maxNew = parse.GetValue(MaxNewTokens);
        if (maxNew < 0)
            throw new ArgumentException($"--max-new-tokens must be 0 or more, got {maxNew}");
        var options = new GenerationOptions
        {
            MaxNewTokens = maxNew,
            Greedy = !sampling,
            Temperature = temperature ?? 1f,
            TopP = topP ?? 1f,
            TopK = topK ?? 0,
            RepetitionPenalty = parse.GetValue(RepetitionPenalty),
            Seed = parse.GetValue(Seed),
            NumBeams = beams,
        };
        options.Validate();
        return options;
    }

    public TextGenerationModel LoadModel(ParseResult parse, TextWriter progress, bool trainable = false) =>
        TextGenerationModel.Load(parse.GetValue(Model)!, trainable, parse.GetValue(Revision), progress);
}

/// <summary>JSON as people read it: Chinese left unescaped.</summary>
internal static class JsonLines
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
