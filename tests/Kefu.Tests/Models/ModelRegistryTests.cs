using Kefu.Models;
using Kefu.Projects;
using Kefu.Tests.Projects;
using Kefu.Training;

namespace Kefu.Tests.Models;

/// <summary>models/registry.json: versions from training runs, promote, rollback, the lock, the candidate gate, damage.</summary>
public sealed class ModelRegistryTests
{
    static string Models(TempProject project) => ModelRegistry.ModelsDirectory(project.Dir);

    static RegisteredRun Train(TempProject project, bool candidate = false, string? test = null) =>
        RegisteredTraining.Train(RasaProject.Load(project.Dir), candidate, test);

    /// <summary>The sample's own examples, labelled as in its data: a model that learnt them scores 1.0.</summary>
    const string TestSet = "text,intent\n你好,greet\n在吗,greet\n再见,goodbye\n对的,affirm\n你是机器人吗,chitchat\n";

    [Fact]
    public void Each_training_run_is_a_version_with_hashes_and_metrics_and_the_newest_is_promoted()
    {
        using var project = TempProject.Valid();
        var first = Train(project);
        var second = Train(project);

        var registry = ModelRegistry.Read(Models(project));
        Assert.Equal(["v1", "v2"], registry.Versions.Select(v => v.Id));
        Assert.Equal("v2", registry.Promoted);
        Assert.True(first.Promoted && second.Promoted);
        var v1 = registry.Versions[0];
        Assert.Equal(RegisteredTraining.DataHash(project.Dir), v1.DataHash);
        Assert.Equal(RegisteredTraining.ConfigHash(project.Dir), v1.ConfigHash);
        Assert.Equal(64, v1.DataHash.Length);
        Assert.Equal(RasaProject.Load(project.Dir).Nlu.Examples.Count, v1.Metrics.Examples);
        Assert.Equal(5, v1.Metrics.Intents);
        Assert.True(File.Exists(ModelRegistry.ArchivePath(Models(project), v1)));
        // model.kefu is the promoted version, byte for byte
        Assert.Equal(File.ReadAllBytes(ModelRegistry.ArchivePath(Models(project), registry.Versions[1])),
            File.ReadAllBytes(Path.Combine(Models(project), "model.kefu")));
        Assert.Empty(Directory.GetFiles(Models(project), ".training-*"));

        // the data hash follows the data, the config hash does not move with it
        project.Write("data/nlu.yml", SampleProject.Nlu.Replace("- 再见", "- 再见\n    - 拜拜"));
        Assert.NotEqual(v1.DataHash, RegisteredTraining.DataHash(project.Dir));
        Assert.Equal(v1.ConfigHash, RegisteredTraining.ConfigHash(project.Dir));
    }

    [Fact]
    public void Promote_and_rollback_walk_the_promotions_back_and_model_kefu_follows()
    {
        using var project = TempProject.Valid();
        Train(project);
        Train(project);
        string models = Models(project);
        using (var registry = ModelRegistry.Lock(models))
        {
            registry.Promote("v1", "promote");
            registry.Save();
        }
        var read = ModelRegistry.Read(models);
        Assert.Equal("v1", read.Promoted);
        Assert.True(read.PromotedByHand);
        Assert.Equal(File.ReadAllBytes(ModelRegistry.ArchivePath(models, read.Versions[0])), File.ReadAllBytes(Path.Combine(models, "model.kefu")));

        string[] rolledBackTo = new string[2];
        for (int i = 0; i < 2; i++)
        {
            using var registry = ModelRegistry.Lock(models);
            rolledBackTo[i] = registry.Rollback().Id;
            registry.Save();
        }
        // promotions were v1 (train), v2 (train), v1 (promote): back to v2, then to v1
        Assert.Equal(["v2", "v1"], rolledBackTo);
        using (var registry = ModelRegistry.Lock(models))
        {
            var e = Assert.Throws<ModelRegistryException>(() => registry.Rollback());
            Assert.Contains("v1 is the first version promoted", e.Message);
            var unknown = Assert.Throws<ModelRegistryException>(() => registry.Promote("v7", "promote"));
            Assert.Contains("no version v7", unknown.Message);
            Assert.Contains("v1, v2", unknown.Message);
        }
        Assert.Equal("v1", ModelRegistry.Read(models).Promoted);
        Assert.True(File.Exists(Path.Combine(models, ModelRegistry.FileName + ".bak")));
    }

    [Fact]
    public void A_second_writer_gets_a_clear_error_and_a_run_that_meets_the_lock_leaves_nothing_behind()
    {
        using var project = TempProject.Valid();
        Train(project);
        string models = Models(project);
        using (ModelRegistry.Lock(models))
        {
            var second = Assert.Throws<ModelRegistryException>(() => ModelRegistry.Lock(models));
            Assert.Contains("being changed by another kefu command", second.Message);
            Assert.Contains("nothing was changed", second.Message);
            // a training run that finishes while a promote holds the lock: refused, its archive not left half-registered
            Assert.Throws<ModelRegistryException>(() => Train(project));
        }
        Assert.Equal(["v1"], ModelRegistry.Read(models).Versions.Select(v => v.Id));
        Assert.Single(Directory.GetFiles(Path.Combine(models, ModelRegistry.VersionsFolder)));
        Assert.Empty(Directory.GetFiles(models, ".training-*"));
        // released with the instance: the next writer gets in
        Assert.Equal("v2", Train(project).Version.Id);
    }

