using System.Text.Json;
using Kefu.Projects;
using Kefu.Tests.Projects;
using Kefu.Training.Tuning;

namespace Kefu.Tests.Training;

public class TuningTests
{
    /// <summary>Four intents, 15 examples each, built from phrase parts so cross-validation has something to learn.</summary>
    private static TempProject SmallProject(string config = "pipeline:\n  - name: WhitespaceTokenizer\n  - name: LogisticRegressionClassifier\npolicies: []\n")
    {
        string[] intents = ["check_balance", "lost_card", "transfer_money", "change_pin"];
        string[][] heads = [["what is my balance", "how much money do i have", "show my balance"],
            ["i lost my card", "my card was stolen", "cannot find my card"],
            ["send money to a friend", "transfer funds", "make a transfer"],
            ["change my pin", "reset the pin code", "new pin please"]];
        string[] tails = ["", " now", " please", " today", " asap"];
        var nlu = new System.Text.StringBuilder("version: \"3.1\"\nnlu:\n");
        for (int i = 0; i < intents.Length; i++)
        {
            nlu.Append($"- intent: {intents[i]}\n  examples: |\n");
            foreach (var h in heads[i]) foreach (var t in tails) nlu.Append($"    - {h}{t}\n");
        }
        return new TempProject("kefu-tune-",
            ("domain.yml", "version: \"3.1\"\nintents:\n" + string.Concat(intents.Select(i => $"  - {i}\n"))),
            ("config.yml", config),
            ("data/nlu.yml", nlu.ToString()));
    }

    [Fact]
    public void Tpe_beats_random_search_on_a_smooth_objective()
    {
        // maximise -(log10 C - 1)^2 over C in [0.001, 1000], 25 trials each; mean distance to the optimum over 20 seeds
        var option = new TunedOption("X", "C", 1e-3, 1e3, Log: true, Int: false, null, new SourceLocation("t", 1, 1));
        double Objective(double x) => -Math.Pow(x / Math.Log(10) - 1, 2);
        double tpe = 0, random = 0;
        for (int seed = 1; seed <= 20; seed++)
        {
            var history = new List<Observation>();
            for (int n = 0; n < 25; n++)
            {
                var point = new TpeSampler([option], seed * 100 + n).Next(history);
                history.Add(new Observation(n, point, Objective(point[0]), false));
            }
            tpe += -history.Max(h => h.Score);
            var rng = new Random(seed);
            double bestRandom = Enumerable.Range(0, 25).Max(_ => Objective(Math.Log(1e-3) + rng.NextDouble() * (Math.Log(1e3) - Math.Log(1e-3))));
            random += -bestRandom;
        }
        Assert.True(tpe < random, $"TPE's mean regret {tpe / 20:F5} should be below random search's {random / 20:F5}");
    }

    [Fact]
    public void Parzen_density_integrates_to_one_over_the_range()
    {
        var p = TpeSampler.Parzen.Build(0, 10, [2.0, 2.5, 7.0], [1, 1, 1]);
        double integral = 0, step = 0.001;
        for (double x = step / 2; x < 10; x += step) integral += Math.Exp(p.LogPdf(x)) * step;
        Assert.InRange(integral, 0.995, 1.005);
        Assert.InRange(TpeSampler.NormalCdf(1.959964), 0.97499, 0.97501);
    }

