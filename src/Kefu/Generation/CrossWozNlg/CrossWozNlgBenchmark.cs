using System.Diagnostics;
using Kefu.Generation.CausalLm;
using Kefu.Generation.Metrics;
using Kefu.Nlu.Evaluation;
using Kefu.Nlu.Pretrained;
using Kefu.Text;

namespace Kefu.Generation.CrossWozNlg;

/// <summary>One test reply: its acts, the gold text, and what the generator wrote (delexicalised and filled in).</summary>
public sealed record CrossWozNlgTurn(IReadOnlyList<DialogAct> Acts, string Gold, string GeneratedDelexicalised, string Generated);

/// <summary>
/// Figures of `kefu bench crosswoz-nlg`. Bleu: ConvLab-2's CrossWOZ NLG BLEU-4 in [0, 1]; RougeL: mean ROUGE-L F1 against
/// the same references; SlotErrorRate: (missing + redundant placeholders) / placeholders the acts call for.
/// </summary>
/// <param name="BaselineBleu">The same BLEU for a reference point without a model: the most frequent delexicalised
/// training reply of the same act intents, filled in (empty when no training turn has those intents).</param>
public sealed record CrossWozNlgResult(double Bleu, double RougeL, double SlotErrorRate, double TrainSeconds, double TestSeconds,
    int NTrain, int NTest, int Parameters, int Vocabulary, IReadOnlyList<GenerationEpoch> History, IReadOnlyList<CrossWozNlgTurn> Turns,
    double BaselineBleu);

/// <summary>
/// The size of the generator trained from scratch: a GPT-2-shaped decoder over <see cref="SymbolCodec"/>'s vocabulary.
/// ConstrainPlaceholders: placeholders the turn's acts do not license are suppressed while decoding (as SC-LSTM conditions on its acts).
/// MbrSamples: 0 decodes greedily; N &gt; 0 also draws N samples per turn and keeps the consensus (<see cref="CrossWozNlgBenchmark.MinimumBayesRisk"/>).
/// Beams: above 1, a beam search per turn, and the best-scored hypothesis with the fewest slot errors is the reply
/// (placeholders the acts call for and it lacks, plus those it has and they do not: SC-LSTM's reranking by slot error).
/// Dropout: the decoder's <see cref="CausalLanguageModel.Dropout"/> while it trains.
/// </summary>
public sealed record CrossWozNlgOptions(int Layers = 2, int Hidden = 128, int Heads = 4, int Epochs = 10, int BatchSize = 32,
    float LearningRate = 2e-3f, int MaxLength = 160, int MaxNewTokens = 96, int Seed = 1, bool ConstrainPlaceholders = true, int MbrSamples = 0,
    int Beams = 1, float Dropout = 0f);

