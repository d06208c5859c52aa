// Decoding speed of one stream on Kefu.Numerics: a GPT-2-small-shaped model (124M parameters) or a Qwen2.5-0.5B-shaped one
// (494M), random weights, greedy, KV cache. Prints one JSON line per model.
// Usage: GenerationBench gpt2|qwen2 [--threads 2] [--prompt 16] [--tokens 64] [--rounds 3]
//        GenerationBench gpt2|qwen2 --train [--threads 2] [--batch 4] [--seq 128] [--steps 3]: fine-tuning throughput,
//        full causal-LM steps as `kefu generate finetune` runs them (forward, cross-entropy, backward, clip 1.0, AdamW),
//        tokens/s = batch × seq / step seconds, median over steps after one warm-up step.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Kefu.Generation.CausalLm;
using Kefu.Numerics;

string which = args.Length > 0 ? args[0] : "gpt2";
int Option(string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
int threads = Option("--threads", 2), promptLength = Option("--prompt", 16), tokens = Option("--tokens", 64), rounds = Option("--rounds", 3);
Gemm.MaxThreads = threads;

// the shapes of gpt2 (config.json of openai-community/gpt2) and Qwen/Qwen2.5-0.5B
var config = which switch
{
    "gpt2" => new CausalLmConfig(CausalLmArchitecture.Gpt2, 50257, 768, 12, 12, 12, 64, 3072, 1024, 1e-5f, 0f, true, 50256, [50256]),
    "qwen2" => new CausalLmConfig(CausalLmArchitecture.Qwen2, 151936, 896, 24, 14, 2, 64, 4864, 32768, 1e-6f, 1000000f, true, null, [151643]),
    _ => throw new ArgumentException($"unknown model '{which}': gpt2 or qwen2"),
};
if (args.Contains("--train"))
{
    int batch = Option("--batch", 4), sequence = Option("--seq", 128), steps = Option("--steps", 3);
    var trained = CausalLanguageModel.Create(config, seed: 1, trainable: true);
    var parameters = trained.Parameters;
    parameters.Decay.LearningRate = parameters.NoDecay.LearningRate = 5e-5f;
    var optimizer = new Kefu.Numerics.Optim.AdamW(parameters);
    int[] ids = [.. Enumerable.Range(0, batch * sequence).Select(i => (i * 7919 + 13) % config.VocabularySize)];
    int[] targets = CausalLanguageModel.ShiftedTargets(ids, [], batch, sequence);
    var graph = new Kefu.Numerics.Autograd.Graph(recordTape: true);
    var stepSeconds = new List<double>();
    float lastLoss = 0;
    var watch = Stopwatch.StartNew();
    for (int step = 0; step <= steps; step++)
    {
        watch.Restart();
        graph.Reset();
        var loss = Kefu.Numerics.Ops.CrossEntropyOp.CrossEntropy(graph, trained.Logits(graph, ids, null, batch, sequence), targets);
        graph.Backward(loss);
        parameters.ClipGradientNorm(1f);
        optimizer.Step();
        parameters.ZeroGradients();
        lastLoss = loss.Span[0];
        if (step > 0) // the first step JITs and allocates
            stepSeconds.Add(watch.Elapsed.TotalSeconds);
    }
    stepSeconds.Sort();
    using var current = Process.GetCurrentProcess();
    current.Refresh();
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        system = "kefu",
        model = which,
        mode = "train",
        threads,
        batch,
        seq = sequence,
        steps,
        step_seconds = Math.Round(stepSeconds[stepSeconds.Count / 2], 3),
        train_tokens_per_s = Math.Round(batch * sequence / stepSeconds[stepSeconds.Count / 2], 1),
        loss = Math.Round(lastLoss, 4),
        peak_rss_mb = current.PeakWorkingSet64 >> 20,
    }));
    return;
}
var clock = Stopwatch.StartNew();
var model = CausalLanguageModel.Create(config, seed: 1, trainable: false);
double createSeconds = clock.Elapsed.TotalSeconds;
var generator = new CausalLmGenerator(model);
int[] prompt = [.. Enumerable.Range(0, promptLength).Select(i => (i * 7919 + 13) % config.VocabularySize)];
var options = new GenerationOptions { MaxNewTokens = tokens, StopTokenIds = [] };

generator.Generate([prompt], options with { MaxNewTokens = 4 }); // JIT and packing
var decodeRates = new List<double>();
var prefillMs = new List<double>();
for (int r = 0; r < rounds; r++)
{
    double first = 0;
    int seen = 0;
    clock.Restart();
    generator.Generate([prompt], options, (_, _) =>
    {
        if (seen++ == 0)
            first = clock.Elapsed.TotalSeconds;
    });
    double total = clock.Elapsed.TotalSeconds;
    prefillMs.Add(first * 1000);
    decodeRates.Add((tokens - 1) / (total - first));
}
decodeRates.Sort();
prefillMs.Sort();
using var process = Process.GetCurrentProcess();
process.Refresh();
Console.WriteLine(JsonSerializer.Serialize(new
{
    system = "kefu",
    model = which,
    parameters = model.Parameters.Parameters.Sum(p => (long)p.Length),
    threads,
    prompt = promptLength,
    tokens,
    rounds,
    create_seconds = Math.Round(createSeconds, 2),
    prefill_ms = Math.Round(prefillMs[prefillMs.Count / 2], 1),
    decode_tokens_per_s = Math.Round(decodeRates[decodeRates.Count / 2], 2),
    peak_rss_mb = process.PeakWorkingSet64 >> 20,
}));
