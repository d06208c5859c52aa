namespace Kefu.Nlu.Entities;

public sealed record CrfOptions(int Epochs = 40, float LearningRate = 0.05f, float L2 = 1e-4f);

public sealed class EntityExtractor
{
    public IReadOnlyList<string> EntityTypes { get; } = [];
    public IReadOnlyList<EntitySpan> Extract(string text) => [];
}

public static class EntityTrainer
{
    public static EntityExtractor Train(NluTrainingData data, CrfOptions options, int seed) => new();
}