/// <summary>
/// System NLG on CrossWOZ: a decoder learns "dialogue-act intents &lt;sep&gt; delexicalised reply &lt;eos&gt;" from the
/// training dialogues' system turns, greedily writes a reply for each test turn's acts, the placeholders are filled
/// with the acts' values, and the replies are scored as ConvLab-2 scores SC-LSTM: per test turn, gold and generated
/// replies delexicalised, references all test replies with the same act intents, both filled with this turn's values,
/// words by jieba, corpus BLEU-4 with NLTK's method-1 smoothing (ε = 0.1) — sacrebleu's floor smoothing 0.1 on the
/// same words, the same statistics.
/// </summary>
public static class CrossWozNlgBenchmark
{
    public static CrossWozNlgResult Run(IReadOnlyList<CrossWozTurn> train, IReadOnlyList<CrossWozTurn> test, CrossWozNlgOptions options,
        IProgress<FineTuneProgress>? progress = null, TextWriter? log = null, CancellationToken ct = default)
    {
        train = [.. train.Where(t => t.Role == "sys")];
        test = [.. test.Where(t => t.Role == "sys")];
        if (train.Count == 0 || test.Count == 0)
            throw new ArgumentException($"{train.Count} training and {test.Count} test system turns; both need some.");
        var clock = Stopwatch.StartNew();
        var trainReplies = train.Select(t => CrossWozDelex.DelexicaliseGold(t.Acts, t.Text)).ToArray();
        var codec = new SymbolCodec(train.Concat(test).SelectMany(t => t.Acts).Select(ActSymbol), trainReplies);
        var config = new CausalLmConfig(CausalLmArchitecture.Gpt2, codec.Count, options.Hidden, options.Layers, options.Heads, options.Heads,
            options.Hidden / options.Heads, 4 * options.Hidden, options.MaxLength, 1e-5f, 0f, TieWordEmbeddings: true, null, [SymbolCodec.End]);
        var model = CausalLanguageModel.Create(config, (ulong)options.Seed);
        var examples = train.Select((t, i) => Example(codec, t.Acts, trainReplies[i], options.MaxLength)).ToArray();
        var fineTune = new GenerationFineTuneOptions(options.Epochs, options.BatchSize, options.LearningRate, Schedule: LearningRateSchedule.Cosine,
            WarmupRatio: 0.05f, WeightDecay: 0.01f, Seed: options.Seed, MaxLength: options.MaxLength, Dropout: options.Dropout);
        log?.WriteLine($"[kefu] {train.Count} training replies, vocabulary {codec.Count}, {model.Parameters.Length:N0} parameters");
        var trained = CausalLmFineTuner.Train(model, examples, null, fineTune, progress, ct);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var generator = new CausalLmGenerator(model, codec);
        var placeholderIds = codec.Placeholders().ToDictionary(p => p, codec.IdOf, StringComparer.Ordinal);
        var generated = new CrossWozNlgTurn[test.Count];
        const int batch = 32;
        // turns whose acts license the same placeholders decode together; every other placeholder is suppressed
        foreach (var group in Enumerable.Range(0, test.Count).GroupBy(i => string.Join('|', LicensedPlaceholders(test[i].Acts).Order(StringComparer.Ordinal))))
        {
            var licensed = LicensedPlaceholders(test[group.First()].Acts);
            var decoding = new GenerationOptions
            {
                MaxNewTokens = options.MaxNewTokens,
                StopTokenIds = [SymbolCodec.End],
                SuppressTokenIds = options.ConstrainPlaceholders ? [.. placeholderIds.Where(p => !licensed.Contains(p.Key)).Select(p => p.Value)] : [],
            };
            foreach (var chunk in group.Chunk(batch))
            {
                int[][] prompts = [.. chunk.Select(i => Prompt(codec, test[i].Acts))];
                if (options.Beams > 1)
                {
                    for (int j = 0; j < chunk.Length; j++)
                    {
                        var turn = test[chunk[j]];
                        string delex = FewestSlotErrors(turn.Acts,
                            [.. generator.Beams(prompts[j], decoding with { NumBeams = options.Beams }, ct).Select(h => codec.Decode(h.Ids))]);
                        generated[chunk[j]] = new CrossWozNlgTurn(turn.Acts, turn.Text, delex, CrossWozDelex.Relexicalise(delex, turn.Acts));
                    }
                    continue;
                }
                var candidates = generator.Generate(prompts, decoding, null, ct).Select(r => new List<int[]> { r.GeneratedIds }).ToArray();
                for (int sample = 1; sample <= options.MbrSamples; sample++)
                {
                    var drawn = generator.Generate(prompts, decoding with { Greedy = false, Temperature = 0.8f, TopP = 0.95f, Seed = (ulong)(sample * 7919) }, null, ct);
                    for (int j = 0; j < chunk.Length; j++)
                        candidates[j].Add(drawn[j].GeneratedIds);
                }
                for (int j = 0; j < chunk.Length; j++)
                {
                    var turn = test[chunk[j]];
                    string delex = codec.Decode(MinimumBayesRisk(candidates[j]));
                    generated[chunk[j]] = new CrossWozNlgTurn(turn.Acts, turn.Text, delex, CrossWozDelex.Relexicalise(delex, turn.Acts));
                }
            }
        }
        var turns = generated.ToList();
        var (bleu, rouge) = Score(turns);
        double testSeconds = clock.Elapsed.TotalSeconds;
        return new CrossWozNlgResult(bleu, rouge, SlotErrorRate(turns), trainSeconds, testSeconds, train.Count, test.Count,
            model.Parameters.Length, codec.Count, trained.History, turns, Score(ModalReplies(train, trainReplies, test)).Bleu);
    }

