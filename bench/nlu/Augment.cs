#:project ../../src/Kefu/Kefu.csproj
#:property PublishAot=false
// What each `kefu data augment` method adds, with Kefu's default (linear) NLU, in the low-data setting the issue names.
// banking77: every 10th training example of each intent is the validation set; 10 examples per intent are drawn from the
// rest (5 draws, seeds 1-5), augmented, trained on, scored on validation. Methods are chosen on validation only;
// `--test` then scores the chosen ones once on banking77/test.csv with the same draws.
// ecommerce-zh (the Chinese sample): every 5th example of each intent in data/ is validation, the rest trains;
// `--test` scores on tests/nlu_heldout.yml.
// PSEUDO="ROUNDS,MIN_CONFIDENCE;..." scores self-training (pseudo-labels, after the default methods) instead: banking77's unlabelled messages
// are the rest of its pool, stripped of their intents; ecommerce-zh keeps every other training example's label and
// strips the others', so its baseline is the labelled half alone.
// Run with bench/nlu/augment.sh [--test METHODS...].
using System.Diagnostics;
using System.Globalization;
using Kefu.Data.Augmentation;
using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Projects;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string datasets = Environment.GetEnvironmentVariable("KEFU_DATASETS") ?? "../shared/datasets";
bool test = args.Length > 0 && args[0] == "--test";
string[][] variants = test
    ? [[], args.Skip(1).ToArray()]
    : Environment.GetEnvironmentVariable("VARIANTS") is { } chosen   // e.g. VARIANTS="labels;labels typos"
        ? [[], .. chosen.Split(';').Select(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries))]
        : [[], ["typos"], ["words"], ["zh-noise"], ["entities"], ["synonyms"], ["typos", "words"], ["entities", "synonyms"],
           ["entities", "synonyms", "words"], ["entities", "synonyms", "typos", "words", "zh-noise"], ["labels"]];
int[] perExample = test ? [int.Parse(Environment.GetEnvironmentVariable("PER_EXAMPLE") ?? "2")] : [1, 2, 4];

var banking = NluDataReader.Load(Path.Combine(datasets, "banking77", "train.csv")).Examples;
var (bankingPool, bankingVal) = EveryKth(banking, 10);
var bankingTest = test ? NluDataReader.Load(Path.Combine(datasets, "banking77", "test.csv")).Examples : null;
var zh = RasaProject.Load("samples/ecommerce-zh").Nlu;
var (zhTrain, zhVal) = EveryKth(zh.Examples.Where(e => e.Augmentation is null).ToList(), 5);
var zhTest = test ? NluFile.Load("samples/ecommerce-zh/tests/nlu_heldout.yml").Examples : null;

