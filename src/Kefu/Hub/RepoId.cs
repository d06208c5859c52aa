using System.Text.RegularExpressions;

namespace Kefu.Hub;

/// <summary>
/// Hub repo ids as huggingface_hub's validate_repo_id accepts them: "name" or "org/name", letters, digits, "_", "-"
/// and ".", starting and ending with a letter, digit or "_", no "--" or "..", not ending in ".git", at most 96 characters.
/// </summary>
internal static partial class RepoId
{
    public const int MaxLength = 96;

    public static bool IsValid(string id) =>
        id.Length <= MaxLength && IdRegex().IsMatch(id)
        && !id.Contains("--", StringComparison.Ordinal) && !id.Contains("..", StringComparison.Ordinal)
        && !id.EndsWith(".git", StringComparison.Ordinal);

    public static void Check(string id)
    {
        if (!IsValid(id))
            throw new HubException(HubError.InvalidName,
                $"'{id}' is not a Hugging Face repo id: use org/name as in the model's URL (e.g. sentence-transformers/all-MiniLM-L6-v2).");
    }

    /// <summary>A revision goes into URLs (escaped) and refs/{revision}: refuse empty names and "." or ".." segments.</summary>
    public static void CheckRevision(string revision)
    {
        if (revision.Length == 0 || revision.Split('/').Any(s => s.Length == 0 || s is "." or "..") || revision.Contains('\\'))
            throw new HubException(HubError.InvalidName, $"'{revision}' is not a revision: give a branch, a tag or a 40-character commit hash.");
    }

    [GeneratedRegex(@"^([A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?/)?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$")]
    private static partial Regex IdRegex();
}