    /// <summary>
    /// The same benchmark with a pretrained checkpoint fine-tuned instead of a model trained from scratch: each training
    /// turn becomes a (context, response) pair — the act intents joined by spaces, the delexicalised reply — trained and
    /// decoded in DialoGPT's format (<see cref="ResponseFormat"/>) with the checkpoint's own tokenizer. Placeholders are
    /// several subword tokens there, so they are not constrained; replies are greedy.
    /// </summary>
    public static CrossWozNlgResult RunFineTuned(string modelFolderOrHubId, IReadOnlyList<CrossWozTurn> train, IReadOnlyList<CrossWozTurn> test,
        CrossWozNlgOptions options, IProgress<FineTuneProgress>? progress = null, TextWriter? log = null, CancellationToken ct = default)
    {
        train = [.. train.Where(t => t.Role == "sys")];
        test = [.. test.Where(t => t.Role == "sys")];
        if (train.Count == 0 || test.Count == 0)
            throw new ArgumentException($"{train.Count} training and {test.Count} test system turns; both need some.");
        var clock = Stopwatch.StartNew();
        var lm = TextGenerationModel.Load(modelFolderOrHubId, trainable: true, progress: log);
        var trainReplies = train.Select(t => CrossWozDelex.DelexicaliseGold(t.Acts, t.Text)).ToArray();
        var pairs = train.Select((t, i) => new ResponsePair(ActContext(t.Acts), [trainReplies[i]], $"train turn {i + 1}")).ToArray();
        var fineTune = new GenerationFineTuneOptions(options.Epochs, options.BatchSize, options.LearningRate, Schedule: LearningRateSchedule.Cosine,
            WarmupRatio: 0.05f, WeightDecay: 0.01f, Seed: options.Seed, MaxLength: options.MaxLength, Dropout: options.Dropout);
        log?.WriteLine($"[kefu] fine-tuning {lm.Folder} on {train.Count} training replies");
        var trained = CausalLmFineTuner.Train(lm, pairs, null, fineTune, progress, ct);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var format = new ResponseFormat(lm, chat: false);
        var generator = lm.Generator();
        var decoding = lm.WithStops(new GenerationOptions { MaxNewTokens = options.MaxNewTokens });
        var turns = new List<CrossWozNlgTurn>(test.Count);
        foreach (var chunk in test.Chunk(16))
        {
            var results = generator.Generate([.. chunk.Select(t => format.Prompt(ActContext(t.Acts)))], decoding, null, ct);
            for (int j = 0; j < chunk.Length; j++)
            {
                string delex = (results[j].Text ?? "").Trim();
                turns.Add(new CrossWozNlgTurn(chunk[j].Acts, chunk[j].Text, delex, CrossWozDelex.Relexicalise(delex, chunk[j].Acts)));
            }
        }
        var (bleu, rouge) = Score(turns);
        return new CrossWozNlgResult(bleu, rouge, SlotErrorRate(turns), trainSeconds, clock.Elapsed.TotalSeconds, train.Count, test.Count,
            lm.Model.Parameters.Length, lm.Tokenizer.VocabularySize, trained.History, turns, Score(ModalReplies(train, trainReplies, test)).Bleu);
    }

    // the acts as the fine-tuned model's context: their intents in sorted order, joined by spaces
    private static string ActContext(IReadOnlyList<DialogAct> acts) =>
        string.Join(' ', acts.Select(CrossWozDelex.Intent).Order(StringComparer.Ordinal));

