using System.Text.Json;
using Kefu.Cli;
using Kefu.Cli.Commands;
using YamlDotNet.RepresentationModel;
using static Kefu.Tests.Deploy.DeployFiles;

namespace Kefu.Tests.Deploy;

/// <summary>
/// deploy/ as far as it can be checked without Docker and Kubernetes (neither runs here): the files parse, name real
/// options, paths, routes and each other, and hold the seed system's limits. The metrics they read are checked against a
/// running server's /metrics in <see cref="ServeShutdownProcessTests"/>, the alert rules by promtool in <see cref="PromtoolTests"/>.
/// </summary>
public class DeployFilesTests
{
    private static readonly HashSet<string> OptionVariables =
        [.. EnvironmentOptions.Of(EnvironmentOptions.Enable(ServeCommand.Create())).Select(EnvironmentOptions.VariableOf)];

    [Fact]
    public void Every_yaml_and_json_file_parses()
    {
        var files = YamlFiles().ToList();
        Assert.Contains("compose.yaml", files);
        Assert.Contains("k8s/deployment.yaml", files);
        foreach (var file in files)
            Assert.NotEmpty(Yaml(file));
        using var dashboard = JsonDocument.Parse(File.ReadAllText(PathOf("grafana/dashboards/kefu.json")));
        Assert.NotEmpty(dashboard.RootElement.GetProperty("panels").EnumerateArray());
    }

