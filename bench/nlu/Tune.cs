#:project ../../src/Kefu/Kefu.csproj
#:property PublishAot=false
// Chooses NLU v1 settings by k-fold cross-validation on the TRAINING files only (banking77/train.csv and
// clinc150/train.csv); test and validation files are never read here. Run with bench/nlu/tune.sh.
// Stage 1 changes one setting at a time from the current default; stage 2 combines every change that beat
// the default. One configuration serves both datasets (no per-dataset settings); its score is the mean of
//   banking77: held-out accuracy, and
//   clinc150:  held-out in-scope accuracy at the OOS operating point below.
// OOS operating point: the smallest in-scope rejection rate whose held-out OOS recall is at least 0.50, the
// issue's floor of 0.40 plus two binomial standard errors for the ~100 OOS examples a fold pool holds
// (sqrt(0.25 / 100) = 0.05); this maximizes in-scope accuracy subject to that recall (Neyman-Pearson).
using System.Globalization;
using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Nlu.Evaluation;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string datasets = args.Length > 0 ? args[0] : "../shared/datasets";
const int Folds = 3;
const double RequiredOosRecall = 0.50;
float[] rejectionRates = [0f, 0.0025f, 0.005f, 0.0075f, 0.01f, 0.015f, 0.02f, 0.03f, 0.04f, 0.05f];

var banking = NluDataReader.Load(Path.Combine(datasets, "banking77", "train.csv"));
var clinc = NluDataReader.Load(Path.Combine(datasets, "clinc150", "train.csv"));
var baseline = NluConfig.Default;

var changes = new (string Axis, string Name, Func<NluConfig, NluConfig> Apply)[]
{
    ("svm C", "C=0.5", c => c with { Svm = c.Svm with { C = 0.5f } }),
    ("svm C", "C=2", c => c with { Svm = c.Svm with { C = 2f } }),
    ("word n-grams", "word trigrams", c => c with { Features = c.Features with { WordTrigrams = true } }),
    ("char weight", "char weight 0.7", c => c with { Features = c.Features with { CharBlockWeight = 0.7f } }),
    ("char weight", "char weight 1.4", c => c with { Features = c.Features with { CharBlockWeight = 1.4f } }),
    ("char n-grams", "char 2-6", c => c with { Features = c.Features with { CharNgramMax = 6 } }),
    ("min df", "min df 2", c => c with { Features = c.Features with { MinDocumentFrequency = 2 } }),
};

Console.WriteLine($"{Folds}-fold CV on training files; OOS point: least rejection with held-out OOS recall >= {RequiredOosRecall}");
Console.WriteLine("| setting | banking77 acc | clinc150 acc | clinc150 rejection | in-scope | OOS recall | score | seconds |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
var baseScore = Evaluate("default", baseline);
var results = new List<(string Name, NluConfig Config, double Score)> { ("default", baseline, baseScore) };
var better = new List<(string Axis, string Name, Func<NluConfig, NluConfig> Apply, double Score)>();
foreach (var change in changes)
{
    double score = Evaluate(change.Name, change.Apply(baseline));
    results.Add((change.Name, change.Apply(baseline), score));
    if (score > baseScore) better.Add((change.Axis, change.Name, change.Apply, score));
}
// Two settings of one axis (C=0.5 and C=2) cannot combine: keep the better one.
var combined = better.OrderByDescending(b => b.Score).DistinctBy(b => b.Axis).ToList();
if (combined.Count > 1)
{
    var config = combined.Aggregate(baseline, (c, b) => b.Apply(c));
    string name = string.Join(" + ", combined.Select(b => b.Name));
    results.Add((name, config, Evaluate(name, config)));
}
var best = results.MaxBy(r => r.Score);
Console.WriteLine($"chosen: {best.Name} (score {best.Score:F4})");

double Evaluate(string name, NluConfig config)
{
    var b = NluCrossValidation.Run(banking, config, Folds, []);
    var c = NluCrossValidation.Run(clinc, config with { OosLabel = "oos" }, Folds, rejectionRates);
    var point = c.OosCurve.FirstOrDefault(p => p.OosRecall >= RequiredOosRecall) ?? c.OosCurve[^1];
    double score = (b.Accuracy + point.InScopeAccuracy) / 2;
    Console.WriteLine($"| {name} | {b.Accuracy:F4} | {c.Accuracy:F4} | {point.InScopeRejection:F4} | {point.InScopeAccuracy:F4} | {point.OosRecall:F3} | {score:F4} | {b.Seconds + c.Seconds:F0} |");
    Console.WriteLine("  clinc150 curve: " + string.Join("  ", c.OosCurve.Select(p => $"{p.InScopeRejection:F4}:{p.InScopeAccuracy:F4}/{p.OosRecall:F2}")));
    return score;
}
