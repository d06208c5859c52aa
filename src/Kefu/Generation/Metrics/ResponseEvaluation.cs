using System.Diagnostics;
using Kefu.Generation.CausalLm;

namespace Kefu.Generation.Metrics;

/// <summary>What `kefu generate eval` reports: corpus BLEU (sacrebleu, 0–100) and mean ROUGE-L F1, and how they were made.</summary>
/// <param name="BleuSignature">sacrebleu's signature of the BLEU settings (tokenizer, smoothing, references).</param>
public sealed record ResponseEvaluationResult(BleuScore Bleu, double RougeL, string BleuSignature, int Examples,
    GenerationOptions Decoding, bool Chat, double Seconds, IReadOnlyList<string> Hypotheses);

/// <summary>Generates a response for every context and scores the responses against the references.</summary>
public static class ResponseEvaluation
{
    /// <summary>The BLEU tokenizer for these references: zh when any holds a Chinese character (13a would see each clause as one word), else 13a.</summary>
    public static BleuTokenization TokenizationFor(IEnumerable<string> references) =>
        references.Any(r => r.EnumerateRunes().Any(RougeL.IsCjk)) ? BleuTokenization.Zh : BleuTokenization.Mteval13a;

    /// <param name="batchSize">Contexts generated together (one padded prefill, then a step per token).</param>
    public static ResponseEvaluationResult Run(TextGenerationModel lm, IReadOnlyList<ResponsePair> pairs, GenerationOptions options, bool chat,
        BleuTokenization? tokenization = null, int batchSize = 8, IProgress<int>? progress = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var format = new ResponseFormat(lm, chat);
        var generator = lm.Generator();
        options = lm.WithStops(options);
        var hypotheses = new List<string>(pairs.Count);
        for (int start = 0; start < pairs.Count; start += batchSize)
        {
            var batch = pairs.Skip(start).Take(batchSize).ToArray();
            int[][] prompts = [.. batch.Select(p => format.Prompt(p.Context))];
            foreach (var result in generator.Generate(prompts, options, null, ct))
                hypotheses.Add((result.Text ?? "").Trim());
            progress?.Report(hypotheses.Count);
        }
        IReadOnlyList<string>[] references = [.. pairs.Select(p => p.Responses)];
        var bleu = new CorpusBleu(tokenization ?? TokenizationFor(pairs.SelectMany(p => p.Responses)));
        int referenceCount = pairs.Max(p => p.Responses.Count);
        return new ResponseEvaluationResult(bleu.Score(hypotheses, references), RougeL.Corpus(hypotheses, references), bleu.Signature(referenceCount),
            pairs.Count, options, chat, clock.Elapsed.TotalSeconds, hypotheses);
    }
}
