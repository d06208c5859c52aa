namespace Kefu.Projects.Yaml;

/// <summary>
/// Collects every diagnostic of a load, so a person sees all problems at once; past
/// <see cref="ProjectLimits.MaxDiagnosticsPerFile"/> in one file the rest are only counted, in one closing line.
/// </summary>
internal sealed class DiagnosticBag(int maxPerFile = int.MaxValue)
{
    // Messages quote names and values from the files; this bounds what one line can echo.
    private const int MaxMessageLength = 800;

    private readonly List<Diagnostic> _items = [];
    private readonly Dictionary<string, int> _countByFile = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SourceLocation First, int Errors, int Warnings)> _hidden = new(StringComparer.Ordinal);

    public bool HasErrors => _items.Any(d => d.Severity == Severity.Error) || _hidden.Values.Any(h => h.Errors > 0);

    public void Error(SourceLocation at, string message) => Add(Severity.Error, at, message);

    public void Warning(SourceLocation at, string message) => Add(Severity.Warning, at, message);

    private void Add(Severity severity, SourceLocation at, string message)
    {
        int count = _countByFile.GetValueOrDefault(at.File);
        if (count >= maxPerFile)
        {
            var (first, errors, warnings) = _hidden.GetValueOrDefault(at.File, (at, 0, 0));
            _hidden[at.File] = severity == Severity.Error ? (first, errors + 1, warnings) : (first, errors, warnings + 1);
            return;
        }
        _countByFile[at.File] = count + 1;
        _items.Add(new(severity, at, Snippets.Quote(message, MaxMessageLength)));
    }

    /// <summary>In file, line, column order; diagnostics at the same place keep the order they were found in.</summary>
    public IReadOnlyList<Diagnostic> Sorted()
    {
        var hidden = _hidden.Select(h => new Diagnostic(h.Value.Errors > 0 ? Severity.Error : Severity.Warning, h.Value.First,
            $"{h.Value.Errors} more error(s) and {h.Value.Warnings} more warning(s) in this file are not shown; " +
            $"only the first {maxPerFile} are (KEFU_MAX_DIAGNOSTICS_PER_FILE)"));
        return _items.Concat(hidden).Select((d, i) => (d, i))
            .OrderBy(x => x.d.Location.File, StringComparer.Ordinal)
            .ThenBy(x => x.d.Location.Line).ThenBy(x => x.d.Location.Column).ThenBy(x => x.i)
            .Select(x => x.d).ToList();
    }
}
