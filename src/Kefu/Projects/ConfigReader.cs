using Kefu.Projects.Yaml;
using YamlDotNet.RepresentationModel;

namespace Kefu.Projects;

/// <summary>Reads config.yml: recipe, language, assistant_id, pipeline and policies.</summary>
internal static class ConfigReader
{
    // `version` is not read (Rasa ignores it in config.yml too) but projects carry it.
    private static readonly string[] TopLevelKeys = ["version", "recipe", "language", "assistant_id", "pipeline", "policies"];

    public static ProjectConfig Read(YamlSource source)
    {
        if (source.Root is not { } root || YamlSource.IsNull(root)) return ProjectConfig.Empty;
        if (source.Mapping(root, "config.yml") is not { } mapping) return ProjectConfig.Empty;
        source.WarnUnknownKeys(mapping, "config.yml", TopLevelKeys);
        var recipeNode = YamlSource.Get(mapping, "recipe");
        var recipe = source.OptionalString(recipeNode, "recipe");
        if (recipe is not null and not "default.v1")
            source.Warning(recipeNode!, $"the recipe '{recipe}' is not supported; Kefu reads the config as default.v1");
        var pipeline = ReadComponents(source, YamlSource.Get(mapping, "pipeline"), "pipeline");
        var policies = ReadComponents(source, YamlSource.Get(mapping, "policies"), "policies");
        foreach (var component in pipeline.Where(c => !SupportedComponents.Pipeline.Contains(c.Name)))
            source.Diagnostics.Warning(component.Location, $"the pipeline component '{component.Name}' is not supported by Kefu and is ignored");
        foreach (var policy in policies.Where(p => !SupportedComponents.Policies.Contains(p.Name)))
            source.Diagnostics.Warning(policy.Location, SupportedComponents.ApproximatedPolicies.TryGetValue(policy.Name, out var caveat)
                ? caveat : $"the policy '{policy.Name}' is not supported by Kefu and is ignored");
        return new ProjectConfig(recipe,
            source.OptionalString(YamlSource.Get(mapping, "language"), "language"),
            source.OptionalString(YamlSource.Get(mapping, "assistant_id"), "assistant_id"),
            pipeline, policies);
    }

    private static List<ComponentConfig> ReadComponents(YamlSource source, YamlNode? node, string section)
    {
        var components = new List<ComponentConfig>();
        if (node is null) return components;
        foreach (var item in source.Sequence(node, $"'{section}'"))
        {
            if (source.Mapping(item, $"an item of '{section}'") is not { } m) continue;
            if (YamlSource.Get(m, "name") is not { } nameNode)
            {
                source.Error(item, $"an item of '{section}' has no 'name:'; write '- name: ComponentName'");
                continue;
            }
            if (source.String(nameNode, "the component name") is not { } name) continue;
            var options = new List<ComponentOption>();
            foreach (var (key, keyNode, value) in source.Entries(m, name))
                if (key != "name") options.Add(new ComponentOption(key, source.ToJson(value), source.At(keyNode)));
            components.Add(new ComponentConfig(name, new ComponentOptions(options), source.At(nameNode)));
        }
        return components;
    }
}