    /// <summary>For each test turn the most frequent delexicalised training reply with the same act intents (the first on ties), filled in.</summary>
    public static IReadOnlyList<CrossWozNlgTurn> ModalReplies(IReadOnlyList<CrossWozTurn> train, IReadOnlyList<string> trainReplies, IReadOnlyList<CrossWozTurn> test)
    {
        var byKey = train.Select((t, i) => (Key: CrossWozDelex.Key(t.Acts), Reply: trainReplies[i]))
            .GroupBy(x => x.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.GroupBy(x => x.Reply, StringComparer.Ordinal).OrderByDescending(r => r.Count()).First().Key, StringComparer.Ordinal);
        return [.. test.Select(t => byKey.TryGetValue(CrossWozDelex.Key(t.Acts), out var reply)
            ? new CrossWozNlgTurn(t.Acts, t.Text, reply, CrossWozDelex.Relexicalise(reply, t.Acts))
            : new CrossWozNlgTurn(t.Acts, t.Text, "", ""))];
    }

    /// <summary>
    /// Minimum-Bayes-risk choice (Kumar and Byrne, 2004): the candidate with the largest summed ROUGE-L F1 (over token ids)
    /// against the others — the consensus reply, which is what a BLEU against many references rewards. The first (greedy)
    /// wins ties; one candidate is returned as it is.
    /// </summary>
    public static int[] MinimumBayesRisk(IReadOnlyList<int[]> candidates)
    {
        if (candidates.Count == 1)
            return candidates[0];
        string[][] tokens = [.. candidates.Select(c => c.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray())];
        int best = 0;
        double bestScore = double.NegativeInfinity;
        for (int i = 0; i < tokens.Length; i++)
        {
            double score = 0;
            for (int j = 0; j < tokens.Length; j++)
            {
                if (j != i)
                    score += Metrics.RougeL.Score(tokens[i], tokens[j]).F1;
            }
            if (score > bestScore)
                (best, bestScore) = (i, score);
        }
        return candidates[best];
    }

    private static string ActSymbol(DialogAct act) => "<" + CrossWozDelex.Intent(act) + ">";

    // acts in sorted order (as the grouping key), then <sep>
    private static int[] Prompt(SymbolCodec codec, IReadOnlyList<DialogAct> acts) =>
        [.. acts.OrderBy(a => CrossWozDelex.Intent(a), StringComparer.Ordinal).Select(a => codec.IdOf(ActSymbol(a))), SymbolCodec.Separator];

    private static TrainingExample Example(SymbolCodec codec, IReadOnlyList<DialogAct> acts, string reply, int maxLength)
    {
        int[] prompt = Prompt(codec, acts);
        int[] target = [.. codec.Encode(reply), SymbolCodec.End];
        if (prompt.Length + target.Length > maxLength)
            target = [.. target.Take(Math.Max(1, maxLength - prompt.Length))];
        if (prompt.Length >= maxLength)
            prompt = prompt[^(maxLength - target.Length)..];
        return new TrainingExample([.. prompt, .. target], prompt.Length);
    }

