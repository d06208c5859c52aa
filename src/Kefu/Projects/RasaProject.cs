using Kefu.Nlu;

namespace Kefu.Projects;

/// <summary>A Rasa 3.x project folder loaded into typed records.</summary>
public sealed record RasaProject(string Directory, NluTrainingData Nlu, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>Loads domain.yml, config.yml, data/**/*.yml and tests/test_*.yml; throws <see cref="ProjectException"/> with every error.</summary>
    public static RasaProject Load(string directory) =>
        throw new NotImplementedException("Rasa project loading is not written yet");
}
