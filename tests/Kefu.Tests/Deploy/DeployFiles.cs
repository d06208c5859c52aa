using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Kefu.Tests.Deploy;

/// <summary>The files under deploy/, read as the tools that use them would: YAML documents, JSON, the Dockerfile's lines.</summary>
internal static partial class DeployFiles
{
    public static string Dir => Path.Combine(RepoPaths.Root, "deploy");

    public static string PathOf(string relative) => Path.Combine(Dir, relative);

    /// <summary>Metrics another feature adds (feedback, the handoff queue), named by the rules and the dashboard before
    /// this branch's server exports them (docs/monitoring.md, "Where each metric comes from").</summary>
    public static readonly string[] FromOtherFeatures = ["kefu_feedback_thumbs_total", "kefu_feedback_ratings_total", "kefu_handoff_queue_length"];

    /// <summary>Every YAML document of a file (a Kubernetes file may hold several).</summary>
    public static IReadOnlyList<YamlMappingNode> Yaml(string relative)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(PathOf(relative))) stream.Load(reader);
        return stream.Documents.Select(d => Assert.IsType<YamlMappingNode>(d.RootNode)).ToList();
    }

    public static YamlNode At(YamlNode node, params string[] keys)
    {
        foreach (var key in keys)
            node = key.StartsWith('#') ? ((YamlSequenceNode)node)[int.Parse(key[1..])] : ((YamlMappingNode)node)[key];
        return node;
    }

    public static string Scalar(YamlNode node, params string[] keys) => ((YamlScalarNode)At(node, keys)).Value!;

    public static IEnumerable<YamlNode> All(YamlNode node) => node switch
    {
        YamlMappingNode m => [m, .. m.Children.SelectMany(c => All(c.Key).Concat(All(c.Value)))],
        YamlSequenceNode s => [s, .. s.Children.SelectMany(All)],
        _ => [node],
    };

    public static IEnumerable<string> YamlFiles() =>
        Directory.EnumerateFiles(Dir, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Dir, f).Replace('\\', '/')).Order(StringComparer.Ordinal);

    /// <summary>The Kubernetes probes' paths: readiness and liveness (and startup) of deploy/k8s/deployment.yaml.</summary>
    public static IReadOnlyList<string> ProbePaths()
    {
        var container = At(Yaml("k8s/deployment.yaml").Single(), "spec", "template", "spec", "containers", "#0");
        return new[] { "readinessProbe", "livenessProbe", "startupProbe" }
            .Select(p => Scalar(container, p, "httpGet", "path")).Distinct().ToList();
    }

    /// <summary>The command of the Dockerfile's HEALTHCHECK (continued lines joined), as `CMD` would hand it to sh.</summary>
    public static string HealthcheckCommand()
    {
        var text = File.ReadAllText(PathOf("Dockerfile")).Replace("\\\n", " ");
        var line = text.Split('\n').Single(l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal));
        var command = line[(line.IndexOf(" CMD ", StringComparison.Ordinal) + 5)..].Trim();
        // CMD bash -c '...': the quoted script is what bash runs.
        Assert.StartsWith("bash -c '", command);
        Assert.EndsWith("'", command);
        return command["bash -c '".Length..^1];
    }

    /// <summary>The PromQL of the alert rules (and recording rules) and of the dashboard's panels.</summary>
    public static IEnumerable<string> Queries()
    {
        foreach (var group in (YamlSequenceNode)At(Yaml("prometheus/alerts.yml").Single(), "groups"))
            foreach (var rule in (YamlSequenceNode)At(group, "rules"))
                yield return Scalar(rule, "expr");
        using var dashboard = JsonDocument.Parse(File.ReadAllText(PathOf("grafana/dashboards/kefu.json")));
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
                yield return target.GetProperty("expr").GetString()!;
    }

    /// <summary>The metric names the queries read: kefu_*, dotnet_* and up; not recording rules (kefu:...), labels or functions.</summary>
    public static IReadOnlyList<string> MetricNames() =>
        Queries().SelectMany(q => MetricName().Matches(StringLiterals().Replace(q, "\"\"")).Select(m => m.Value))
            .Where(n => n != "up").Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Whether /metrics' text has the metric (a histogram's _bucket, _sum and _count are its own), or another feature adds it.</summary>
    public static bool Exported(string name, string metricsText)
    {
        if (FromOtherFeatures.Contains(name)) return true;
        var family = Regex.Replace(name, "_(bucket|sum|count)$", "");
        return metricsText.Contains($"# TYPE {name} ", StringComparison.Ordinal)
            || metricsText.Contains($"# TYPE {family} histogram\n", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(?<![\w:])(kefu_[a-z0-9_]+|dotnet_[a-z0-9_]+|up)\b")]
    private static partial Regex MetricName();

    [GeneratedRegex("\"[^\"]*\"")]
    private static partial Regex StringLiterals();
}