    /// <summary>ConvLab-2's BLEU-4 (evaluate.py's get_bleu4) and mean ROUGE-L F1 over the same words and references.</summary>
    public static (double Bleu, double RougeL) Score(IReadOnlyList<CrossWozNlgTurn> turns)
    {
        var groups = new Dictionary<string, (List<string> Refs, List<(IReadOnlyList<DialogAct> Acts, string Gen)> Gens)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var turn in turns)
        {
            var (gold, generated) = CrossWozDelex.Delexicalise(turn.Acts, turn.Gold, turn.Generated);
            string key = CrossWozDelex.Key(turn.Acts);
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = ([], []);
                order.Add(key);
            }
            group.Refs.Add(gold);
            group.Gens.Add((turn.Acts, generated));
        }
        var hypotheses = new List<string>();
        var references = new List<IReadOnlyList<string>>();
        foreach (string key in order)
        {
            var group = groups[key];
            foreach (var (acts, gen) in group.Gens)
            {
                hypotheses.Add(Words(CrossWozDelex.Relexicalise(gen, acts)));
                references.Add([.. group.Refs.Select(r => Words(CrossWozDelex.Relexicalise(r, acts)))]);
            }
        }
        var bleu = new CorpusBleu(BleuTokenization.None, BleuSmoothing.Floor, smoothValue: 0.1).Score(hypotheses, references);
        double rouge = hypotheses.Select((h, i) => references[i].Max(r => Metrics.RougeL.Score(h.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            r.Split(' ', StringSplitOptions.RemoveEmptyEntries)).F1)).DefaultIfEmpty(0).Average();
        return (bleu.Score / 100, rouge);
    }

    // jieba.lcut, blank words dropped, joined by spaces (words never hold a space)
    private static string Words(string text) => string.Join(' ', ChineseWords.Cut(text).Where(w => !string.IsNullOrWhiteSpace(w)).Select(w => w.Trim()));

    /// <summary>
    /// Wen et al. (2015)'s ERR on the delexicalised replies: per turn the placeholders its acts call for (Inform and
    /// Recommend values, hotel facilities; not "无") against those generated; (missing + redundant) summed over turns,
    /// divided by the placeholders called for.
    /// </summary>
    public static double SlotErrorRate(IReadOnlyList<CrossWozNlgTurn> turns)
    {
        long expectedTotal = 0, errors = 0;
        foreach (var turn in turns)
        {
            var expected = ExpectedPlaceholders(turn.Acts);
            expectedTotal += expected.Count;
            errors += SlotErrors(expected, turn.GeneratedDelexicalised);
        }
        return expectedTotal == 0 ? 0 : (double)errors / expectedTotal;
    }

    /// <summary>The first of the delexicalised replies (best first) with the fewest slot errors for these acts.</summary>
    public static string FewestSlotErrors(IReadOnlyList<DialogAct> acts, IReadOnlyList<string> replies)
    {
        var expected = ExpectedPlaceholders(acts);
        return replies.MinBy(r => SlotErrors(expected, r))!;
    }

    // placeholders called for and missing, plus those present and not called for
    static int SlotErrors(HashSet<string> expected, string delexicalised)
    {
        var generated = new HashSet<string>(CrossWozDelex.Placeholders(delexicalised), StringComparer.Ordinal);
        return expected.Count(e => !generated.Contains(e)) + generated.Count(g => !expected.Contains(g));
    }

    /// <summary>The placeholders a reply to these acts may hold: those called for, as [intent] or [intent1] alike.</summary>
    public static HashSet<string> LicensedPlaceholders(IReadOnlyList<DialogAct> acts)
    {
        var licensed = ExpectedPlaceholders(acts);
        foreach (string p in licensed.ToArray())
        {
            if (p.EndsWith("1]", StringComparison.Ordinal))
                licensed.Add(p[..^2] + "]");
            else if (!char.IsAsciiDigit(p[^2]))
                licensed.Add(p[..^1] + "1]");
        }
        return licensed;
    }

    private static HashSet<string> ExpectedPlaceholders(IReadOnlyList<DialogAct> acts)
    {
        var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var act in acts)
        {
            string intent = CrossWozDelex.Intent(act);
            int count = frequency[intent] = frequency.GetValueOrDefault(intent) + 1;
            if ((act.Intent is "Inform" or "Recommend" || intent.Contains("酒店设施", StringComparison.Ordinal)) && !intent.EndsWith('无'))
                expected.Add(count > 1 ? $"[{intent}{count}]" : $"[{intent}]");
        }
        // a single act's placeholder may appear as [intent] or, once a second follows, [intent1]
        foreach (string one in expected.Where(e => expected.Contains(e.Insert(e.Length - 1, "2"))).ToArray())
        {
            expected.Remove(one);
            expected.Add(one.Insert(one.Length - 1, "1"));
        }
        return expected;
    }
}
