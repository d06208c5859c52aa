using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Kefu.Models;

namespace Kefu.Experiments;

/// <summary>An arm of a live experiment: its name (A, B), the registry version serving it and its relative weight.</summary>
public sealed record ExperimentArm(string Name, string Version, double Weight);

/// <summary>
/// One A/B test of model versions served live (docs/experiments.md, "Live experiments"). Running while
/// <see cref="Stopped"/> is null; <see cref="Promoted"/> names the arm promoted when it ended that way.
/// </summary>
public sealed record LiveExperiment(string Name, IReadOnlyList<ExperimentArm> Arms, DateTimeOffset Started,
    DateTimeOffset? Stopped = null, string? Promoted = null)
{
    [JsonIgnore] public bool Running => Stopped is null;

    /// <summary>The baseline arm (A): the first.</summary>
    [JsonIgnore] public ExperimentArm Baseline => Arms[0];

    public ExperimentArm? Arm(string name) => Arms.FirstOrDefault(a => a.Name == name);

    public ArmAssigner Assigner() => new(Name, Arms.Select(a => new Arm(a.Name, a.Weight)).ToList());

    /// <summary>What a server serves for this experiment: it loads again when this changes.</summary>
    [JsonIgnore]
    public string ServingKey => "experiment " + Name + ": " + string.Join(", ",
        Arms.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Name}={a.Version} ({a.Weight:R})")));
}

/// <summary>models/experiments.json: every experiment, at most one running, oldest first.</summary>
public sealed record ExperimentsContents(
    [property: JsonPropertyName("format_version")] int FormatVersion,
    IReadOnlyList<LiveExperiment> Experiments) : IFormatVersioned
{
    public static readonly ExperimentsContents Empty = new(LiveExperiments.FormatVersion, []);

    [JsonIgnore] public LiveExperiment? Running => Experiments.FirstOrDefault(e => e.Running);

    public LiveExperiment? Find(string name) => Experiments.FirstOrDefault(e => e.Name == name);

    /// <summary>The running experiment, else the one started last; null when there is none.</summary>
    [JsonIgnore] public LiveExperiment? Current => Running ?? (Experiments.Count > 0 ? Experiments[^1] : null);
}

/// <summary>experiments.json is damaged, or a change to it is refused (unknown version, one already running, bad weight).</summary>
public sealed class ExperimentException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// The live experiments of PROJECT/models, kept in models/experiments.json beside the registry and changed under the
/// registry's lock (<see cref="ModelRegistry.Lock"/>), so a start, stop or promote never interleaves with a training run
/// registering its model. Written by a temporary file and a rename: a reader (the server's watcher) sees it whole.
/// </summary>
public static class LiveExperiments
{
    public const int FormatVersion = 1;
    public const string FileName = "experiments.json";
    public const string A = "A";
    public const string B = "B";

