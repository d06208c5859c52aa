#:project ../../src/Kefu/Kefu.csproj
#:property PublishAot=false
// Out-of-scope scores of a fine-tuned TransformerClassifier compared (docs/benchmarks.md, "CLINC150"): maximum softmax
// probability (what Kefu uses), maximum logit, energy (logsumexp), Mahalanobis distance to the nearest class mean under the
// shared covariance of the pooled features, and cosine k-NN to the training features. Each threshold is fitted at an
// in-scope rejection rate on HELD's in-scope messages; HELD's AUROC and recall choose, VAL is printed only with "val".
//   dotnet run bench/nlu/oos-scores.cs -c Release -- MODEL TRAIN.csv HELD.csv VAL.csv [val]
// MODEL: `kefu model finetune` on TRAIN (in-scope only); HELD: every 10th in-scope example plus the oos ones
// (bench/nlu/transformer.sh oos-scores makes all three).
using Kefu.Nlu.Pretrained;
using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Text.WordPiece;

var nlu = TransformerNlu.Load(args[0]);
var labels = nlu.Intents.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
List<(string Text, string Label)> Read(string path) => File.ReadLines(path).Skip(1).Select(ParseCsv).ToList();
static (string, string) ParseCsv(string line)
{
    line = line.TrimEnd('\r');
    int comma = line.LastIndexOf(',');
    string text = line[..comma];
    if (text.StartsWith('"')) text = text[1..^1].Replace("\"\"", "\"");
    return (text, line[(comma + 1)..]);
}
var g = new Graph(recordTape: false);
(float[] Feature, float[] Logits) Run(string text)
{
    var t = TokenizedText.Of(nlu.Tokenizer, text, nlu.MaxLength);
    var mask = new float[t.Ids.Length]; Array.Fill(mask, 1f);
    var batch = new BertBatch(t.Ids, mask, 1, t.Ids.Length);
    g.Reset();
    var x = nlu.Model.Encode(g, batch, out var m);
    var pooled = g.MeanPool(x, m, 1, t.Ids.Length);
    var logits = nlu.Model.Head.Forward(g, pooled);
    return (pooled.ToArray(), logits.ToArray());
}
string cache = Path.Combine(args[0], "oos-scores.features.bin");
var sets = args[1..4].Select(Read).ToArray();
float[][][] feats = new float[3][][], logs = new float[3][][];
if (!File.Exists(cache))
{
    using var w = new BinaryWriter(File.Create(cache));
    for (int s = 0; s < 3; s++)
    {
        foreach (var (text, _) in sets[s]) { var (f, l) = Run(text); foreach (var v in f) w.Write(v); foreach (var v in l) w.Write(v); }
        Console.Error.WriteLine($"set {s} done");
    }
}
{
    using var r = new BinaryReader(File.OpenRead(cache));
    int c = nlu.Model.Config.Hidden, k = nlu.Intents.Count;
    for (int s = 0; s < 3; s++)
    {
        feats[s] = new float[sets[s].Count][]; logs[s] = new float[sets[s].Count][];
        for (int i = 0; i < sets[s].Count; i++)
        {
            feats[s][i] = Enumerable.Range(0, c).Select(_ => r.ReadSingle()).ToArray();
            logs[s][i] = Enumerable.Range(0, k).Select(_ => r.ReadSingle()).ToArray();
        }
    }
}
int C = nlu.Model.Config.Hidden, K = nlu.Intents.Count;
// class means and shared covariance on train features
var means = new double[K][]; var counts = new int[K];
for (int k = 0; k < K; k++) means[k] = new double[C];
for (int i = 0; i < sets[0].Count; i++) { int y = labels[sets[0][i].Label]; counts[y]++; for (int j = 0; j < C; j++) means[y][j] += feats[0][i][j]; }
for (int k = 0; k < K; k++) for (int j = 0; j < C; j++) means[k][j] /= counts[k];
var cov = new double[C, C];
for (int i = 0; i < sets[0].Count; i++)
{
    int y = labels[sets[0][i].Label]; var d = new double[C];
    for (int j = 0; j < C; j++) d[j] = feats[0][i][j] - means[y][j];
    for (int a = 0; a < C; a++) for (int b = 0; b <= a; b++) cov[a, b] += d[a] * d[b];
}
for (int a = 0; a < C; a++) for (int b = 0; b <= a; b++) { cov[a, b] = cov[a, b] / sets[0].Count + (a == b ? 1e-6 : 0); cov[b, a] = cov[a, b]; }
// Cholesky L L^T = cov
var L = new double[C, C];
for (int a = 0; a < C; a++) for (int b = 0; b <= a; b++)
{
    double s = cov[a, b]; for (int q = 0; q < b; q++) s -= L[a, q] * L[b, q];
    L[a, b] = a == b ? Math.Sqrt(s) : s / L[b, b];
}
double Maha(float[] f)
{
    double best = double.MaxValue; var d = new double[C]; var z = new double[C];
    for (int k = 0; k < K; k++)
    {
        for (int j = 0; j < C; j++) d[j] = f[j] - means[k][j];
        double q = 0;
        for (int a = 0; a < C; a++) { double s = d[a]; for (int b = 0; b < a; b++) s -= L[a, b] * z[b]; z[a] = s / L[a, a]; q += z[a] * z[a]; }
        best = Math.Min(best, q);
    }
    return -best; // higher = more in-scope
}
static float[] Norm(float[] v) { double n = Math.Sqrt(v.Sum(x => (double)x * x)); return v.Select(x => (float)(x / n)).ToArray(); }
var trainN = feats[0].Select(Norm).ToArray();
double Knn(float[] f, int kk)
{
    var n = Norm(f); var sims = new double[trainN.Length];
    for (int i = 0; i < trainN.Length; i++) { double s = 0; for (int j = 0; j < C; j++) s += n[j] * trainN[i][j]; sims[i] = s; }
    Array.Sort(sims); return sims[^kk];
}
static double Msp(float[] l) { double m = l.Max(), z = l.Sum(x => Math.Exp(x - m)); return 1 / z; }
static double Energy(float[] l) { double m = l.Max(); return m + Math.Log(l.Sum(x => Math.Exp(x - m))); }
var methods = new (string Name, Func<int, int, double> Score)[]
{
    ("msp", (s, i) => Msp(logs[s][i])),
    ("maxlogit", (s, i) => logs[s][i].Max()),
    ("energy", (s, i) => Energy(logs[s][i])),
    ("maha", (s, i) => Maha(feats[s][i])),
    ("knn1", (s, i) => Knn(feats[s][i], 1)),
    ("knn10", (s, i) => Knn(feats[s][i], 10)),
};
double[] rates = [0.005, 0.0075, 0.01, 0.02, 0.03, 0.05];
bool showVal = args.Contains("val");
foreach (var (name, score) in methods)
{
    double[][] sc = new double[3][];
    for (int s = 1; s < 3; s++) sc[s] = Enumerable.Range(0, sets[s].Count).Select(i => score(s, i)).ToArray();
    // AUROC on held
    var inS = Enumerable.Range(0, sets[1].Count).Where(i => sets[1][i].Label != "oos").Select(i => sc[1][i]).Order().ToArray();
    var outS = Enumerable.Range(0, sets[1].Count).Where(i => sets[1][i].Label == "oos").Select(i => sc[1][i]).ToArray();
    double auc = outS.Average(o => inS.Count(v => v > o) / (double)inS.Length);
    Console.Write($"{name,-9} held AUROC {auc:F4} |");
    foreach (var rate in rates)
    {
        int rej = (int)Math.Floor(rate * inS.Length);
        double th = (inS[rej - 1] + inS[rej]) / 2;
        (double inAcc, double rec) Eval(int s)
        {
            int inN = 0, inOk = 0, oN = 0, oOk = 0;
            for (int i = 0; i < sets[s].Count; i++)
            {
                bool reject = sc[s][i] < th;
                int pred = Array.IndexOf(logs[s][i], logs[s][i].Max());
                if (sets[s][i].Label == "oos") { oN++; if (reject) oOk++; }
                else { inN++; if (!reject && nlu.Intents[pred] == sets[s][i].Label) inOk++; }
            }
            return (inOk / (double)inN, oOk / (double)oN);
        }
        var h = Eval(1);
        Console.Write($" r{rate * 100:0.##}% held {h.inAcc:F3}/{h.rec:F2}");
        if (showVal) { var v = Eval(2); Console.Write($" val {v.inAcc:F3}/{v.rec:F2}"); }
        Console.Write(" |");
    }
    Console.WriteLine();
}
