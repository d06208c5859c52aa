using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Tests.Projects;
using Kefu.Training;

namespace Kefu.Tests.Nlu;

/// <summary>nlu_fallback as Rasa's FallbackClassifier gives it: its threshold, its ambiguity_threshold, nothing without it.</summary>
public class FallbackClassifierTests
{
    private static NluConfig ConfigOf(string configYml)
    {
        using var project = TempProject.Valid(("config.yml", configYml));
        return ProjectTrainer.NluConfigFor(RasaProject.Load(project.Dir));
    }

    [Fact]
    public void The_projects_fallback_classifier_sets_both_thresholds()
    {
        var config = ConfigOf("pipeline:\n  - name: DIETClassifier\n  - name: FallbackClassifier\n    threshold: 0.5\n    ambiguity_threshold: 0.2\n");
        Assert.Equal(0.5f, config.FallbackThreshold);
        Assert.Equal(0.2f, config.AmbiguityThreshold);
        Assert.Equal(0.1f, ConfigOf("pipeline:\n  - name: FallbackClassifier\n").AmbiguityThreshold);
    }

    [Fact]
    public void A_pipeline_without_one_never_falls_back_and_no_pipeline_is_rasas_default()
    {
        Assert.Equal(0f, ConfigOf("pipeline:\n  - name: DIETClassifier\n").FallbackThreshold);
        Assert.Null(ConfigOf("language: zh\n").FallbackThreshold);
    }

    [Fact]
    public void Two_intents_closer_than_the_ambiguity_threshold_are_a_fallback()
    {
        var data = NluTestData.Intentions();
        var clear = NluTrainer.Train(data, NluTestData.FastConfig() with { FallbackThreshold = 0f });
        var strict = NluTrainer.Train(data, NluTestData.FastConfig() with { FallbackThreshold = 0f, AmbiguityThreshold = 1f });
        var text = data.Examples[0].Text;

        Assert.Equal(data.Examples[0].Intent, clear.Parse(text).Intent.Name);
        // No two probabilities differ by a whole 1: every parse is ambiguous, and the ranking keeps the real intents.
        var parse = strict.Parse(text);
        Assert.Equal(NluConfig.FallbackIntent, parse.Intent.Name);
        Assert.Equal(data.Examples[0].Intent, parse.IntentRanking[1].Name);
    }
}