    static readonly Regex Names = new("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant);

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static string PathIn(string modelsDirectory) => Path.Combine(modelsDirectory, FileName);

    /// <summary>The experiments as they are now (none when the file does not exist); a damaged file is an <see cref="ExperimentException"/>.</summary>
    public static ExperimentsContents Read(string modelsDirectory)
    {
        string path = PathIn(modelsDirectory);
        var contents = JsonStateFile.Read<ExperimentsContents>(path, Json, FormatVersion, (why, e) => Damaged(path, why, e));
        if (contents is null) return ExperimentsContents.Empty;
        if (contents.Experiments.GroupBy(e => e.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw Damaged(path, $"experiment {twice.Key} is listed twice");
        if (contents.Experiments.Count(e => e.Running) > 1)
            throw Damaged(path, $"experiments {string.Join(" and ", contents.Experiments.Where(e => e.Running).Select(e => e.Name))} are both running");
        foreach (var experiment in contents.Experiments)
        {
            if (!Names.IsMatch(experiment.Name)) throw Damaged(path, $"'{experiment.Name}' is not an experiment name ({NameRule})");
            try
            {
                experiment.Assigner();
            }
            catch (ArgumentException e)
            {
                throw Damaged(path, e.Message, e);
            }
        }
        return contents;
    }

    const string NameRule = "letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit";

    static ExperimentException Damaged(string path, string why, Exception? inner = null) =>
        new($"{path} is damaged ({why}); correct it, or move it away (a running experiment then stops)", inner);

    /// <summary>
    /// Starts an experiment: arm A serves <paramref name="a"/> (default: the promoted version), arm B <paramref name="b"/>,
    /// which gets the share <paramref name="weight"/> of the conversations. Both archives must open. Written at once.
    /// </summary>
    public static LiveExperiment Start(ModelRegistry registry, string b, string? a, double weight, string? name, DateTimeOffset now)
    {
        if (!(weight > 0 && weight < 1))
            throw new ExperimentException($"--weight must be between 0 and 1 (B's share of the conversations), got {weight.ToString(CultureInfo.InvariantCulture)}");
        var experiments = Read(registry.Directory);
        if (experiments.Running is { } running)
            throw new ExperimentException($"experiment {running.Name} is running ({Describe(running)}, since {running.Started.UtcDateTime:yyyy-MM-dd HH:mm} UTC); " +
                "one experiment runs at a time: end it with kefu ab stop or kefu ab promote first");
        a ??= registry.Contents.Promoted ?? throw new ExperimentException(
            "no version is promoted to be arm A: name one with --a VERSION (see kefu models list)");
        var versionA = Version(registry, a);
        var versionB = Version(registry, b);
        if (versionA.Id == versionB.Id)
            throw new ExperimentException($"arms A and B both serve {a}: an experiment compares two versions (give --b another one)");
        if (name is not null && !Names.IsMatch(name)) throw new ExperimentException($"--name '{name}' is not an experiment name ({NameRule})");
        if (name is not null && experiments.Find(name) is not null)
            throw new ExperimentException($"an experiment named {name} was run before; give another --name (a name assigns conversations to arms)");
        name ??= Enumerable.Range(1, int.MaxValue).Select(n => n == 1 ? $"{a}-vs-{b}" : $"{a}-vs-{b}-{n}").First(n => experiments.Find(n) is null);
        foreach (var version in new[] { versionA, versionB })
            ModelArchiveReader.Open(ModelRegistry.ArchivePath(registry.Directory, version));
        var experiment = new LiveExperiment(name, [new(A, versionA.Id, 1 - weight), new(B, versionB.Id, weight)], now);
        Write(registry.Directory, experiments with { Experiments = [.. experiments.Experiments, experiment] });
        return experiment;
    }

    /// <summary>Stops the running experiment: every conversation goes back to the promoted version.</summary>
    public static LiveExperiment Stop(ModelRegistry registry, DateTimeOffset now) => End(registry, now, promoted: null);

    /// <summary>
    /// Promotes <paramref name="arm"/>'s version through the registry (saved: model.kefu and registry.json) and stops the
    /// running experiment, recording which arm won.
    /// </summary>
    public static (LiveExperiment Experiment, ModelVersion Version) Promote(ModelRegistry registry, string arm, DateTimeOffset now)
    {
        var running = RunningIn(registry);
        var chosen = running.Arm(arm) ?? throw new ExperimentException(
            $"experiment {running.Name} has no arm '{arm}'; its arms are {string.Join(", ", running.Arms.Select(x => x.Name))}");
        var version = registry.Promote(chosen.Version, "promote");
        registry.Save();
        return (End(registry, now, chosen.Name), version);
    }

    static LiveExperiment End(ModelRegistry registry, DateTimeOffset now, string? promoted)
    {
        var experiments = Read(registry.Directory);
        var running = RunningIn(registry);
        var stopped = running with { Stopped = now, Promoted = promoted };
        Write(registry.Directory, experiments with { Experiments = [.. experiments.Experiments.Select(e => e.Name == running.Name ? stopped : e)] });
        return stopped;
    }

    static LiveExperiment RunningIn(ModelRegistry registry) => Read(registry.Directory).Running
        ?? throw new ExperimentException("no experiment is running (kefu ab start begins one)");

    /// <summary>"A = v1 (50%), B = v2 (50%)".</summary>
    public static string Describe(LiveExperiment experiment)
    {
        double total = experiment.Arms.Sum(a => a.Weight);
        return string.Join(", ", experiment.Arms.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Name} = {a.Version} ({100 * a.Weight / total:0.#}%)")));
    }

    static ModelVersion Version(ModelRegistry registry, string id) => registry.Contents.Find(id) ?? throw new ExperimentException(
        $"no version {id} in {ModelRegistry.RegistryPath(registry.Directory)}; the versions are " +
        (registry.Contents.Versions.Count == 0 ? "none yet: run kefu train" : string.Join(", ", registry.Contents.Versions.Select(v => v.Id))));

    static void Write(string modelsDirectory, ExperimentsContents contents) => JsonStateFile.Write(PathIn(modelsDirectory), contents, Json);

    /// <summary>
    /// The arm a report says to promote: A when B is worse on any metric, else B when it is better on any, else none
    /// (no difference yet, or not enough data).
    /// </summary>
    public static string? Winner(AbReport report, string challenger)
    {
        var verdicts = report.Metrics.SelectMany(m => m.Comparisons).Where(c => c.Arm == challenger).Select(c => c.Verdict).ToList();
        return verdicts.Contains(Verdict.BWorse) ? report.Baseline : verdicts.Contains(Verdict.BBetter) ? challenger : null;
    }
}
