using System.Globalization;
using Kefu.Dialogue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using YamlDotNet.RepresentationModel;

namespace Kefu.Server.Agents;

/// <summary>
/// PROJECT/console.yml (optional, written by hand; read at start):
/// <code>
/// unclaimed_timeout_seconds: 300   # a handoff nobody claims within this goes back to the bot; absent: it waits
/// </code>
/// </summary>
public sealed record ConsoleSettings(TimeSpan? UnclaimedTimeout)
{
    public const string FileName = "console.yml";

    public static ConsoleSettings Load(string projectDirectory)
    {
        var path = Path.Combine(projectDirectory, FileName);
        if (!File.Exists(path))
            return new ConsoleSettings((TimeSpan?)null);
        var errors = new List<string>();
        TimeSpan? timeout = null;
        var root = YamlFiles.Root(path, errors);
        if (root is not null)
        {
            if (root is not YamlMappingNode map)
                errors.Add(YamlFiles.At(path, root, "expected a mapping such as 'unclaimed_timeout_seconds: 300' (see docs/agents.md)"));
            else
                foreach (var (key, value) in map.Children)
                {
                    var name = (key as YamlScalarNode)?.Value;
                    if (name != "unclaimed_timeout_seconds")
                        errors.Add(YamlFiles.At(path, key, $"unknown key '{name}'; console.yml has 'unclaimed_timeout_seconds'"));
                    else if (value is YamlScalarNode { Value: { } text }
                        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 86400)
                        timeout = TimeSpan.FromSeconds(seconds);
                    else
                        errors.Add(YamlFiles.At(path, value, "unclaimed_timeout_seconds must be a number of seconds from 1 to 86400"));
                }
        }
        if (errors.Count > 0)
            throw new AgentsFileException(string.Join('\n', errors));
        return new ConsoleSettings(timeout);
    }
}

/// <summary>Hands back to the bot every handoff left unclaimed longer than console.yml's unclaimed_timeout_seconds.</summary>
internal sealed class UnclaimedTimeout(ConsoleSettings settings, HandoffQueue queue, IChatService chat, TimeProvider time, ILogger<UnclaimedTimeout> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.UnclaimedTimeout is not { } timeout)
            return;
        // Checked five times per timeout, at most every 5 s: a handoff goes back at most a fifth late.
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Clamp(timeout.TotalSeconds / 5, 0.2, 5)), time);
        try
        {
            await queue.Loaded.WaitAsync(stoppingToken);
            while (await timer.WaitForNextTickAsync(stoppingToken))
                foreach (var entry in queue.Snapshot().Where(e => e.Claim is null && time.GetUtcNow() - e.HandedOffAt >= timeout))
                {
                    // A claim that came in meanwhile wins: checked again just before.
                    if (queue.Find(entry.ConversationId) is not { Claim: null })
                        continue;
                    logger.LogInformation("conversation {Conversation} waited {Seconds:0} s unclaimed: handed back to the bot",
                        entry.ConversationId, timeout.TotalSeconds);
                    await chat.HandBackAsync(entry.ConversationId, stoppingToken);
                }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError("the unclaimed-handoff timeout stopped: {Problem}", e.Message);
        }
    }
}
