using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Nlu.Evaluation;

namespace Kefu.Tests.Nlu;

public class Banking77SmokeTests
{
    [DatasetFact("banking77/train.csv")]
    public void A_quarter_of_banking77_already_classifies_most_of_the_test_set()
    {
        string folder = Path.Combine(RepoPaths.Shared, "datasets", "banking77");
        var train = NluDataReader.Load(Path.Combine(folder, "train.csv")).Examples.Where((_, i) => i % 4 == 0).ToList();
        var test = NluDataReader.Load(Path.Combine(folder, "test.csv")).Examples.Where((_, i) => i % 6 == 0).ToList();
        var result = NluBenchmark.Run(NluTrainingData.FromExamples(train), NluTrainingData.FromExamples(test), NluConfig.Default);
        Assert.True(result.Accuracy > 0.75, $"accuracy {result.Accuracy:F3}");
    }
}
