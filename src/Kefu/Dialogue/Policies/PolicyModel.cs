using Kefu.Dialogue.Actions;
using Kefu.Projects;

namespace Kefu.Dialogue.Policies;

/// <summary>
/// The trained dialogue policies as stored in a model archive (JSON). Rasa's policies map as follows:
/// RulePolicy → rules; MemoizationPolicy → memoization; AugmentedMemoizationPolicy, and TEDPolicy
/// (which Kefu approximates), → memoization that forgets old turns when the full history is unknown.
/// </summary>
public sealed record PolicyModel(
    RulePolicyData? Rules,
    MemoizationData? Memoization,
    float CoreFallbackThreshold,
    string CoreFallbackAction)
{
    public const int DefaultMaxHistory = 5;

    public static PolicyModel Train(RasaProject project)
    {
        var config = project.Config;
        var rulePolicy = config.FindPolicy("RulePolicy");
        var memo = config.FindPolicy("MemoizationPolicy");
        var augmented = config.FindPolicy("AugmentedMemoizationPolicy") ?? config.FindPolicy("TEDPolicy");
        bool useDefaults = config.Policies.Count == 0;

        var rules = rulePolicy is not null || useDefaults ? RulePolicy.Train(project.Rules, project.Domain) : null;
        MemoizationData? memoization = null;
        if (memo is not null || augmented is not null || useDefaults)
        {
            int maxHistory = (memo ?? augmented)?.Options.GetInt("max_history", DefaultMaxHistory) ?? DefaultMaxHistory;
            var stories = StoryUnfolder.Unfold(project.Stories, project.Domain);
            memoization = MemoizationPolicy.Train(stories, project.Domain, maxHistory, augmented: augmented is not null || useDefaults);
        }
        return new PolicyModel(
            rules,
            memoization,
            (float)(rulePolicy?.Options.GetDouble("core_fallback_threshold", 0.3) ?? 0.3),
            rulePolicy?.Options.GetString("core_fallback_action_name") ?? ActionNames.DefaultFallback);
    }

    public PolicyEnsemble ToEnsemble()
    {
        var policies = new List<IPolicy>();
        if (Rules is not null) policies.Add(new RulePolicy(Rules));
        if (Memoization is not null) policies.Add(new MemoizationPolicy(Memoization));
        return new PolicyEnsemble(policies, CoreFallbackThreshold, CoreFallbackAction);
    }
}

/// <summary>The policy model's archive form: plain JSON, stable across runs for the same training data.</summary>
public static class PolicyModelJson
{
    private static readonly System.Text.Json.JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static byte[] Serialize(PolicyModel model) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(model, Options);

    public static PolicyModel Deserialize(ReadOnlySpan<byte> json) =>
        System.Text.Json.JsonSerializer.Deserialize<PolicyModel>(json, Options)
        ?? throw new FormatException("the policy model is empty");
}
