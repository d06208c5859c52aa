using System.Diagnostics;
using System.Reflection;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Bench.Transformers;

/// <summary>
/// Where a fine-tuning step's time goes, by op: the forward of <see cref="BertClassifier.Forward"/> replayed op by op with
/// a clock around each (the same ops in the same order as TransformerBlock's post-LN forward), and the backward walked
/// entry by entry over the graph's tape. Kefu exposes neither per-op timing nor the tape, so the tape is read by
/// reflection: a profiling aid for this bench only, not a pattern for product code.
/// </summary>
public static class Profile
{
    private static readonly FieldInfo Entries = typeof(Graph).GetField("entries", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingFieldException("Graph.entries is gone; update bench/transformers/TransformerBench/Profile.cs.");

    /// <summary>Mean ms per step for each category, over <paramref name="steps"/> steps after one untimed step.</summary>
    public static List<(string Name, double Ms)> Run(BertClassifier model, TrainingData data, int steps)
    {
        var parameters = model.Parameters;
        var optimizer = new AdamW(parameters);
        var graph = new Graph(recordTape: true, seed: 5);
        var totals = new Dictionary<string, double>();
        var clock = new Clock(totals);
        for (int i = -1; i < steps; i++)
        {
            clock.Enabled = i >= 0;
            var batch = data.Batches[(i + 1) % data.Batches.Count];
            graph.Reset();
            var loss = Forward(graph, model, batch, data.Targets[(i + 1) % data.Batches.Count], clock);
            Backward(graph, loss, clock);
            clock.Time("optimizer: clip grad norm", () => parameters.ClipGradientNorm(FineTuning.MaxGradNorm));
            clock.Time("optimizer: AdamW step", () => optimizer.Step());
            clock.Time("optimizer: zero grads", parameters.ZeroGradients);
        }
        return totals.Select(p => (p.Key, p.Value / steps)).OrderByDescending(p => p.Item2).ToList();
    }

    /// <summary>Mean µs per query for each op of <see cref="KefuEncoder.Embed"/> (packed weights, no tape), after a warm-up.</summary>
    public static List<(string Name, double Us)> RunInference(BertClassifier model, int[] ids, int threads, int runs)
    {
        int previous = Gemm.MaxThreads;
        Gemm.MaxThreads = threads;
        var graph = new Graph(recordTape: false);
        var totals = new Dictionary<string, double>();
        var clock = new Clock(totals);
        var config = model.Config.Encoder;
        int t = ids.Length;
        for (int i = -runs; i < runs; i++)
        {
            clock.Enabled = i >= 0;
            graph.Reset();
            var g = graph;
            var x = clock.Time("embeddings (gather+add+LN)", () => model.Embeddings.Forward(g, ids, default, 1, t)); // [T, C]
            foreach (var block in model.Encoder.Blocks)
            {
                var qkv = clock.Time("linear qkv [T,384]x[384,1152]", () => g.Linear(x, block.Qkv.PackedWeightMatrix(), block.Qkv.Bias));
                var heads = clock.Time("attention core (12 heads)", () => g.SelfAttention(qkv, null, 1, t, config.Heads));
                var attention = clock.Time("linear attn out [T,384]x[384,384]", () => g.Linear(heads, block.AttentionOutput.PackedWeightMatrix(), block.AttentionOutput.Bias));
                var residual = clock.Time("add", () => g.Add(x, attention));
                x = clock.Time("layernorm", () => g.LayerNorm(residual, block.AttentionNorm.Gamma, block.AttentionNorm.Beta, config.LayerNormEps));
                var up = clock.Time("linear ffn up [T,384]x[384,1536]", () => g.Linear(x, block.Up.PackedWeightMatrix(), block.Up.Bias));
                var hidden = clock.Time("gelu", () => g.Gelu(up, config.Gelu));
                var down = clock.Time("linear ffn down [T,1536]x[1536,384]", () => g.Linear(hidden, block.Down.PackedWeightMatrix(), block.Down.Bias));
                residual = clock.Time("add", () => g.Add(x, down));
                x = clock.Time("layernorm", () => g.LayerNorm(residual, block.FeedForwardNorm.Gamma, block.FeedForwardNorm.Beta, config.LayerNormEps));
            }
            clock.Time("mean pool", () => g.MeanPool(x, null, 1, t));
        }
        Gemm.MaxThreads = previous;
        return totals.Select(p => (p.Key, p.Value * 1000 / runs)).OrderByDescending(p => p.Item2).ToList();
    }

    private static Tensor Forward(Graph g, BertClassifier model, Kefu.Text.WordPiece.BertBatch batch, int[] targets, Clock clock)
    {
        int b = batch.Batch, t = batch.Time;
        var config = model.Config.Encoder;
        var mask = g.NewTensor(new Shape(b, t)); // [B, T]
        batch.AttentionMask.CopyTo(mask.Span);
        var x = clock.Time("fwd embeddings (gather+add+LN+dropout)", () => model.Embeddings.Forward(g, batch.InputIds, default, b, t)); // [B*T, C]
        foreach (var block in model.Encoder.Blocks)
        {
            var qkv = clock.Time("fwd linear qkv", () => g.Linear(x, block.Qkv.Weight, block.Qkv.Bias));                      // [B*T, 3C]
            var heads = clock.Time("fwd attention core", () => g.SelfAttention(qkv, mask, b, t, config.Heads, config.AttentionDropout)); // [B*T, C]
            var attention = clock.Time("fwd linear attn out", () => g.Linear(heads, block.AttentionOutput.Weight, block.AttentionOutput.Bias));
            attention = clock.Time("fwd dropout", () => g.Dropout(attention, config.Dropout));
            var residual = clock.Time("fwd add", () => g.Add(x, attention));
            x = clock.Time("fwd layernorm", () => g.LayerNorm(residual, block.AttentionNorm.Gamma, block.AttentionNorm.Beta, config.LayerNormEps));
            var up = clock.Time("fwd linear ffn up", () => g.Linear(x, block.Up.Weight, block.Up.Bias));                      // [B*T, F]
            var hidden = clock.Time("fwd gelu", () => g.Gelu(up, config.Gelu));
            var down = clock.Time("fwd linear ffn down", () => g.Linear(hidden, block.Down.Weight, block.Down.Bias));       // [B*T, C]
            down = clock.Time("fwd dropout", () => g.Dropout(down, config.Dropout));
            residual = clock.Time("fwd add", () => g.Add(x, down));
            x = clock.Time("fwd layernorm", () => g.LayerNorm(residual, block.FeedForwardNorm.Gamma, block.FeedForwardNorm.Beta, config.LayerNormEps));
        }
        var logits = clock.Time("fwd pooler+head", () => model.Head.Forward(g, model.Pooler.Forward(g, x, b, t))); // [B, K]
        return clock.Time("fwd cross-entropy", () => g.CrossEntropy(logits, targets));
    }

    // Graph.Backward's loop, with a clock around each entry
    private static void Backward(Graph g, Tensor loss, Clock clock)
    {
        var entries = (TapeEntry[])Entries.GetValue(g)!;
        g.GradOf(loss).Span[0] += 1f;
        for (int i = g.TapeLength - 1; i >= 0; i--)
        {
            var e = entries[i];
            if (e.Output.Grad is null)
                continue;
            string name = "bwd " + e.Op.GetType().DeclaringType!.Name.Replace("Op", "");
            if (e.B is Parameter weight && name == "bwd Linear")
                name += " " + System.Text.RegularExpressions.Regex.Replace(weight.Name, @"^encoder\.layers\.\d+\.|\.weight$", "");
            clock.Time(name, () => e.Op.Backward(g, e));
        }
    }

    private sealed class Clock(Dictionary<string, double> totals)
    {
        public bool Enabled { get; set; }

        public T Time<T>(string name, Func<T> run)
        {
            long start = Stopwatch.GetTimestamp();
            var result = run();
            Add(name, start);
            return result;
        }

        public void Time(string name, Action run)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            Add(name, start);
        }

        private void Add(string name, long start)
        {
            if (Enabled)
                totals[name] = totals.GetValueOrDefault(name) + Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
    }
}