    [Fact]
    public void A_promotion_during_a_training_run_is_kept_and_the_run_is_listed_unpromoted()
    {
        using var project = TempProject.Valid();
        Train(project);
        Train(project);
        string models = Models(project);
        var progress = new Progress(message =>
        {
            // the moment the run starts writing its archive, someone promotes v1
            if (!message.StartsWith("training the NLU", StringComparison.Ordinal)) return;
            using var registry = ModelRegistry.Lock(models);
            registry.Promote("v1", "promote");
            registry.Save();
        });
        var run = RegisteredTraining.Train(RasaProject.Load(project.Dir), candidate: false, testData: null, progress);
        Assert.False(run.Promoted);
        Assert.Contains("changed from v2 to v1", run.Decision);
        var read = ModelRegistry.Read(models);
        Assert.Equal("v1", read.Promoted);
        Assert.Equal(["v1", "v2", "v3"], read.Versions.Select(v => v.Id));
    }

    sealed class Progress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }

    [Fact]
    public void The_gate_promotes_a_candidate_that_is_not_worse_and_refuses_a_worse_one()
    {
        using var project = TempProject.Valid(("tests/fixed.csv", TestSet));
        string test = project.PathOf("tests/fixed.csv");
        var first = Train(project, candidate: true, test);
        Assert.True(first.Promoted);
        Assert.Contains("nothing to compare with", first.Decision);
        Assert.Equal(1.0, first.Version.Test!.IntentAccuracy);

        var same = Train(project, candidate: true, test);
        Assert.True(same.Promoted);   // a tie promotes the newer
        Assert.Equal(1.0, same.PromotedScores!.IntentAccuracy);

        // greet and goodbye swapped: the candidate misreads three of the five test messages
        project.Write("data/nlu.yml", SampleProject.Nlu.Replace("intent: greet", "intent: TMP").Replace("intent: goodbye", "intent: greet").Replace("intent: TMP", "intent: goodbye"));
        var worse = Train(project, candidate: true, test);
        Assert.False(worse.Promoted);
        Assert.Contains("worse than v2", worse.Decision);
        Assert.True(worse.Version.Test!.IntentAccuracy < worse.PromotedScores!.IntentAccuracy);
        var read = ModelRegistry.Read(Models(project));
        Assert.Equal("v2", read.Promoted);
        Assert.Equal(worse.Version.Test, read.Find("v3")!.Test);

        Assert.Throws<ArgumentException>(() => Train(project, candidate: true, test: null));
    }

    [Fact]
    public void The_gate_records_the_promoted_versions_scores_beside_the_candidates()
    {
        using var project = TempProject.Valid(("tests/fixed.csv", TestSet));
        Train(project);                                             // v1, trained without a test set
        Assert.Null(ModelRegistry.Read(Models(project)).Find("v1")!.Test);
        var candidate = Train(project, candidate: true, project.PathOf("tests/fixed.csv"));
        Assert.NotNull(candidate.PromotedScores);
        Assert.Equal(candidate.PromotedScores, ModelRegistry.Read(Models(project)).Find("v1")!.Test);
    }

    [Theory]
    [InlineData("{\"format_version\": 1, \"promoted\": ", "line 1")]
    [InlineData("{\"format_version\": 1, \"promoted\": \"v9\", \"versions\": [], \"history\": []}", "v9 is not among its versions")]
    [InlineData("{\"format_version\": 7, \"promoted\": null, \"versions\": [], \"history\": []}", "format_version 7")]
    [InlineData("{\"format_version\": 1, \"promoted\": null, \"history\": []}", "versions")]
    public void A_damaged_registry_is_a_clear_error_and_touches_no_archive(string json, string why)
    {
        using var project = TempProject.Valid();
        Train(project);
        string models = Models(project);
        File.WriteAllText(ModelRegistry.RegistryPath(models), json);
        foreach (var action in new Action[] { () => ModelRegistry.Read(models), () => ModelRegistry.Lock(models).Dispose(), () => Train(project),
                     () => TrainedBot.LoadOrTrain(project.Dir, null) })
        {
            var e = Assert.Throws<ModelRegistryException>(action);
            Assert.Contains($"{ModelRegistry.RegistryPath(models)} is damaged", e.Message);
            Assert.Contains(why, e.Message);
            Assert.Contains("registry.json.bak", e.Message);
        }
        Assert.True(File.Exists(Path.Combine(models, "versions", "v1.kefu")));
        Assert.Equal(json, File.ReadAllText(ModelRegistry.RegistryPath(models)));
    }

    [Fact]
    public void Serving_loads_the_promoted_version_and_keeps_a_hand_promoted_one_after_the_project_changed()
    {
        using var project = TempProject.Valid();
        Train(project);
        Train(project);
        string models = Models(project);
        Assert.Equal(Path.Combine(models, "versions", "v2.kefu"), TrainedBot.LoadOrTrain(project.Dir, null).ModelPath);

        // a rollback survives a restart although the project changed since v1 was trained
        using (var registry = ModelRegistry.Lock(models))
        {
            registry.Rollback();
            registry.Save();
        }
        project.Write("data/nlu.yml", SampleProject.Nlu.Replace("- 再见", "- 再见\n    - 拜拜"));
        Assert.Equal(Path.Combine(models, "versions", "v1.kefu"), TrainedBot.LoadOrTrain(project.Dir, null).ModelPath);

        // promoted by a training run, a changed project is trained again, as kefu serve always did
        Train(project);
        project.Write("data/nlu.yml", SampleProject.Nlu);
        var bot = TrainedBot.LoadOrTrain(project.Dir, null);
        Assert.Equal(Path.Combine(models, "versions", "v4.kefu"), bot.ModelPath);
        Assert.Equal("v4", ModelRegistry.Read(models).Promoted);
    }
}
