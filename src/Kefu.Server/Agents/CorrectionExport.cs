using Kefu.Data;
using Kefu.Dialogue;
using Kefu.Nlu;

namespace Kefu.Server.Agents;

public sealed record ExportResponse(string Path, int Written, IReadOnlyList<string> Duplicates, IReadOnlyList<string> Conflicts, IReadOnlyList<string> Problems);

/// <summary>
/// The correction inbox's export (docs/agents.md, "Correction inbox"): every confirmed and corrected decision, its text
/// read from the event store, rewritten whole into PROJECT/data/corrections.yml by <see cref="CorrectionsYaml"/>.
/// One implementation for the console's route (POST /console/api/corrections/export) and the CLI
/// (`kefu corrections export`, `kefu train --retrain-from-corrections`), so both write the same file.
/// </summary>
public static class CorrectionExport
{
    /// <summary>Decisions that make training data: confirmed and corrected, not dismissed.</summary>
    public static int ReviewedCount(IReadOnlyDictionary<(string ConversationId, int Index), CorrectionDecision> decisions) =>
        decisions.Values.Count(d => d.Kind != "dismiss");

    /// <summary>
    /// Writes the file (to a temporary file first, then moved over the old one: two exports at once each write their
    /// own, the last move wins). An erased conversation's items are left out and named in Problems.
    /// </summary>
    /// <exception cref="IOException">the file cannot be written (also <see cref="UnauthorizedAccessException"/>)</exception>
    public static async Task<ExportResponse> WriteAsync(IEventStore store,
        IReadOnlyDictionary<(string ConversationId, int Index), CorrectionDecision> decisions, string projectDirectory, CancellationToken ct)
    {
        var reviewed = new List<ReviewedExample>();
        var gone = new List<string>();
        foreach (var ((id, index), d) in decisions.Where(d => d.Value.Kind != "dismiss"))
        {
            var events = await store.LoadAsync(id, ct);
            if (CorrectionInbox.Message(id, events, index) is not { } message)
            {
                gone.Add($"conversation \"{id}\" no longer has its message {index} (erased?): left out");
                continue;
            }
            var spans = d.Entities.Where(e => e.Start is not null && e.End is not null)
                .Select(e => new EntitySpan(e.Start!.Value, e.End!.Value, e.Entity, e.Value)).ToList();
            var verb = d.Kind == "confirm" ? "confirmed" : $"corrected from {message.Intent ?? "no intent"}";
            reviewed.Add(new ReviewedExample(new NluExample(message.Text, d.Intent!, spans) { Context = CorrectionInbox.PreviousBotMessage(events, index) },
                $"conversation {id}, message {index}, {message.At.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}, {verb} by {d.DecidedBy} at {d.At.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}"));
        }
        var (project, unreadable) = CorrectionsYaml.ProjectExamples(projectDirectory);
        var export = CorrectionsYaml.Build(reviewed, project);
        var path = Path.GetFullPath(Path.Combine(projectDirectory, CorrectionsYaml.RelativePath));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllTextAsync(temporary, export.Yaml, ct);
        File.Move(temporary, path, overwrite: true);
        return new ExportResponse(path, export.Written, export.Duplicates, export.Conflicts, [.. unreadable, .. export.Problems, .. gone]);
    }
}
