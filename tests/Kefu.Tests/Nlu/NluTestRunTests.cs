using Kefu.Nlu;
using Kefu.Nlu.Evaluation;

namespace Kefu.Tests.Nlu;

/// <summary>Cross-validation and comparison keep augmented examples (kefu data augment) out of every test part.</summary>
public class NluTestRunTests
{
    static NluTrainingData WithAugmented()
    {
        var real = NluTestData.Intentions().Examples;
        var augmented = real.Select(e => new NluExample(e.Text + " pls", e.Intent, []) { Augmentation = "typos" });
        return NluTrainingData.FromExamples([.. real, .. augmented]);
    }

    static NluModel Train(NluTrainingData data) => NluTrainer.Train(data, NluTestData.FastConfig());

    [Fact]
    public void Cross_validation_tests_every_real_example_once_and_no_augmented_one()
    {
        var data = WithAugmented();
        var perFold = NluCrossValidation.HeldOut(data, 5, seed: 3, Train);
        var tested = perFold.SelectMany(f => f.Intents).Select(r => r.Text).ToList();
        Assert.Equal(NluTestData.Intentions().Examples.Select(e => e.Text).Order(), tested.Order());
        // 10 real examples per intent: 5 folds fit, 11 do not, whatever the 10 augmented ones per intent add.
        Assert.Throws<ArgumentException>(() => NluCrossValidation.HeldOut(data, 11, seed: 3, Train));
    }

    [Fact]
    public void Comparison_trains_with_augmented_examples_and_tests_without_them()
    {
        var tested = new List<int>();
        var comparison = NluTestRun.Compare(WithAugmented(), [("linear", d =>
        {
            tested.Add(d.Examples.Count(e => e.Augmentation is not null));
            return Train(d);
        })], [0, 50], runs: 1);
        Assert.Equal([32, 16], comparison.TrainingExamples[0]);
        Assert.Equal([40, 20], tested); // all 40 augmented at 0% left out, half at 50%
    }
}