    [Fact]
    public void A_study_improves_on_or_keeps_the_baseline_and_resumes_after_a_kill()
    {
        using var project = SmallProject();
        var loaded = RasaProject.Load(project.Dir);
        var space = SearchSpace.DefaultFor(loaded.Config, Path.Combine(project.Dir, "config.yml"));
        string db = Path.Combine(project.Dir, "results", "tune.db");
        var log = new List<string>();
        using (var study = Study.Open(db, space.Signature))
        {
            var first = Tuner.Run(loaded, space, study, new TuneOptions(Trials: 3, Timeout: null), log.Add);
            Assert.Equal(4, first.Trials.Count);                       // the baseline and 3 trials
            Assert.True(first.Best.Score >= first.Baseline.Score);
            // the report draws every scored trial but the baseline (a dashed line) as a dot carrying its score
            string html = TuneReport.Html(first, space, "small");
            var dots = System.Text.RegularExpressions.Regex.Matches(html, "data-trial=\"(\\d+)\" data-score=\"([0-9.]+)\"");
            Assert.Equal(first.Trials.Where(t => t.Number > 0 && t.Score is not null).Select(t => (t.Number, Math.Round(t.Score!.Value, 6))),
                dots.Select(m => (int.Parse(m.Groups[1].Value), double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))));
            Assert.Contains("class=\"baseline\"", html);
            // a kill during trial 4: its row says running
            study.Save(new TrialRecord(4, new Dictionary<string, JsonElement> { ["LogisticRegressionClassifier.C"] = JsonSerializer.SerializeToElement(3.0) },
                [Math.Log(3.0)], "running", null, [], 0));
        }
        using (var study = Study.Open(db, space.Signature))
        {
            Assert.Equal("interrupted", study.Trials().Single(t => t.Number == 4).State);
            var second = Tuner.Run(loaded, space, study, new TuneOptions(Trials: 5, Timeout: null), log.Add);
            Assert.Equal([0, 1, 2, 3, 4, 5, 6], second.Trials.Select(t => t.Number).Order());
            Assert.Equal(5, second.Trials.Count(t => t.Number > 0 && t.State is "complete" or "pruned"));
            Assert.Contains(log, l => l.StartsWith("resuming: 3 of 5"));
        }
        // another space in the same study file is refused
        var other = space with { Folds = 4 };
        var e = Assert.Throws<InvalidDataException>(() => Study.Open(db, other.Signature));
        Assert.Contains("another search space", e.Message);
    }

    [Fact]
    public void Tuning_an_option_Kefu_ignores_is_an_error_at_its_line()
    {
        using var project = SmallProject("pipeline:\n  - name: WhitespaceTokenizer\n  - name: CountVectorsFeaturizer\n  - name: LogisticRegressionClassifier\npolicies: []\n");
        project.Write("tune.yml", "space:\n  - component: CountVectorsFeaturizer\n    option: max_ngram\n    low: 1\n    high: 4\n    type: int\n  - component: DIETClassifier\n    option: epochs\n    low: 1\n    high: 5\n");
        var loaded = RasaProject.Load(project.Dir);
        var space = SearchSpace.Load(Path.Combine(project.Dir, "tune.yml"));
        using var study = Study.Open(Path.Combine(project.Dir, "tune.db"), space.Signature);
        var e = Assert.Throws<ProjectException>(() => Tuner.Run(loaded, space, study, new TuneOptions(1, null), _ => { }));
        var messages = e.Diagnostics.Select(d => d.ToString()).ToList();
        Assert.Contains(messages, m => m.Contains("tune.yml:2:5") && m.Contains("CountVectorsFeaturizer.max_ngram cannot be tuned"));
        Assert.Contains(messages, m => m.Contains("tune.yml:7:5") && m.Contains("the pipeline has no DIETClassifier"));
    }

    [Theory]
    [InlineData("space:\n  - component: X\n    option: y\n    low: 5\n    high: 1\n", "tune.yml:2:5", "must be below high")]
    [InlineData("metric: f2\nspace:\n  - component: X\n    option: y\n    choices: [1, 2]\n", "tune.yml:1:9", "unknown metric 'f2'")]
    [InlineData("space:\n  - component: X\n    option: y\n    low: 0\n    high: 1\n    log: true\n", "tune.yml:4:10", "a log range needs low > 0")]
    [InlineData("space: []\n", "tune.yml:1:1", "no options to tune")]
    public void Bad_tune_yml_is_reported_at_its_line(string yaml, string at, string message)
    {
        using var project = new TempProject("kefu-tune-yml-", ("tune.yml", yaml));
        var e = Assert.Throws<ProjectException>(() => SearchSpace.Load(Path.Combine(project.Dir, "tune.yml")));
        Assert.Contains(e.Diagnostics, d => d.ToString().Contains(at) && d.Message.Contains(message));
    }

    [Fact]
    public void The_tuned_config_keeps_comments_and_reads_back_with_the_values()
    {
        string text = "# my bot\npipeline:\n  - name: WhitespaceTokenizer\n  # intents\n  - name: DIETClassifier\n    epochs: 100  # long\n    hidden_layers_sizes:\n      text: [256, 128]\n  - name: LogisticRegressionClassifier\npolicies: []\n";
        using var project = new TempProject("kefu-tuned-", ("config.yml", text));
        string path = Path.Combine(project.Dir, "config.yml");
        var config = ProjectConfig.Load(path);
        var at = new SourceLocation(path, 1, 1);
        var space = new SearchSpace([
            new TunedOption("DIETClassifier", "epochs", 1, 200, false, true, null, at),
            new TunedOption("DIETClassifier", "hidden_layers_sizes", 0, 0, false, false, [JsonSerializer.SerializeToElement(new { text = new[] { 64 } })], at),
            new TunedOption("DIETClassifier", "learning_rate", 1e-4, 1e-2, true, false, null, at),
            new TunedOption("LogisticRegressionClassifier", "C", 0.01, 100, true, false, null, at)], "accuracy", 3);
        var values = new Dictionary<string, JsonElement>
        {
            ["DIETClassifier.epochs"] = JsonSerializer.SerializeToElement(42),
            ["DIETClassifier.hidden_layers_sizes"] = JsonSerializer.SerializeToElement(new { text = new[] { 64 } }),
            ["DIETClassifier.learning_rate"] = JsonSerializer.SerializeToElement(0.002),
            ["LogisticRegressionClassifier.C"] = JsonSerializer.SerializeToElement(7.5),
        };
        string written = TunedConfigWriter.Write(text, config, space, values);
        Assert.StartsWith("# my bot\n", written);
        Assert.Contains("  # intents\n", written);
        project.Write("tuned.yml", written);
        var back = ProjectConfig.Load(Path.Combine(project.Dir, "tuned.yml"));
        var diet = back.FindComponent("DIETClassifier")!.Options;
        Assert.Equal(42, diet.GetInt("epochs", 0));
        Assert.Equal(0.002, diet.GetDouble("learning_rate", 0));
        Assert.Equal("{\"text\":[64]}", diet.Find("hidden_layers_sizes")!.Value.GetRawText().Replace(" ", ""));
        Assert.Equal(7.5, back.FindComponent("LogisticRegressionClassifier")!.Options.GetDouble("C", 0));
    }
}
