using System.Globalization;
using Kefu.Nlu.Entities;
using Kefu.Projects;
using YamlDotNet.RepresentationModel;

namespace Kefu.Privacy;

/// <summary>
/// endpoints.yml's `privacy:` section, Kefu's own (Rasa reads only the sections it knows, so the file stays Rasa's):
/// <code>
/// privacy:
///   redact: [phone, id_card, bank_card, email, address]   # default [phone, id_card, bank_card]; [] stores text as given
///   patterns:                                            # the project's own, each match replaced by its mask
///     - name: order_number
///       regex: 'SO\d{10}'
///       mask: "[order]"                                  # default "[order_number]"
///   keep_slots: [phone]                                  # slots that keep their value unredacted (the slot only)
///   retention_days: 30                                   # conversations idle longer are deleted; absent: kept
/// </code>
/// Errors are at file:line:column. docs/privacy.md says what each detector finds.
/// </summary>
public sealed record PrivacySettings(Redactor Redactor, IReadOnlySet<string> KeepSlots, int? RetentionDays)
{
    public static PrivacySettings Default { get; } = new(Redactor.Default, new HashSet<string>(), null);

    private static readonly Dictionary<string, PiiDetectors> Names = new(StringComparer.Ordinal)
    {
        ["phone"] = PiiDetectors.Phone,
        ["id_card"] = PiiDetectors.IdCard,
        ["bank_card"] = PiiDetectors.BankCard,
        ["email"] = PiiDetectors.Email,
        ["address"] = PiiDetectors.Address,
    };

    /// <summary>DIR/endpoints.yml's privacy section; <see cref="Default"/> when the file or the section is absent.</summary>
    public static PrivacySettings Load(string projectDirectory)
    {
        var path = Path.Combine(projectDirectory, "endpoints.yml");
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : Default;
    }

    public static PrivacySettings Parse(string yaml, string file)
    {
        if (EndpointsYaml.Section(yaml, file, "privacy") is not { } node) return Default;
        if (node is not YamlMappingNode privacy)
            throw EndpointsYaml.Error(file, node.Start, "privacy must be a mapping, e.g. `privacy: {redact: [phone, id_card, bank_card, email]}`");
        foreach (var (key, _) in privacy.Children)
            if (key is YamlScalarNode { Value: { } name } && name is not ("redact" or "patterns" or "keep_slots" or "retention_days"))
                throw EndpointsYaml.Error(file, key.Start, $"privacy: unknown key '{name}' (known: redact, patterns, keep_slots, retention_days)");

        var detectors = PiiDetectors.Default;
        if (Get(privacy, "redact") is { } redact)
        {
            detectors = PiiDetectors.None;
            foreach (var item in Items(redact, file, "privacy redact"))
                detectors |= Names.TryGetValue(item.Value ?? "", out var d) ? d
                    : throw EndpointsYaml.Error(file, item.Start, $"privacy redact: unknown detector '{item.Value}' (known: {string.Join(", ", Names.Keys)})");
        }

        var patterns = new List<CustomPattern>();
        if (Get(privacy, "patterns") is { } patternsNode)
        {
            if (patternsNode is not YamlSequenceNode list)
                throw EndpointsYaml.Error(file, patternsNode.Start, "privacy patterns must be a list of {name, regex, mask}");
            foreach (var item in list)
                patterns.Add(Pattern(item, file));
        }

        var keep = new HashSet<string>(StringComparer.Ordinal);
        if (Get(privacy, "keep_slots") is { } keepNode)
            foreach (var item in Items(keepNode, file, "privacy keep_slots"))
                keep.Add(item.Value ?? "");

        int? days = null;
        if (EndpointsYaml.Scalar(privacy, "retention_days", file, "privacy") is { } daysNode)
        {
            var text = EndpointsYaml.Substitute(daysNode, file);
            days = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= 1 and <= 36500 ? d
                : throw EndpointsYaml.Error(file, daysNode.Start, $"privacy retention_days \"{text}\" must be a whole number of days from 1 to 36500");
        }
        return new PrivacySettings(new Redactor(detectors, patterns), keep, days);
    }

    private static CustomPattern Pattern(YamlNode item, string file)
    {
        if (item is not YamlMappingNode map)
            throw EndpointsYaml.Error(file, item.Start, "a privacy pattern is a mapping: `- {name: order_number, regex: 'SO\\d{10}'}`");
        foreach (var (key, _) in map.Children)
            if (key is YamlScalarNode { Value: { } k } && k is not ("name" or "regex" or "mask"))
                throw EndpointsYaml.Error(file, key.Start, $"privacy pattern: unknown key '{k}' (known: name, regex, mask)");
        var name = EndpointsYaml.Scalar(map, "name", file, "privacy pattern")?.Value;
        if (string.IsNullOrWhiteSpace(name))
            throw EndpointsYaml.Error(file, map.Start, "a privacy pattern needs a name");
        var regexNode = EndpointsYaml.Scalar(map, "regex", file, "privacy pattern");
        if (string.IsNullOrEmpty(regexNode?.Value))
            throw EndpointsYaml.Error(file, map.Start, $"the privacy pattern '{name}' needs a regex");
        var check = PatternRegex.Check(regexNode.Value);
        if (check.Invalid is { } invalid)
            throw EndpointsYaml.Error(file, regexNode.Start, $"the privacy pattern '{name}' is not a valid regex: {invalid}");
        if (check.SlowOn is { } slow)
            throw EndpointsYaml.Error(file, regexNode.Start,
                $"the privacy pattern '{name}' is too slow (over {PatternRegex.CheckTimeout.TotalMilliseconds} ms on {slow.Length} characters); simplify it");
        var mask = EndpointsYaml.Scalar(map, "mask", file, "privacy pattern")?.Value ?? $"[{name}]";
        return new CustomPattern(name, PatternRegex.Compile(regexNode.Value), mask);
    }

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    /// <summary>A list of names: `[a, b]`, or empty for `[]`, `false` or nothing.</summary>
    private static IEnumerable<YamlScalarNode> Items(YamlNode node, string file, string what) => node switch
    {
        YamlSequenceNode list => list.Children.Select(i => i as YamlScalarNode
            ?? throw EndpointsYaml.Error(file, i.Start, $"{what}: each item must be a single name")),
        YamlScalarNode { Value: null or "" or "null" or "~" or "false" } => [],
        _ => throw EndpointsYaml.Error(file, node.Start, $"{what} must be a list of names, e.g. [phone, email]"),
    };
}
