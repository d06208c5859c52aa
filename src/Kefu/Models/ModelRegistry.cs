using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kefu.Models;

/// <summary>One registered training run: its archive (models/versions/ID.kefu) and what it was trained from and scored.</summary>
public sealed record ModelVersion(
    string Id,
    string File,
    DateTimeOffset Created,
    string ConfigHash,
    string DataHash,
    string ProjectFingerprint,
    TrainingMetrics Metrics,
    TestScores? Test);

/// <summary>What a training run measures of itself: sizes of its data and how long it took.</summary>
public sealed record TrainingMetrics(int Examples, int Intents, int EntityTypes, int Stories, int Rules, double TrainSeconds);

/// <summary>Intent scores on a fixed test set (<see cref="File"/>, its SHA-256 in <see cref="FileHash"/>).</summary>
public sealed record TestScores(string File, string FileHash, int Examples, double IntentAccuracy, double MacroF1);

/// <summary>One change of the promoted version. How: train, promote, rollback or gate (a candidate that passed).</summary>
public sealed record Promotion(string Version, DateTimeOffset At, string How);

/// <summary>registry.json: the versions, the promoted one and the history of promotions (oldest first).</summary>
public sealed record RegistryContents(
    [property: JsonPropertyName("format_version")] int FormatVersion,
    string? Promoted,
    IReadOnlyList<ModelVersion> Versions,
    IReadOnlyList<Promotion> History) : IFormatVersioned
{
    public static readonly RegistryContents Empty = new(ModelRegistry.FormatVersion, null, [], []);

    public ModelVersion? Find(string id) => Versions.FirstOrDefault(v => v.Id == id);

    public ModelVersion? PromotedVersion => Promoted is null ? null : Find(Promoted);

    /// <summary>
    /// The versions promoted in turn, the current one last: a promotion pushes, a rollback pops. Rolling back twice from
    /// v1 → v2 → v3 gives v2, then v1.
    /// </summary>
    public IReadOnlyList<string> PromotionStack()
    {
        var stack = new List<string>();
        foreach (var p in History)
            if (p.How == "rollback")
            {
                if (stack.Count > 0) stack.RemoveAt(stack.Count - 1);
            }
            else stack.Add(p.Version);
        return stack;
    }

    /// <summary>Whether the promoted version was chosen by a person (promote, rollback), not by a training run.</summary>
    public bool PromotedByHand => History.Count > 0 && History[^1].How is "promote" or "rollback";
}

/// <summary>The registry file is damaged, names an unknown version, or another writer holds its lock.</summary>
public sealed class ModelRegistryException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// PROJECT/models as a registry (docs/models.md, "Versions, promotion and hot reload"):
/// <code>
/// models/registry.json      promoted version, versions with hashes and scores, history of promotions
/// models/registry.json.bak  the file as it was before the last change
/// models/registry.lock      held (flock) by the one process changing the registry
/// models/versions/v3.kefu   one archive per training run, never changed once registered
/// models/model.kefu         a copy of the promoted version: what kefu serve, test and shell load by default
/// </code>
/// Readers take no lock: every file is replaced by rename, so they see the old or the new one whole. Writers open an
/// instance with <see cref="Lock"/>, change it, <see cref="Save"/> and dispose it; a second writer gets a clear error.
/// </summary>
public sealed class ModelRegistry : IDisposable
{
    public const int FormatVersion = 1;
    public const string FileName = "registry.json";
    public const string LockName = "registry.lock";
    public const string VersionsFolder = "versions";

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    readonly FileStream lockFile;

    ModelRegistry(string directory, FileStream lockFile, RegistryContents contents)
    {
        Directory = directory;
        this.lockFile = lockFile;
        Contents = contents;
    }

    /// <summary>The models folder (PROJECT/models).</summary>
    public string Directory { get; }

    public RegistryContents Contents { get; private set; }

    public static string ModelsDirectory(string projectDirectory) => Path.Combine(Path.GetFullPath(projectDirectory), "models");

    public static string RegistryPath(string modelsDirectory) => Path.Combine(modelsDirectory, FileName);

    public static string ArchivePath(string modelsDirectory, ModelVersion version) => Path.Combine(modelsDirectory, version.File);

