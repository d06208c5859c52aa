using System.Security.Cryptography;
using System.Text;
using Kefu.Models;
using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Nlu.Evaluation;
using Kefu.Projects;

namespace Kefu.Training;

/// <summary>What a registered training run did: its version, whether it was promoted and why (one line).</summary>
public sealed record RegisteredRun(ModelVersion Version, TrainingResult Training, bool Promoted, string Decision,
    TestScores? PromotedScores, string? ComparedWith);

/// <summary>
/// A training run of a project that becomes a version of its registry (<see cref="ModelRegistry"/>). A plain run is
/// promoted, as `kefu train` always replaced models/model.kefu; a candidate (<c>candidate: true</c>) is promoted only
/// through the gate: scored beside the promoted version on the same test set and not worse (<see cref="NotWorse"/>).
/// Retraining from corrections will call this with the corrected data and a candidate.
/// </summary>
public static class RegisteredTraining
{
    /// <summary>How long a finished run waits for the registry's lock before it gives up (and deletes its archive).</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);

    public static RegisteredRun Train(RasaProject project, bool candidate, string? testData, IProgress<string>? progress = null)
    {
        if (candidate && testData is null)
            throw new ArgumentException("a candidate needs --test-data FILE: the fixed test set it is compared with the promoted version on");
        string models = ModelRegistry.ModelsDirectory(project.Directory);
        // Read before training: a damaged registry or test file is reported before minutes of training, not after.
        var atStart = ModelRegistry.Read(models);
        var test = testData is null ? null : TestSet(testData);
        Directory.CreateDirectory(models);
        string temp = Path.Combine(models, $".training-{Guid.NewGuid():N}.kefu");
        try
        {
            var created = DateTimeOffset.UtcNow;
            var trained = ProjectTrainer.Train(project, temp, progress);
            var metrics = new TrainingMetrics(project.Nlu.Examples.Count, trained.Nlu.Intents.Labels.Count,
                trained.Nlu.Entities?.EntityTypes.Count ?? 0, project.Stories.Count, project.Rules.Count, Math.Round(trained.Elapsed.TotalSeconds, 2));
            var scores = test is null ? null : Score(trained.Nlu, testData!, test.Value);
            TestScores? promotedScores = null;
            if (scores is not null && atStart.PromotedVersion is { } current)
            {
                progress?.Report($"scoring the promoted version {current.Id} on {testData}");
                promotedScores = Score(ModelArchive.Load(ModelRegistry.ArchivePath(models, current)).Nlu, testData!, test!.Value);
            }
            using var registry = ModelRegistry.Lock(models, LockWait);
            var version = registry.Add(temp, created, ConfigHash(project.Directory), DataHash(project.Directory),
                Models.DialogueComponent.Fingerprint(project.Directory), metrics, scores);
            // both sides of the comparison stay listed (kefu models list), the promoted version's as of this test set
            if (promotedScores is not null)
                registry.RecordTest(atStart.Promoted!, promotedScores);
            bool promote;
            string decision;
            if (registry.Contents.Promoted != atStart.Promoted)
                (promote, decision) = (false, $"not promoted: the promoted version changed from {atStart.Promoted ?? "none"} to " +
                    $"{registry.Contents.Promoted} while {version.Id} trained; promote it with kefu models promote {version.Id}");
            else if (!candidate)
                (promote, decision) = (true, $"promoted {version.Id}");
            else if (promotedScores is null)
                (promote, decision) = (true, $"promoted {version.Id}: no version was promoted before, nothing to compare with");
            else if (NotWorse(scores!, promotedScores))
                (promote, decision) = (true, $"promoted {version.Id}: not worse than {atStart.Promoted} on {testData}");
            else
                (promote, decision) = (false, $"not promoted: {version.Id} is worse than {atStart.Promoted} on {testData}; it stays listed " +
                    $"(kefu models list) and {atStart.Promoted} stays promoted");
            if (promote) registry.Promote(version.Id, candidate ? "gate" : "train");
            registry.Save();
            return new RegisteredRun(version, trained with { ModelPath = ModelRegistry.ArchivePath(models, version) }, promote, decision,
                promotedScores, atStart.Promoted);
        }
        finally
        {
            // the archive of a run that failed (or met a locked registry) is not a version: nothing listed refers to it
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// The gate's rule: the candidate's intent accuracy on the test set is at least the promoted version's (a tie
    /// promotes the candidate, trained on the newer data).
    /// </summary>
    public static bool NotWorse(TestScores candidate, TestScores promoted) => candidate.IntentAccuracy >= promoted.IntentAccuracy;

    static (IReadOnlyList<NluExample> Examples, string Hash)? TestSet(string file)
    {
        // augmented examples train, never test (as kefu test nlu leaves them out)
        var examples = NluDataReader.Load(file).Examples.Where(e => e.Augmentation is null).ToList();
        if (examples.Count == 0) throw new ArgumentException($"{file}: the test data has no examples");
        return (examples, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))));
    }

    static TestScores Score(NluModel model, string file, (IReadOnlyList<NluExample> Examples, string Hash) test)
    {
        var results = NluTestRun.Evaluate(model, test.Examples).Intents;
        var gold = results.Select(r => r.Gold).ToList();
        var predicted = results.Select(r => r.Predicted).ToList();
        double accuracy = results.Count(r => r.Correct) / (double)results.Count;
        return new TestScores(Path.GetFullPath(file), test.Hash, results.Count, Math.Round(accuracy, 4), Math.Round(NluBenchmark.MacroF1(gold, predicted), 4));
    }

    /// <summary>SHA-256 of config.yml's bytes (empty when the project has none).</summary>
    public static string ConfigHash(string projectDirectory) =>
        Hash(new ProjectFiles(Path.GetFullPath(projectDirectory)).Config() is { } config ? [config] : [], projectDirectory);

    /// <summary>SHA-256 over the names and contents of the files under data/, sorted.</summary>
    public static string DataHash(string projectDirectory) =>
        Hash(new ProjectFiles(Path.GetFullPath(projectDirectory)).BotFiles()
            .Where(f => Path.GetRelativePath(Path.GetFullPath(projectDirectory), f).Replace('\\', '/').StartsWith("data/", StringComparison.Ordinal)), projectDirectory);

    static string Hash(IEnumerable<string> files, string projectDirectory)
    {
        string root = Path.GetFullPath(projectDirectory);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files.Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            var bytes = File.ReadAllBytes(Path.Combine(root, file));
            hash.AppendData(BitConverter.GetBytes((long)bytes.Length));
            hash.AppendData(bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
