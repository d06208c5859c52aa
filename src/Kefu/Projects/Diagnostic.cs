namespace Kefu.Projects;

public enum Severity { Warning, Error }

/// <summary>A place in a project file; Line and Column are 1-based, as editors show them.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>One problem found in a project, printed as "file:line:column: error: message".</summary>
public sealed record Diagnostic(Severity Severity, SourceLocation Location, string Message)
{
    public override string ToString() =>
        $"{Location}: {(Severity == Severity.Error ? "error" : "warning")}: {Message}";
}

/// <summary>Thrown when a project cannot be used; carries every diagnostic found, not just the first.</summary>
public sealed class ProjectException(IReadOnlyList<Diagnostic> diagnostics)
    : Exception(string.Join(Environment.NewLine, diagnostics))
{
    public IReadOnlyList<Diagnostic> Diagnostics { get; } = diagnostics;
}