    /// <summary>The registry as it is now (empty when there is none); a damaged file is a <see cref="ModelRegistryException"/>.</summary>
    public static RegistryContents Read(string modelsDirectory)
    {
        string path = RegistryPath(modelsDirectory);
        var contents = JsonStateFile.Read<RegistryContents>(path, Json, FormatVersion, (why, e) => Damaged(path, why, e));
        if (contents is null) return RegistryContents.Empty;
        if (contents.Versions.GroupBy(v => v.Id).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw Damaged(path, $"version {twice.Key} is listed twice");
        if (contents.Versions.FirstOrDefault(v => !IsSafeFile(v.File)) is { } outside)
            throw Damaged(path, $"version {outside.Id}'s file '{outside.File}' is not under {VersionsFolder}/");
        if (contents.Promoted is { } promoted && contents.Find(promoted) is null)
            throw Damaged(path, $"the promoted version {promoted} is not among its versions");
        return contents;
    }

    static ModelRegistryException Damaged(string path, string why, Exception? inner = null) =>
        new($"{path} is damaged ({why}); the archives in {VersionsFolder}/ are untouched: restore the file from {FileName}.bak, " +
            "or move it away to start a new registry", inner);

    static bool IsSafeFile(string file) =>
        file.StartsWith(VersionsFolder + "/", StringComparison.Ordinal) && !file.Contains("..", StringComparison.Ordinal) && !Path.IsPathRooted(file);

    /// <summary>
    /// Takes the registry's lock for a change. Another process (or instance) holding it is a
    /// <see cref="ModelRegistryException"/> at once: the caller changed nothing and may try again.
    /// </summary>
    /// <param name="wait">How long to retry a held lock first (a training run that finished does not give up its
    /// minutes of work because a promote held the lock for milliseconds).</param>
    public static ModelRegistry Lock(string modelsDirectory, TimeSpan wait = default)
    {
        modelsDirectory = Path.GetFullPath(modelsDirectory);
        System.IO.Directory.CreateDirectory(modelsDirectory);
        string path = Path.Combine(modelsDirectory, LockName);
        FileStream lockFile;
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); ; Thread.Sleep(50))
        {
            try
            {
                // FileShare.None is an flock on Unix and a share mode on Windows: the OS releases it when the process dies.
                lockFile = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                break;
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
            {
                if (clock.Elapsed < wait) continue;
                throw new ModelRegistryException($"the model registry in {modelsDirectory} is being changed by another kefu command " +
                    $"({LockName} is held: a training run registering its model, or a promote or rollback); nothing was changed: " +
                    "try again when it has finished", e);
            }
        }
        try
        {
            return new ModelRegistry(modelsDirectory, lockFile, Read(modelsDirectory));
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Moves a finished archive (written beside the registry, e.g. models/.training-*.kefu) into versions/ under the
    /// next id (v1, v2, ...) and lists it. Not promoted.
    /// </summary>
    public ModelVersion Add(string archivePath, DateTimeOffset created, string configHash, string dataHash, string fingerprint,
        TrainingMetrics metrics, TestScores? test)
    {
        int next = Contents.Versions.Select(v => int.TryParse(v.Id.AsSpan(1), out int n) ? n : 0).DefaultIfEmpty(0).Max() + 1;
        string id = "v" + next;
        string file = $"{VersionsFolder}/{id}.kefu";
        string target = Path.Combine(Directory, file);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // a leftover of a run that failed between this move and Save: never overwritten, the id is taken by the next free one
        while (File.Exists(target))
        {
            id = "v" + ++next;
            file = $"{VersionsFolder}/{id}.kefu";
            target = Path.Combine(Directory, file);
        }
        File.Move(archivePath, target);
        var version = new ModelVersion(id, file, created, configHash, dataHash, fingerprint, metrics, test);
        Contents = Contents with { Versions = [.. Contents.Versions, version] };
        return version;
    }

    /// <summary>Records <paramref name="scores"/> as version <paramref name="id"/>'s test scores (the latest test set it was scored on).</summary>
    public void RecordTest(string id, TestScores scores)
    {
        if (Contents.Find(id) is not { } version) return;
        Contents = Contents with { Versions = [.. Contents.Versions.Select(v => v.Id == id ? version with { Test = scores } : v)] };
    }

    /// <summary>Makes <paramref name="id"/> the promoted version once its archive opens and its checksums match.</summary>
    public ModelVersion Promote(string id, string how)
    {
        var version = Contents.Find(id) ?? throw new ModelRegistryException(
            $"no version {id} in {RegistryPath(Directory)}; the versions are {(Contents.Versions.Count == 0 ? "none yet: run kefu train" : string.Join(", ", Contents.Versions.Select(v => v.Id)))}");
        ModelArchiveReader.Open(ArchivePath(Directory, version));
        Contents = Contents with { Promoted = id, History = [.. Contents.History, new Promotion(id, DateTimeOffset.UtcNow, how)] };
        return version;
    }

    /// <summary>Promotes the version promoted before the current one (<see cref="RegistryContents.PromotionStack"/>).</summary>
    public ModelVersion Rollback()
    {
        var stack = Contents.PromotionStack();
        if (stack.Count < 2)
            throw new ModelRegistryException(Contents.Promoted is null
                ? "nothing to roll back: no version has been promoted"
                : $"nothing to roll back to: {Contents.Promoted} is the first version promoted; promote another with kefu models promote VERSION");
        var previous = Contents.Find(stack[^2])!;
        ModelArchiveReader.Open(ArchivePath(Directory, previous));
        Contents = Contents with { Promoted = previous.Id, History = [.. Contents.History, new Promotion(previous.Id, DateTimeOffset.UtcNow, "rollback")] };
        return previous;
    }

    /// <summary>
    /// Writes the changes: model.kefu becomes a copy of the promoted version, then registry.json is replaced (the old one
    /// kept as registry.json.bak). Each by a temporary file and a rename, so a crash leaves the old or the new file whole.
    /// </summary>
    public void Save()
    {
        string registry = RegistryPath(Directory);
        if (Contents.PromotedVersion is { } promoted)
        {
            string served = Path.Combine(Directory, "model.kefu");
            string copy = served + ".tmp";
            File.Copy(ArchivePath(Directory, promoted), copy, overwrite: true);
            File.Move(copy, served, overwrite: true);
        }
        if (File.Exists(registry)) File.Copy(registry, registry + ".bak", overwrite: true);
        JsonStateFile.Write(registry, Contents, Json);
    }

    public void Dispose() => lockFile.Dispose();
}
