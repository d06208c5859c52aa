namespace Kefu.Knowledge;

/// <summary>
/// One retrievable piece of the knowledge base: an FAQ entry (its phrasings are <see cref="Questions"/>, its text
/// the answer) or a passage of a document. Id is stable across re-indexing: "SOURCE#ENTRY" for FAQ entries,
/// "SOURCE#N" for document passages; Source is the file path relative to the knowledge base's root, Line its line.
/// </summary>
public sealed record Passage(string Id, string Source, int Line, string Title, string Text, IReadOnlyList<string> Questions)
{
    public bool IsFaq => Questions.Count > 0;
}

/// <summary>
/// What a search returns: the passage, its fused score (order only) and a confidence in [0, 1] to compare with a
/// threshold (BM25 over its upper bound, or the cosine similarity when dense retrieval ran; see KnowledgeBase).
/// </summary>
public sealed record RetrievedPassage(string Id, string Source, string Title, string Text, float Score, float Confidence, string? MatchedQuestion)
{
    public static RetrievedPassage From(Passage p, float score, float confidence, string? matched) =>
        new(p.Id, p.Source, p.Title, p.Text, score, confidence, matched);
}

/// <summary>A knowledge file that cannot be read: the message starts with file:line where there is a line.</summary>
/// <param name="column">1-based where known, else 0.</param>
public sealed class KnowledgeFormatException(string file, int line, string message, int column = 0)
    : Exception(line > 0 ? $"{file}:{line}: error: {message}" : $"{file}: error: {message}")
{
    public string File { get; } = file;
    public int Line { get; } = line;
    public int Column { get; } = column;
    /// <summary>The message without the place, for diagnostics that print it themselves.</summary>
    public string Reason { get; } = message;
}
