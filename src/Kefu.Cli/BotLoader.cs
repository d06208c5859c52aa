using Kefu.Cli.Commands;
using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Responses;
using Kefu.Generation.Nlg;
using Kefu.Knowledge;
using Kefu.Models;
using Microsoft.Extensions.Logging;

namespace Kefu.Cli;

/// <summary>How the CLI gets a running bot: the model (trained when needed) and its custom actions.</summary>
internal static class BotLoader
{
    /// <summary>The model, and PROJECT/actions built first (when it has a .csproj): a compile error stops here, before any training.</summary>
    public static TrainedBot LoadOrTrain(string projectDirectory, string? modelPath, TextWriter log)
    {
        ActionsProject.Load(projectDirectory, log);
        return TrainedBot.LoadOrTrain(projectDirectory, modelPath, new SynchronousProgress(log));
    }

    /// <summary>
    /// Custom actions the domain declares come from C#: the project's own (PROJECT/actions, built and run in process,
    /// docs/actions.md) first, then Kefu's knowledge and generation actions; else from the action server named in
    /// endpoints.yml; anything else is an error the agent turns into a polite reply.
    /// </summary>
    /// <param name="projectDirectory">Where PROJECT/actions is: the served project (default: the bot's own project folder,
    /// which for a model loaded from its archive alone is the archive's copy, without actions).</param>
    public static DialogueAgent CreateAgent(TrainedBot bot, IEventStore store, ILogger<DialogueAgent>? logger = null, int? maxEventsInMemory = null,
        KnowledgeService? knowledge = null, IConversationLocks? locks = null, Kefu.Generation.CausalLm.ResponseRewriter? generator = null,
        Kefu.Privacy.PrivacySettings? privacy = null, string? projectDirectory = null, IReminderScheduler? reminders = null)
    {
        var domain = bot.Project.Domain;
        var declared = domain.Actions.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var llmEndpoint = Kefu.Generation.Llm.LlmEndpoint.Load(bot.Project.Directory);
        var llm = llmEndpoint is { } e ? Kefu.Generation.Llm.LlmClient.Create(e) : null;
        // with a knowledge base, the three best passages fill the generator's {passages}
        Func<string, string?>? retrieve = knowledge is null ? null
            : message => knowledge.Kb.Search(message, 3) is { Count: > 0 } found ? string.Join("\n", found.Select(p => p.Text)) : null;
        IAction[] generated = generator is null ? [] : [new GenerateResponseAction(generator, retrieve)];
        // later entries win in the registry: the project's own actions over Kefu's of the same name
        var projectActions = ActionsProject.Load(projectDirectory ?? bot.Project.Directory).Select(a => new InProcessAction(a, logger));
        IEnumerable<IAction> knowledgeActions = knowledge?.Actions(bot.Project.Config.Language, llm, logger) ?? [];
        var custom = knowledgeActions.Concat(generated)
            .Concat(projectActions).Where(a => declared.Contains(a.Name)).ToList();
        // console.yml confirm_handoff_below: action_handoff asks first on a low-confidence guess (docs/agents.md). `kefu serve`
        // and `kefu shell` get it, with or without agents.yml; a console.yml with mistakes is reported and not used.
        try
        {
            if (Kefu.Server.Agents.ConsoleSettings.Load(bot.Project.Directory) is { ConfirmHandoffBelow: { } below } console)
                custom.Add(new ConfirmingHandoffAction(below, console.English));
        }
        catch (Kefu.Server.Agents.AgentsFileException problem)
        {
            if (logger is not null)
                logger.LogWarning("console.yml is not used by the dialogue until corrected: {Problems}", problem.Message);
            else
                Console.Error.WriteLine($"warning: console.yml is not used by the dialogue until corrected:\n{problem.Message}");
        }
        // A knowledge action the domain declares but nothing provides would fail at every turn: say so once, now.
        foreach (var name in new[] { KbAnswerAction.ActionName, Kefu.Knowledge.Graph.GraphQueryAction.ActionName, GroundedAnswerAction.ActionName })
            if (declared.Contains(name) && !custom.Any(a => a.Name == name))
            {
                var missing = knowledge is null ? "the project has no knowledge.yml"
                    : name == GroundedAnswerAction.ActionName ? "endpoints.yml has no llm: section" : "knowledge.yml has no graph";
                if (logger is not null)
                    logger.LogWarning("The domain declares {Action}, but {Missing}: the action will fail when predicted (docs/knowledge.md)", name, missing);
                else
                    Console.Error.WriteLine($"warning: the domain declares {name}, but {missing}: the action will fail when predicted (docs/knowledge.md)");
            }
        var endpoint = ActionServerEndpoint.Load(bot.Project.Directory);
        var unknown = endpoint is null ? null : ActionServerAction.Fallback(domain, ActionServerClient.Create(endpoint), logger);
        var options = AgentOptions.For(bot.Project.Config.Language);
        // An action waiting for the LLM must meet the LLM's own timeout first (and answer with the fallback), not the
        // agent's action timeout (which answers with the action-error text).
        if (llmEndpoint is { } llmAt && declared.Contains(GroundedAnswerAction.ActionName) && llmAt.Timeout + TimeSpan.FromSeconds(2) > options.ActionTimeout)
            options = options with { ActionTimeout = llmAt.Timeout + TimeSpan.FromSeconds(2) };
        if (maxEventsInMemory is { } most)
            options = options with { MaxEventsInMemory = most };
        if (locks is not null)
            options = options with { Locks = locks };
        // endpoints.yml privacy: what is masked before it is stored (docs/privacy.md); the caller's is the served project's
        privacy ??= Kefu.Privacy.PrivacySettings.Load(bot.Project.Directory);
        foreach (var kept in privacy.KeepSlots.Where(k => domain.FindSlot(k) is null))
            if (logger is not null)
                logger.LogWarning("endpoints.yml privacy keep_slots names {Slot}, which the domain has no slot of", kept);
            else
                Console.Error.WriteLine($"warning: endpoints.yml privacy keep_slots names {kept}, which the domain has no slot of");
        options = options with
        {
            Privacy = privacy,
            ResponseGenerator = ResponseGenerator(projectDirectory ?? bot.Project.Directory, generator, logger),
            Reminders = reminders,
        };
        return BotFactory.CreateAgent(domain, bot.Nlu, bot.Policies, store, custom, unknown, options, logger);
    }

    /// <summary>
    /// endpoints.yml `nlg:` as the bot's NLG (docs/generation.md): a url is an NLG server asked for every response, a local
    /// model with `rewrite_responses: true` rewrites them; otherwise the domain's templates are sent as written.
    /// </summary>
    private static IResponseGenerator? ResponseGenerator(string projectDirectory, Kefu.Generation.CausalLm.ResponseRewriter? generator, ILogger? logger) =>
        LocalNlgConfig.LoadServer(projectDirectory) is { } server ? CallbackResponseGenerator.Create(server, logger)
        : generator is not null && LocalNlgConfig.Load(projectDirectory) is { RewriteResponses: true } ? new LocalResponseGenerator(generator)
        : null;
}