    [Fact]
    public void Every_KEFU_variable_the_files_set_is_a_serve_option_s_variable()
    {
        var set = new List<(string File, string Variable)>();
        foreach (var (key, _) in Mapping(At(Yaml("k8s/configmap.yaml").Single(), "data")))
            if (key.StartsWith("KEFU_", StringComparison.Ordinal)) set.Add(("k8s/configmap.yaml", key));
        foreach (var (key, _) in Mapping(At(Yaml("compose.yaml").Single(), "services", "kefu", "environment")))
            set.Add(("compose.yaml", key));
        foreach (var env in All(Yaml("k8s/deployment.yaml").Single()).OfType<YamlMappingNode>())
            if (env.Children.TryGetValue("name", out var name) && env.Children.ContainsKey("valueFrom"))
                set.Add(("k8s/deployment.yaml", ((YamlScalarNode)name).Value!));
        foreach (var line in File.ReadAllText(PathOf("Dockerfile")).Replace("\\\n", " ").Split('\n').Where(l => l.StartsWith("ENV ", StringComparison.Ordinal)))
            foreach (var word in line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                set.Add(("Dockerfile", word.Split('=')[0]));

        var kefu = set.Where(s => s.Variable.StartsWith("KEFU_", StringComparison.Ordinal)).ToList();
        Assert.Contains(("Dockerfile", "KEFU_PROJECT"), kefu);
        Assert.Contains(("k8s/configmap.yaml", "KEFU_LOG_FORMAT"), kefu);
        Assert.Contains(("k8s/deployment.yaml", "KEFU_TOKEN"), kefu);
        Assert.DoesNotContain(kefu, s => !OptionVariables.Contains(s.Variable));
    }

    [Fact]
    public void The_deployment_has_the_seed_s_limits_probes_and_the_names_of_its_config_map()
    {
        var deployment = Yaml("k8s/deployment.yaml").Single();
        var pod = At(deployment, "spec", "template");
        var container = At(pod, "spec", "containers", "#0");
        foreach (var kind in new[] { "requests", "limits" })
        {
            Assert.Equal("2", Scalar(container, "resources", kind, "cpu"));
            Assert.Equal("4Gi", Scalar(container, "resources", kind, "memory"));
        }
        Assert.Equal("/readyz", Scalar(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/healthz", Scalar(container, "livenessProbe", "httpGet", "path"));
        foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
        {
            Assert.Equal("5", Scalar(container, probe, "timeoutSeconds"));
            Assert.Equal("http", Scalar(container, probe, "httpGet", "port"));
        }
        var configMap = Yaml("k8s/configmap.yaml").Single();
        var port = Scalar(configMap, "data", "KEFU_PORT");
        Assert.Equal(port, Scalar(container, "ports", "#0", "containerPort"));
        Assert.Equal(Scalar(configMap, "metadata", "name"), Scalar(container, "envFrom", "#0", "configMapRef", "name"));
        // The endpoints.yml it mounts is one the server reads: PostgreSQL and Redis, the password from the environment.
        var endpoints = Kefu.Server.Storage.StoreEndpoints.Parse(Scalar(configMap, "data", "endpoints.yml").Replace("${DB_PASSWORD}", "x"), "endpoints.yml", "/bot");
        Assert.NotNull(endpoints.PostgresConnectionString);
        Assert.NotNull(endpoints.RedisLocks);
        // The shutdown finishes before Kubernetes kills the pod.
        Assert.True(int.Parse(Scalar(pod, "spec", "terminationGracePeriodSeconds")) > int.Parse(Scalar(configMap, "data", "KEFU_SHUTDOWN_TIMEOUT")));
        Assert.Equal("true", Scalar(pod, "spec", "securityContext", "runAsNonRoot"));

        var labels = Scalar(pod, "metadata", "labels", "app.kubernetes.io/name");
        var service = Yaml("k8s/service.yaml").Single();
        Assert.Equal(labels, Scalar(service, "spec", "selector", "app.kubernetes.io/name"));
        Assert.Equal("http", Scalar(service, "spec", "ports", "#0", "targetPort"));
        var hpa = Yaml("k8s/hpa.yaml").Single();
        Assert.Equal(Scalar(deployment, "metadata", "name"), Scalar(hpa, "spec", "scaleTargetRef", "name"));
        Assert.Equal("cpu", Scalar(hpa, "spec", "metrics", "#0", "resource", "name"));
        Assert.Equal("70", Scalar(hpa, "spec", "metrics", "#0", "resource", "target", "averageUtilization"));
    }

    [Fact]
    public void Compose_runs_the_five_services_with_files_that_exist()
    {
        var compose = Yaml("compose.yaml").Single();
        var services = Mapping(At(compose, "services")).Select(s => s.Key).ToList();
        Assert.Equal(["kefu", "postgres", "redis", "prometheus", "grafana"], services);
        Assert.True(File.Exists(Path.Combine(Dir, Scalar(compose, "services", "kefu", "build", "context"), Scalar(compose, "services", "kefu", "build", "dockerfile"))));
        foreach (var service in services)
            if (((YamlMappingNode)At(compose, "services", service)).Children.TryGetValue("volumes", out var volumes))
                foreach (var volume in ((YamlSequenceNode)volumes).Cast<YamlScalarNode>().Select(v => v.Value!))
                    if (volume.StartsWith("./", StringComparison.Ordinal))
                        Assert.True(Path.Exists(PathOf(volume.Split(':')[0])), $"compose.yaml mounts {volume}, which does not exist");
        // The mounted endpoints.yml is one the server reads.
        var endpoints = Kefu.Server.Storage.StoreEndpoints.Parse(File.ReadAllText(PathOf("compose/endpoints.yml")).Replace("${DB_PASSWORD}", "x"), "endpoints.yml", "/bot");
        Assert.Contains("Host=postgres", endpoints.PostgresConnectionString);
        // Prometheus scrapes the kefu service on its port, and Grafana's dashboard reads the provisioned data source.
        var target = Scalar(Yaml("prometheus/prometheus.yml").Single(), "scrape_configs", "#0", "static_configs", "#0", "targets", "#0");
        Assert.Equal("kefu:" + Scalar(compose, "services", "kefu", "environment", "KEFU_PORT"), target);
        var uid = Scalar(Yaml("grafana/provisioning/datasources/prometheus.yml").Single(), "datasources", "#0", "uid");
        using var dashboard = JsonDocument.Parse(File.ReadAllText(PathOf("grafana/dashboards/kefu.json")));
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
            Assert.Equal(uid, panel.GetProperty("datasource").GetProperty("uid").GetString());
        var dashboards = Scalar(Yaml("grafana/provisioning/dashboards/kefu.yml").Single(), "providers", "#0", "options", "path");
        Assert.Contains(((YamlSequenceNode)At(compose, "services", "grafana", "volumes")).Cast<YamlScalarNode>(), v => v.Value == "./grafana/dashboards:" + dashboards + ":ro");
    }

    [Fact]
    public void The_dockerfile_builds_in_stages_runs_as_a_user_and_checks_health()
    {
        var lines = File.ReadAllText(PathOf("Dockerfile")).Replace("\\\n", " ").Split('\n');
        var from = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, from.Count);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", from[0]);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0", from[1]);
        var user = lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))[5..].Trim();
        Assert.DoesNotContain(user, new[] { "root", "0" });
        Assert.Contains(lines, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal) && l.Contains("--timeout=5s") && l.Contains("/healthz"));
        // Every source the build stage copies from the context exists.
        foreach (var copy in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from")))
            foreach (var source in copy.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
                Assert.True(Path.Exists(Path.Combine(RepoPaths.Root, source)), $"the Dockerfile copies {source}, which does not exist");
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, ".dockerignore")));
    }

    [Fact]
    public void The_rules_and_the_dashboard_read_metrics_and_alert_at_the_issue_s_thresholds()
    {
        var names = MetricNames();
        foreach (var name in new[] { "kefu_http_request_duration_seconds_bucket", "kefu_http_requests_total", "kefu_fallbacks_total", "kefu_messages_total" }
                     .Concat(FromOtherFeatures))
            Assert.Contains(name, names);
        var rules = ((YamlSequenceNode)At(Yaml("prometheus/alerts.yml").Single(), "groups"))
            .SelectMany(g => (YamlSequenceNode)At(g, "rules")).OfType<YamlMappingNode>()
            .Where(r => r.Children.ContainsKey("alert")).ToDictionary(r => Scalar(r, "alert"), r => Scalar(r, "expr"));
        Assert.Contains("> 2.5", rules["KefuSlowResponses"]);
        Assert.Contains("< 0.995", rules["KefuAvailabilityLow"]);
        Assert.Contains("< 0.8", rules["KefuIntentAccuracyLow"]);
        Assert.Contains("kefu_handoff_queue_length", rules["KefuHandoffQueueLong"]);
        Assert.Contains("kefu:fallback:ratio_15m", rules["KefuFallbackRateHigh"]);
    }

    private static IEnumerable<(string Key, YamlNode Value)> Mapping(YamlNode node) =>
        ((YamlMappingNode)node).Children.Select(c => (((YamlScalarNode)c.Key).Value!, c.Value));
}
