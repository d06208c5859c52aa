using Kefu.Nlu;
using Kefu.Projects.Yaml;

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
    public static RasaProject Load(string directory)
    {
        var project = Read(directory);
        if (project.Diagnostics.Any(d => d.Severity == Severity.Error)) throw new ProjectException(project.Diagnostics);
        return project;
    }

    /// <summary>
    /// Reads the whole project and returns it with every diagnostic, errors included, without throwing on
    /// bad content; records that had errors are left out. For tools that report rather than use a project.
    /// </summary>
    public static RasaProject Read(string directory)
    {
        var diagnostics = new DiagnosticBag();
        var files = new ProjectFiles(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            diagnostics.Error(new SourceLocation(files.Display(directory), 1, 1), "the project folder does not exist");
            return new RasaProject(directory, NluTrainingData.FromExamples([]), diagnostics.Sorted());
        }

        var domainReader = new DomainReader(diagnostics);
        var domainFiles = files.Domain();
        if (domainFiles.Count == 0)
            diagnostics.Error(new SourceLocation(files.Display(Path.Combine(directory, "domain.yml")), 1, 1),
                "the project has no domain.yml (nor a domain/ folder); the domain lists intents, slots, responses and actions");
        foreach (var path in domainFiles)
            domainReader.Read(YamlSource.Load(path, files.Display(path), diagnostics));

        var config = ProjectConfig.Empty;
        if (files.Config() is { } configPath)
            config = ConfigReader.Read(YamlSource.Load(configPath, files.Display(configPath), diagnostics));
        else
            diagnostics.Warning(new SourceLocation(files.Display(Path.Combine(directory, "config.yml")), 1, 1),
                "the project has no config.yml; Kefu's default pipeline and policies are used");

        if (files.Endpoints() is { } endpointsPath)
            ServiceFilesReader.CheckEndpoints(YamlSource.Load(endpointsPath, files.Display(endpointsPath), diagnostics));
        if (files.Credentials() is { } credentialsPath)
            ServiceFilesReader.CheckCredentials(YamlSource.Load(credentialsPath, files.Display(credentialsPath), diagnostics));

        var dataFiles = files.Data();
        if (dataFiles.Count == 0)
            diagnostics.Warning(new SourceLocation(files.Display(Path.Combine(directory, "data")), 1, 1),
                "the project has no training data (YAML files under data/)");
        var nlu = new NluReader(diagnostics);
        var stories = new List<Story>();
        var rules = new List<Rule>();
        foreach (var path in dataFiles)
        {
            var source = YamlSource.Load(path, files.Display(path), diagnostics);
            foreach (var (key, keyNode, value) in Sections(source))
            {
                switch (key)
                {
                    case "version": break;
                    case "nlu": nlu.Read(source, value); break;
                    case "stories": stories.AddRange(StoryReader.ReadStories(source, value)); break;
                    case "rules": rules.AddRange(StoryReader.ReadRules(source, value)); break;
                    case "responses": domainReader.ReadResponses(source, value); break;
                    default:
                        source.Warning(keyNode, $"unknown key '{key}' in a training data file is ignored (known keys: version, nlu, stories, rules, responses)");
                        break;
                }
            }
        }

        var testStories = new List<Story>();
        foreach (var path in files.Tests())
        {
            var source = YamlSource.Load(path, files.Display(path), diagnostics);
            foreach (var (key, keyNode, value) in Sections(source))
            {
                if (key == "stories") testStories.AddRange(StoryReader.ReadStories(source, value));
                else if (key != "version")
                    source.Warning(keyNode, $"unknown key '{key}' in a test stories file is ignored (known keys: version, stories)");
            }
        }

        var domain = domainReader.Build();
        var nluData = nlu.Build();
        var validator = new ProjectValidator(domain, diagnostics);
        validator.CheckDomain();
        validator.CheckNlu(nlu.Examples);
        validator.CheckStories("story", stories.Select(s => (s.Name, s.Steps)));
        validator.CheckStories("rule", rules.Select(r => (r.Name, (IReadOnlyList<StoryStep>)[.. r.Condition, .. r.Steps])));
        validator.CheckStories("test story", testStories.Select(s => (s.Name, s.Steps)));

        return new RasaProject(directory, nluData, diagnostics.Sorted())
        {
            Domain = domain,
            Config = config,
            Stories = stories,
            Rules = rules,
            TestStories = testStories,
        };
    }

    private static IEnumerable<(string Key, YamlDotNet.RepresentationModel.YamlNode KeyNode, YamlDotNet.RepresentationModel.YamlNode Value)> Sections(YamlSource source) =>
        source.Root is { } root ? source.Entries(root, "a project file") : [];
}
