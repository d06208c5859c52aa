using Kefu.Dialogue;
using Kefu.Models;
using Kefu.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Cli;

/// <summary>
/// How `kefu serve` swaps models while it serves (docs/models.md, "Versions, promotion and hot reload"): the engine is an
/// <see cref="EngineSwitch"/>, PUT /model and the registry watcher load through one <see cref="ModelReloader"/>.
/// </summary>
internal static class ServeModels
{
    /// <summary>How often the registry is read besides the file-change events.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    public static void AddSwappableEngine(IServiceCollection services)
    {
        var engines = new EngineSwitch();
        services.AddSingleton(engines);
        services.AddSingleton<IChatService>(engines);
        services.AddSingleton<ModelReloader>();
    }

    /// <summary>
    /// Serves <paramref name="bot"/> and makes later models loadable; watches the registry unless the model was pinned
    /// with --model. Returns the watcher (dispose it at shutdown), or null.
    /// </summary>
    public static RegistryWatcher? Start(WebApplication app, string projectDirectory, TrainedBot bot, bool pinned, Func<TrainedBot, IChatService> createEngine)
    {
        var reloader = app.Services.GetRequiredService<ModelReloader>();
        string models = ModelRegistry.ModelsDirectory(projectDirectory);
        reloader.ModelsDirectory = models;
        reloader.Loader = path =>
        {
            var loaded = TrainedBot.LoadFor(projectDirectory, path);
            return new LoadedModel(createEngine(loaded), Info(loaded));
        };
        app.Services.GetRequiredService<EngineSwitch>().Swap(createEngine(bot));
        app.Services.GetRequiredService<ServerReadiness>().MarkReady(Info(bot));
        if (pinned) return null;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kefu.Models");
        return new RegistryWatcher(models, RegistryWatcher.VersionOf(models, bot.ModelPath), reloader, logger, CheckInterval,
            app.Services.GetRequiredService<Kefu.Dialogue.IEventStore>());
    }

    static ModelInfo Info(TrainedBot bot) => new(bot.ModelPath, bot.ModelId, bot.TrainedAt);
}
