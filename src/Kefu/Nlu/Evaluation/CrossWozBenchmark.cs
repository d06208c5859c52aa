using System.Diagnostics;

namespace Kefu.Nlu.Evaluation;

/// <summary>
/// Counts of predicted and gold dialog acts over many turns, micro-averaged as ConvLab-2's calculateF1
/// (convlab2/nlu/jointBERT/crosswoz/postprocess.py): per turn, each predicted act is a true positive when the gold
/// list holds it and a false positive otherwise; each gold act the prediction lacks is a false negative. Lists, not sets,
/// as there: an act predicted twice and gold once counts two true positives.
/// </summary>
public readonly record struct ActScore(int TruePositives, int FalsePositives, int FalseNegatives)
{
    public double Precision => TruePositives + FalsePositives == 0 ? 0 : TruePositives / (double)(TruePositives + FalsePositives);
    public double Recall => TruePositives + FalseNegatives == 0 ? 0 : TruePositives / (double)(TruePositives + FalseNegatives);
    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);

    public static ActScore Of<T>(IEnumerable<(IReadOnlyList<T> Predicted, IReadOnlyList<T> Gold)> turns)
    {
        int tp = 0, fp = 0, fn = 0;
        foreach (var (predicted, gold) in turns)
        {
            foreach (var act in predicted)
                if (gold.Contains(act)) tp++; else fp++;
            foreach (var act in gold)
                if (!predicted.Contains(act)) fn++;
        }
        return new ActScore(tp, fp, fn);
    }
}

/// <summary>
/// The `kefu bench crosswoz` figures. Overall: all acts (ConvLab-2's "overall"); NoValue: acts without their values;
/// SlotActs and OtherActs: ConvLab-2's "slot" (<see cref="CrossWozCodec.IsSlotAct"/>) and "intent" subsets.
/// </summary>
public sealed record CrossWozBenchResult(
    ActScore Overall,
    ActScore NoValue,
    ActScore SlotActs,
    ActScore OtherActs,
    double TrainSeconds,
    double TestSeconds,
    int NTrain,
    int NTest,
    int Labels,
    int EntityTypes);

public static class CrossWozBenchmark
{
    /// <summary>
    /// One test turn: its gold acts, the intent read (the top label or <see cref="CrossWozCodec.PartsAbove"/>), the acts read
    /// back from it and the entities, and the model's ten most probable labels.
    /// </summary>
    public sealed record TurnResult(CrossWozTurn Turn, string PredictedIntent, IReadOnlyList<DialogAct> Predicted,
        IReadOnlyList<IntentPrediction> Ranking);

    /// <summary>Converts the turns (<see cref="CrossWozCodec"/>), trains, predicts each test turn and scores the acts.</summary>
    /// <param name="lookups">Lookup tables for the NLU's features (e.g. <see cref="CrossWozReader.PlaceNameLookups"/>).</param>
    /// <param name="trainer">The NLU training (a pipeline or a config.yml's); its intent probabilities are read with no fallback.</param>
    /// <param name="partThreshold">Null: the top label's parts; a number: the parts whose marginal probability reaches it.
    /// A model that learnt the parts themselves (config.yml's intent_tokenization_flag with intent_split_symbol "+") answers
    /// its parts of probability ≥ this threshold, 0.5 when null.</param>
    public static (CrossWozBenchResult Result, IReadOnlyList<TurnResult> Turns) Run(IReadOnlyList<CrossWozTurn> train,
        IReadOnlyList<CrossWozTurn> test, Func<NluTrainingData, NluModel> trainer, IProgress<string>? progress = null,
        double? partThreshold = null, IReadOnlyList<LookupTable>? lookups = null)
    {
        if (train.Count == 0) throw new ArgumentException("no training turns");
        var codec = new CrossWozCodec();
        var examples = train.Select(codec.ToExample).ToList();
        int labels = examples.Select(e => e.Intent).Distinct().Count();
        int entityTypes = examples.SelectMany(e => e.Entities).Select(e => e.Entity).Distinct().Count();
        progress?.Report($"{examples.Count} training turns: {labels} labels, {entityTypes} entity types, " +
            $"{examples.Sum(e => e.Entities.Count)} spans");

        var clock = Stopwatch.StartNew();
        var model = trainer(NluTrainingData.FromExamples(examples) with { Lookups = lookups ?? [] });
        double trainSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var turns = new List<TurnResult>(test.Count);
        var names = model.Intents.Labels;
        var probabilities = new float[names.Count];
        var partModel = model.Intents is SparseIntentModel { Parts: { Separator: "+" } } sparse ? sparse : null;
        var partProbabilities = new float[partModel?.Parts!.Parts.Count ?? 0];
        foreach (var turn in test)
        {
            model.Intents.Probabilities(turn.Text, turn.Previous, probabilities);
            if (!float.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(probabilities)))
                throw new InvalidDataException($"the model's intent probabilities for \"{turn.Text}\" are not finite: training diverged " +
                    "(see the loss in its progress; a lower learning rate may help)");
            var ranking = Enumerable.Range(0, names.Count).OrderByDescending(k => probabilities[k]).Take(10)
                .Select(k => new IntentPrediction(names[k], probabilities[k])).ToList();
            string intent;
            if (partModel is not null)
            {
                partModel.PartProbabilities(turn.Text, turn.Previous, partProbabilities);
                // "None" (a turn of spans only) is a part like the others here; beside real parts it says nothing
                string composed = partModel.Parts!.Compose(partProbabilities, partThreshold ?? 0.5) ?? CrossWozCodec.NoActs;
                intent = string.Join('+', composed.Split('+').Where(p => p != CrossWozCodec.NoActs).DefaultIfEmpty(CrossWozCodec.NoActs));
            }
            else
                intent = partThreshold is { } threshold ? CrossWozCodec.PartsAbove(names, probabilities, threshold) : ranking[0].Name;
            var entities = model.Entities?.Extract(turn.Text) ?? [];
            turns.Add(new TurnResult(turn, intent, codec.ToActs(intent, entities, turn.Text), ranking));
        }
        double testSeconds = clock.Elapsed.TotalSeconds;

        var result = new CrossWozBenchResult(
            ActScore.Of(turns.Select(t => (t.Predicted, t.Turn.Acts))),
            ActScore.Of(turns.Select(t => (WithoutValues(t.Predicted), WithoutValues(t.Turn.Acts)))),
            ActScore.Of(turns.Select(t => (Where(t.Predicted, true), Where(t.Turn.Acts, true)))),
            ActScore.Of(turns.Select(t => (Where(t.Predicted, false), Where(t.Turn.Acts, false)))),
            trainSeconds, testSeconds, train.Count, test.Count, labels, entityTypes);
        return (result, turns);

        static IReadOnlyList<(string, string, string)> WithoutValues(IReadOnlyList<DialogAct> acts) =>
            [.. acts.Select(a => (a.Intent, a.Domain, a.Slot))];

        static IReadOnlyList<DialogAct> Where(IReadOnlyList<DialogAct> acts, bool slotActs) =>
            [.. acts.Where(a => CrossWozCodec.IsSlotAct(a) == slotActs)];
    }
}
