namespace Kefu.Projects.Yaml;

/// <summary>Collects every diagnostic of a load, so a person sees all problems at once.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public bool HasErrors => _items.Any(d => d.Severity == Severity.Error);

    public void Error(SourceLocation at, string message) => _items.Add(new(Severity.Error, at, message));

    public void Warning(SourceLocation at, string message) => _items.Add(new(Severity.Warning, at, message));

    /// <summary>In file, line, column order; diagnostics at the same place keep the order they were found in.</summary>
    public IReadOnlyList<Diagnostic> Sorted() =>
        _items.Select((d, i) => (d, i))
            .OrderBy(x => x.d.Location.File, StringComparer.Ordinal)
            .ThenBy(x => x.d.Location.Line).ThenBy(x => x.d.Location.Column).ThenBy(x => x.i)
            .Select(x => x.d).ToList();
}