double baseBanking = double.NaN, baseZh = double.NaN;
if (Environment.GetEnvironmentVariable("PSEUDO") is { } pseudo)
{
    var settings = pseudo.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(v => v.Split(',')).Select(v =>
        new PseudoLabelOptions(int.Parse(v[0]), double.Parse(v[1]))).ToList();
    var zhEven = zhTrain.Where((_, i) => i % 2 == 0).ToList();
    var zhOdd = zhTrain.Where((_, i) => i % 2 == 1).Select(e => e.Text).ToList();
    Console.WriteLine($"| data | methods | added | accuracy ({(test ? "test" : "validation")}) | gain | seconds |");
    Console.WriteLine("|---|---|---|---|---|---|");
    foreach (var (defaults, setting) in new (bool, PseudoLabelOptions?)[] { (false, null), (true, null) }.Concat(settings.Select(o => (true, (PseudoLabelOptions?)o))))
    {
        var clock = Stopwatch.StartNew();
        double sum = 0; int added = 0;
        for (int seed = 1; seed <= 5; seed++)
        {
            var few = TenPerIntent(seed);
            var taken = few.ToHashSet();
            var (acc, count) = SelfTrain(NluTrainingData.FromExamples(few), bankingPool.Where(e => !taken.Contains(e)).Select(e => e.Text),
                defaults, setting, bankingTest ?? bankingVal);
            sum += acc; added += count;
        }
        PseudoRow("banking77 10/intent", defaults, setting, added / 5, sum / 5, ref baseBanking, clock.Elapsed.TotalSeconds);
        clock.Restart();
        var (zhAcc, zhAdded) = SelfTrain(zh with { Examples = zhEven }, zhOdd, defaults, setting, zhTest ?? zhVal);
        PseudoRow("ecommerce-zh, half labelled", defaults, setting, zhAdded, zhAcc, ref baseZh, clock.Elapsed.TotalSeconds);
    }
    return;
}
Console.WriteLine($"| data | methods | per example | added | accuracy ({(test ? "test" : "validation")}) | gain | seconds |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var methods in variants)
    foreach (int n in methods.Length == 0 ? [0] : perExample)
    {
        // banking77, 10 per intent, mean over 5 draws
        var clock = Stopwatch.StartNew();
        double sum = 0; int added = 0;
        for (int seed = 1; seed <= 5; seed++)
        {
            var few = TenPerIntent(seed);
            var (acc, count) = Score(NluTrainingData.FromExamples(few), methods, n, seed, bankingTest ?? bankingVal);
            sum += acc; added += count;
        }
        Report("banking77 10/intent", methods, n, added / 5, sum / 5, clock.Elapsed.TotalSeconds);

        clock.Restart();
        var zhData = zh with { Examples = zhTrain };
        var (zhAcc, zhAdded) = Score(zhData, methods, n, 1, zhTest ?? zhVal);
        Report("ecommerce-zh", methods, n, zhAdded, zhAcc, clock.Elapsed.TotalSeconds);
    }

(double Accuracy, int Added) Score(NluTrainingData train, string[] methods, int n, int seed, IReadOnlyList<NluExample> eval)
{
    var made = methods.Length == 0 ? [] : Augmenter.Run(train, methods.Select(m => Augmenter.Find(m)!).ToList(), n, seed);
    var data = train with { Examples = train.Examples.Concat(made.Select(m => m.Example)).ToList() };
    var model = NluTrainer.Train(data, NluConfig.Default);
    int right = eval.Count(e => model.Intents.Labels[model.PredictIntent(e.Text).Label] == e.Intent);
    return (right / (double)eval.Count, made.Count);
}

// draw `seed` of banking77's low-data setting: 10 examples per intent from the pool
List<NluExample> TenPerIntent(int seed) => bankingPool.GroupBy(e => e.Intent).SelectMany(g => Shuffle(g.ToList(), seed).Take(10)).ToList();

static (double Accuracy, int Added) SelfTrain(NluTrainingData train, IEnumerable<string> unlabelled, bool defaults, PseudoLabelOptions? options,
    IReadOnlyList<NluExample> eval)
{
    Func<NluTrainingData, NluModel> fit = d => NluTrainer.Train(d, NluConfig.Default);
    // as `kefu data augment` runs them: the per-example methods first, then self-training over their output too
    var first = defaults ? Augmenter.Run(train, Augmenter.DefaultMethods.Select(n => Augmenter.Find(n)!).ToList(), 2, 1) : [];
    train = train with { Examples = [.. train.Examples, .. first.Select(a => a.Example)] };
    var made = options is null ? [] : PseudoLabeling.Run(train, unlabelled, fit, options);
    var model = fit(train with { Examples = [.. train.Examples, .. made.Select(m => m.Example)] });
    int right = eval.Count(e => model.Intents.Labels[model.PredictIntent(e.Text).Label] == e.Intent);
    return (right / (double)eval.Count, first.Count + made.Count);
}

static void PseudoRow(string data, bool defaults, PseudoLabelOptions? options, int added, double accuracy, ref double baseline, double seconds)
{
    if (!defaults) baseline = accuracy;
    string name = (defaults ? "defaults" : "none") + (options is null ? "" : $" + pseudo-labels ({options.Rounds} rounds, confidence ≥ {options.MinConfidence})");
    Console.WriteLine($"| {data} | {name} | {added} | {accuracy:F4} | {(accuracy - baseline) * 100:+0.00;-0.00;0.00} pt | {seconds:F0} |");
}

static (List<NluExample> Others, List<NluExample> Kth) EveryKth(IReadOnlyList<NluExample> examples, int k)
{
    var seen = new Dictionary<string, int>();
    var rest = new List<NluExample>(); var kth = new List<NluExample>();
    foreach (var e in examples)
    {
        seen[e.Intent] = seen.GetValueOrDefault(e.Intent) + 1;
        (seen[e.Intent] % k == 0 ? kth : rest).Add(e);
    }
    return (rest, kth);
}

static List<NluExample> Shuffle(List<NluExample> items, int seed)
{
    var random = new Random(seed);
    var copy = items.ToList();
    for (int i = copy.Count - 1; i > 0; i--) { int j = random.Next(i + 1); (copy[i], copy[j]) = (copy[j], copy[i]); }
    return copy;
}

void Report(string data, string[] methods, int n, int added, double accuracy, double seconds)
{
    bool isBanking = data.StartsWith("banking");
    if (methods.Length == 0) { if (isBanking) baseBanking = accuracy; else baseZh = accuracy; }
    double gain = accuracy - (isBanking ? baseBanking : baseZh);
    Console.WriteLine($"| {data} | {(methods.Length == 0 ? "none" : string.Join(" + ", methods))} | {n} | {added} | {accuracy:F4} | {gain * 100:+0.00;-0.00;0.00} pt | {seconds:F0} |");
}
