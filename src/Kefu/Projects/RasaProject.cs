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

    /// <summary>
    /// Loads domain.yml, config.yml, data/**/*.yml and tests/test_*.yml within the limits the environment sets
    /// (<see cref="ProjectLimits.FromEnvironment"/>); throws <see cref="ProjectException"/> with every error.
    /// </summary>
    public static RasaProject Load(string directory) => Throwing(Read(directory));

    public static RasaProject Load(string directory, ProjectLimits limits) => Throwing(Read(directory, limits));

    private static RasaProject Throwing(RasaProject project)
    {
        if (project.Diagnostics.Any(d => d.Severity == Severity.Error)) throw new ProjectException(project.Diagnostics);
        return project;
    }

    /// <summary>
    /// Reads the whole project and returns it with every diagnostic, errors included, without throwing on
    /// bad content; records that had errors are left out. For tools that report rather than use a project.
    /// The limits are the environment's (<see cref="ProjectLimits.FromEnvironment"/>); a malformed setting is an error.
    /// </summary>
    public static RasaProject Read(string directory)
    {
        var (limits, problems) = ProjectLimits.FromEnvironment();
        var project = Read(directory, limits);
        if (problems.Count == 0) return project;
        var at = new SourceLocation(new ProjectFiles(directory).Display(directory), 1, 1);
        return project with { Diagnostics = [.. problems.Select(p => new Diagnostic(Severity.Error, at, p)), .. project.Diagnostics] };
    }

    public static RasaProject Read(string directory, ProjectLimits limits)
    {
        var diagnostics = new DiagnosticBag(limits.MaxDiagnosticsPerFile);
        var files = new ProjectFiles(directory, diagnostics);
        if (!System.IO.Directory.Exists(directory))
        {
            diagnostics.Error(new SourceLocation(files.Display(directory), 1, 1), "the project folder does not exist");
            return new RasaProject(directory, NluTrainingData.FromExamples([]), diagnostics.Sorted());
        }

        long bytesRead = 0;
        YamlSource Load(string path)
        {
            string display = files.Display(path);
            long size = File.Exists(path) ? new FileInfo(path).Length : 0; // an unreadable file is reported by YamlSource.Load
            if (bytesRead + size > limits.MaxProjectBytes && size <= limits.MaxFileBytes)
            {
                diagnostics.Error(new SourceLocation(display, 1, 1),
                    $"this file brings the project's YAML past {limits.MaxProjectBytes} bytes (KEFU_MAX_PROJECT_BYTES); it is not read");
                return YamlSource.Unread(display, diagnostics);
            }
            bytesRead += Math.Min(size, limits.MaxFileBytes);
            return YamlSource.Load(path, display, diagnostics, limits);
        }

        var domainReader = new DomainReader(diagnostics);
        // The first domain and data file whose YAML is broken: checks against them would repeat that one error many times.
        YamlSource? brokenDomain = null, brokenData = null;
        var domainFiles = files.Domain();
        if (domainFiles.Count == 0)
            diagnostics.Error(new SourceLocation(files.Display(Path.Combine(directory, "domain.yml")), 1, 1),
                "the project has no domain.yml (nor a domain/ folder); the domain lists intents, slots, responses and actions");
        foreach (var path in domainFiles)
        {
            var source = Load(path);
            if (source.IsEmpty) WarnEmpty(source, "the domain file is empty; it declares no intents, entities, slots, responses or actions");
            if (source.HasStructureError) brokenDomain ??= source;
            domainReader.Read(source);
        }

        var config = ProjectConfig.Empty;
        if (files.Config() is { } configPath)
        {
            var source = Load(configPath);
            if (source.IsEmpty) WarnEmpty(source, "config.yml is empty; Kefu's default pipeline and policies are used");
            config = ConfigReader.Read(source);
        }
        else
            diagnostics.Warning(new SourceLocation(files.Display(Path.Combine(directory, "config.yml")), 1, 1),
                "the project has no config.yml; Kefu's default pipeline and policies are used");

        YamlSource? endpoints = null;
        if (files.Endpoints() is { } endpointsPath)
        {
            endpoints = Load(endpointsPath);
            ServiceFilesReader.CheckEndpoints(endpoints);
            ServiceFilesReader.CheckPrivacy(endpoints, endpointsPath);
        }
        if (files.Credentials() is { } credentialsPath)
            ServiceFilesReader.CheckCredentials(Load(credentialsPath));

        var dataFiles = files.Data();
        if (dataFiles.Count == 0)
            diagnostics.Warning(new SourceLocation(files.Display(Path.Combine(directory, "data")), 1, 1),
                "the project has no training data (YAML files under data/)");
        var nlu = new NluReader(diagnostics, limits);
        var stories = new List<Story>();
        var rules = new List<Rule>();
        foreach (var path in dataFiles)
        {
            var source = Load(path);
            if (source.IsEmpty) WarnEmpty(source, "the file is empty; it holds no training data");
            if (source.HasStructureError) brokenData ??= source;
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
            var source = Load(path);
            foreach (var (key, keyNode, value) in Sections(source))
            {
                if (key == "stories") testStories.AddRange(StoryReader.ReadStories(source, value));
                else if (key != "version")
                    source.Warning(keyNode, $"unknown key '{key}' in a test stories file is ignored (known keys: version, stories)");
            }
        }

        var domain = domainReader.Build();
        var nluData = nlu.Build();
        // A dialogue-only project reads fine (tests drive the dialogue with given parses), but training refuses it: say so now.
        if (nluData.Examples.Count == 0 && !diagnostics.HasErrors)
            diagnostics.Warning(new SourceLocation(files.Display(Path.Combine(directory, "data")), 1, 1), NoExamples);
        var validator = new ProjectValidator(domain, diagnostics);
        if (brokenDomain is not null)
            diagnostics.Warning(brokenDomain.At(1, 1),
                "the intents, actions, slots and entities that data/ and tests/ name are not checked against the domain until this file's YAML error is fixed");
        else
        {
            validator.CheckDomain();
            if (endpoints is not null) ServiceFilesReader.CheckKeptSlots(endpoints, domain);
            validator.CheckNlu(nlu.Examples, untrainedIntents: brokenData is null);
            validator.CheckStories("story", stories.Select(s => (s.Name, s.Steps)));
            validator.CheckStories("rule", rules.Select(r => (r.Name, (IReadOnlyList<StoryStep>)[.. r.Condition, .. r.Steps])));
            validator.CheckStories("test story", testStories.Select(s => (s.Name, s.Steps)));
            validator.CheckPlaceholders(domainReader.Placeholders,
                [.. stories.SelectMany(s => s.Steps), .. rules.SelectMany(r => r.Steps), .. testStories.SelectMany(s => s.Steps)]);
        }
        RuleConflicts.Check(rules, stories, diagnostics);

        return new RasaProject(directory, nluData, diagnostics.Sorted())
        {
            Domain = domain,
            Config = config,
            Stories = stories,
            Rules = rules,
            TestStories = testStories,
        };
    }

    /// <summary>Why a project without NLU examples cannot be trained (a warning when read, the error when trained).</summary>
    internal const string NoExamples =
        "the project has no NLU examples; kefu train (and kefu serve, which trains) needs at least one intent with examples (an 'nlu:' section in a file under data/)";

    private static void WarnEmpty(YamlSource source, string message) => source.Diagnostics.Warning(source.At(1, 1), message);

    private static IEnumerable<(string Key, YamlDotNet.RepresentationModel.YamlNode KeyNode, YamlDotNet.RepresentationModel.YamlNode Value)> Sections(YamlSource source) =>
        source.Root is { } root ? source.Entries(root, "a project file") : [];
}
