using Kefu.Nlu;

namespace Kefu.Projects;

/// <summary>
/// A Rasa 3.x project folder loaded into typed records. Diagnostics holds the warnings (a project with
/// errors is never returned: Load throws).
/// </summary>
public sealed record RasaProject(string Directory, NluTrainingData Nlu, IReadOnlyList<Diagnostic> Diagnostics)
{
    public Domain Domain { get; init; } = Domain.Empty;
    public ProjectConfig Config { get; init; } = ProjectConfig.Empty;
    public IReadOnlyList<Story> Stories { get; init; } = [];
    public IReadOnlyList<Rule> Rules { get; init; } = [];

    /// <summary>Test stories from tests/test_*.yml; their user steps usually carry Text.</summary>
    public IReadOnlyList<Story> TestStories { get; init; } = [];

    /// <summary>Loads domain.yml, config.yml, data/**/*.yml and tests/test_*.yml; throws <see cref="ProjectException"/> with every error.</summary>
    public static RasaProject Load(string directory) =>
        throw new NotImplementedException("Rasa project loading is not written yet");
}
