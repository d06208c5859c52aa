using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Kefu.Generation.CausalLm;
using Kefu.Generation.Metrics;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu generate eval --model M --data FILE [--chat] [decoding options] [--bleu-tokenize 13a|zh|none] [--json]`:
/// a response for each context of FILE (JSON lines {"context" or "prompt", "response"}), scored with sacrebleu's corpus
/// BLEU and ROUGE-L; reports the decoding settings used.
/// </summary>
internal static class GenerateEvalCommand
{
    public static Command Create()
    {
        var decoding = new DecodingOptions();
        var data = new Option<string>("--data") { Description = "JSON lines {\"context\" (or \"prompt\"), \"response\" (a text or a list of references)}", Required = true };
        var chat = new Option<bool>("--chat") { Description = "Contexts as user messages in the chat template (as fine-tuned with --chat)" };
        var tokenize = new Option<string?>("--bleu-tokenize") { Description = "sacrebleu tokenizer: 13a, zh or none (default: zh when the references hold Chinese, else 13a)" };
        tokenize.AcceptOnlyFromAmong("13a", "zh", "none");
        var batch = new Option<int>("--batch-size") { Description = "Contexts generated together", DefaultValueFactory = _ => 8 };
        var predictions = new Option<string?>("--predictions") { Description = "Write {context, response, generated} per line to this file" };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON line" };
        var command = new Command("eval", "Generate a response for each context of a file and score them: corpus BLEU-4 (sacrebleu) and ROUGE-L");
        foreach (var o in decoding.All.Concat([data, chat, tokenize, batch, predictions, json]))
            command.Options.Add(o);
        command.SetAction(parse => GenerateCommand.Guard(parse, (output, error) =>
        {
            var options = decoding.Read(parse);
            if (parse.GetValue(batch) < 1)
                throw new ArgumentException("--batch-size must be at least 1");
            var pairs = ResponsePairs.Load(parse.GetValue(data)!);
            var lm = decoding.LoadModel(parse, error);
            error.WriteLine($"[kefu] generating {pairs.Count} responses with {lm.Folder}");
            var result = ResponseEvaluation.Run(lm, pairs, options, parse.GetValue(chat),
                parse.GetValue(tokenize) is { } name ? BleuTokenizer.Parse(name) : null, parse.GetValue(batch));
            if (parse.GetValue(predictions) is { } path)
                File.WriteAllLines(path, pairs.Select((p, i) => JsonSerializer.Serialize(new { context = p.Context, response = p.Responses, generated = result.Hypotheses[i] }, JsonLines.Options)));
            var d = result.Decoding;
            var settings = new
            {
                greedy = d.Greedy,
                max_new_tokens = d.MaxNewTokens,
                temperature = d.Greedy ? (float?)null : d.Temperature,
                top_p = d.Greedy ? (float?)null : d.TopP,
                top_k = d.Greedy ? (int?)null : d.TopK,
                repetition_penalty = d.RepetitionPenalty,
                num_beams = d.NumBeams,
                seed = d.Seed,
                stop_token_ids = d.StopTokenIds,
                chat = result.Chat,
            };
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    bleu = Math.Round(result.Bleu.Score, 4),
                    rouge_l = Math.Round(result.RougeL, 4),
                    bleu_signature = result.BleuSignature,
                    bleu_precisions = result.Bleu.Precisions.Select(p => Math.Round(p, 4)),
                    brevity_penalty = Math.Round(result.Bleu.BrevityPenalty, 4),
                    n = result.Examples,
                    seconds = Math.Round(result.Seconds, 3),
                    decoding = settings,
                }, JsonLines.Options));
                return 0;
            }
            var inv = CultureInfo.InvariantCulture;
            output.WriteLine($"BLEU     {result.Bleu.Score.ToString("F2", inv)}  ({result.Bleu}; {result.BleuSignature})");
            output.WriteLine($"ROUGE-L  {(100 * result.RougeL).ToString("F2", inv)}  (mean F1 × 100 over {result.Examples} examples)");
            output.WriteLine($"decoding {JsonSerializer.Serialize(settings)}");
            return 0;
        }));
        return command;
    }
}
