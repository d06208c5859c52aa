using Kefu.Nlu.Evaluation;
using Kefu.Projects;
using Kefu.Training;

namespace Kefu.Tests.Nlu;

/// <summary>
/// The flagship's NLU, trained as its config.yml says, on messages it never trained on
/// (samples/ecommerce-zh/tests/nlu_heldout.yml): a drop in accuracy is a regression of the data or of the NLU.
/// </summary>
public class SampleHeldOutTests
{
    static readonly string Sample = Path.Combine(RepoPaths.Root, "samples", "ecommerce-zh");
    static readonly string HeldOutFile = Path.Combine(Sample, "tests", "nlu_heldout.yml");

    [Fact]
    public void The_flagship_understands_messages_it_never_trained_on()
    {
        var project = RasaProject.Load(Sample);
        var heldOut = NluFile.Load(HeldOutFile);
        var config = ProjectTrainer.NluConfigFor(project);

        var result = NluBenchmark.Run(project.Nlu, heldOut, config, trainer: ProjectTrainer.NluTrainerFor(project.Config, config, null));

        Assert.True(heldOut.Examples.Count >= 150);
        // every intent the bot is trained on, and only those
        Assert.Equal(project.Nlu.Examples.Select(e => e.Intent).Distinct().Order(), heldOut.Examples.Select(e => e.Intent).Distinct().Order());
        // measured 0.915 (README, "How well it understands"); the floor leaves room for a few messages, not for a regression
        Assert.True(result.Accuracy >= 0.88, $"held-out intent accuracy {result.Accuracy:F3}");
    }

    [Fact]
    public void No_held_out_message_is_in_the_training_data()
    {
        static string Key(string text) => new string(text.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
        var training = RasaProject.Load(Sample).Nlu.Examples.Select(e => Key(e.Text)).ToHashSet();

        var leaked = NluFile.Load(HeldOutFile).Examples.Where(e => training.Contains(Key(e.Text))).Select(e => e.Text).ToList();

        Assert.True(leaked.Count == 0, "held-out messages in data/: " + string.Join(", ", leaked));
    }
}
