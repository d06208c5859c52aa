using Kefu.Numerics.Autograd;

namespace Kefu.Generation.CausalLm;

/// <summary>What a generated reply must pass before it replaces the template.</summary>
/// <param name="MaxLength">Characters at most.</param>
/// <param name="BannedPhrases">Phrases it must not contain (ordinal, case-insensitive).</param>
/// <param name="MinMeanLogProbability">The mean natural-log probability of its tokens under the model must reach this.</param>
public sealed record RewriteGuardrails(int MaxLength = 200, IReadOnlyList<string>? BannedPhrases = null, double MinMeanLogProbability = -2.5);

/// <summary>Why the reply is what it is.</summary>
public enum RewriteOutcome
{
    Rewritten,
    EmptyKeptTemplate,
    TooLongKeptTemplate,
    BannedKeptTemplate,
    UnlikelyKeptTemplate,
}

/// <param name="Candidate">What the model wrote, whether used or not.</param>
public sealed record RewriteResult(string Text, RewriteOutcome Outcome, string Candidate, double MeanLogProbability);

/// <summary>
/// A template response rewritten in context by a local causal LM (fine-tuned with `kefu generate finetune`): the prompt
/// is <paramref name="promptFormat"/> with {user} (the latest user message), {template} (the template's text) and {passages}
/// (retrieved knowledge, when the caller has any; empty otherwise) filled in,
/// put in <see cref="ResponseFormat"/> (plain or chat); the reply is decoded with <paramref name="decoding"/>, then kept
/// only if it passes the guardrails, else the template is returned unchanged. One generation at a time (a lock).
/// </summary>
public sealed class ResponseRewriter(TextGenerationModel lm, GenerationOptions decoding, RewriteGuardrails guardrails, bool chat = false,
    string promptFormat = "{user}")
{
    private readonly Lock gate = new();
    private readonly CausalLmGenerator generator = lm.Generator();
    private readonly ResponseFormat format = new(lm, chat);
    private readonly GenerationOptions options = lm.WithStops(decoding);

    public RewriteGuardrails Guardrails { get; } = guardrails;

    public RewriteResult Rewrite(string template, string? userMessage, string? passages = null)
    {
        string context = promptFormat.Replace("{user}", userMessage ?? "", StringComparison.Ordinal).Replace("{template}", template, StringComparison.Ordinal)
            .Replace("{passages}", passages ?? "", StringComparison.Ordinal);
        int[] prompt = format.Prompt(context);
        GeneratedSequence result;
        double meanLogProbability;
        lock (gate)
        {
            result = generator.Generate([prompt], options)[0];
            meanLogProbability = MeanLogProbability(lm.Model, prompt, result.GeneratedIds);
        }
        string candidate = (result.Text ?? "").Trim();
        RewriteOutcome outcome =
            candidate.Length == 0 ? RewriteOutcome.EmptyKeptTemplate
            : candidate.Length > Guardrails.MaxLength ? RewriteOutcome.TooLongKeptTemplate
            : (Guardrails.BannedPhrases ?? []).Any(p => p.Length > 0 && candidate.Contains(p, StringComparison.OrdinalIgnoreCase)) ? RewriteOutcome.BannedKeptTemplate
            : meanLogProbability < Guardrails.MinMeanLogProbability ? RewriteOutcome.UnlikelyKeptTemplate
            : RewriteOutcome.Rewritten;
        return new RewriteResult(outcome == RewriteOutcome.Rewritten ? candidate : template, outcome, candidate, meanLogProbability);
    }

    /// <summary>Mean log p(token | earlier tokens) of <paramref name="continuation"/> after <paramref name="prompt"/>, by one full forward; −∞ when empty.</summary>
    public static double MeanLogProbability(CausalLanguageModel model, int[] prompt, IReadOnlyList<int> continuation)
    {
        if (continuation.Count == 0)
            return double.NegativeInfinity;
        int[] ids = [.. prompt, .. continuation];
        int time = Math.Min(ids.Length, model.Config.MaxPositions);
        ids = ids[..time];
        var g = new Graph(recordTape: false);
        var logits = model.Logits(g, ids, null, 1, time);                   // [T, V]
        double sum = 0;
        int counted = 0;
        for (int t = prompt.Length - 1; t + 1 < time; t++)
        {
            var row = logits.Row(t);
            float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
            double z = 0;
            foreach (float v in row)
                z += Math.Exp(v - max);
            sum += row[ids[t + 1]] - max - Math.Log(z);
            counted++;
        }
        return counted == 0 ? double.NegativeInfinity : sum / counted;
    }
}
