using System.Globalization;
using Kefu.Dialogue;
using Kefu.Projects;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using YamlDotNet.RepresentationModel;

namespace Kefu.Server.Agents;

/// <summary>
/// PROJECT/console.yml (optional, written by hand; read at start; docs/agents.md):
/// <code>
/// unclaimed_timeout_seconds: 300   # a handoff nobody claims within this goes back to the bot; absent: it waits
/// working_hours: {time_zone: Asia/Shanghai, days: [mon, tue, wed, thu, fri], from: "09:00", to: "18:00"}
/// offline_message: 人工客服的工作时间是周一至周五 9:00-18:00，客服上班后会尽快回复您。
/// confirm_handoff_below: 0.6      # action_handoff on a guess below this asks first (the engine's: ConfirmingHandoffAction)
/// </code>
/// <see cref="English"/> is config.yml's language (the built-in texts are Chinese unless it is set and not zh).
/// </summary>
public sealed record ConsoleSettings(TimeSpan? UnclaimedTimeout)
{
    public const string FileName = "console.yml";

    /// <summary>Absent: agents answer at any hour.</summary>
    public WorkingHours? WorkingHours { get; init; }

    /// <summary>Said to a customer handed off outside working hours when the domain has no utter_handoff_offline.</summary>
    public string? OfflineMessage { get; init; }

    public bool English { get; init; }

    /// <summary>Absent: action_handoff hands off whatever the confidence of the message that led to it.</summary>
    public float? ConfirmHandoffBelow { get; init; }

    public static ConsoleSettings Load(string projectDirectory)
    {
        var english = IsEnglish(projectDirectory);
        var path = Path.Combine(projectDirectory, FileName);
        if (!File.Exists(path))
            return new ConsoleSettings((TimeSpan?)null) { English = english };
        var errors = new List<string>();
        TimeSpan? timeout = null;
        WorkingHours? hours = null;
        string? offline = null;
        float? confirmBelow = null;
        YamlNode? offlineNode = null;
        var root = YamlFiles.Root(path, errors);
        if (root is not null)
        {
            if (root is not YamlMappingNode map)
                errors.Add(YamlFiles.At(path, root, "expected a mapping such as 'unclaimed_timeout_seconds: 300' (see docs/agents.md)"));
            else
                foreach (var (key, value) in map.Children)
                    switch ((key as YamlScalarNode)?.Value)
                    {
                        case "unclaimed_timeout_seconds":
                            if (value is YamlScalarNode { Value: { } text }
                                && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 86400)
                                timeout = TimeSpan.FromSeconds(seconds);
                            else
                                errors.Add(YamlFiles.At(path, value, "unclaimed_timeout_seconds must be a number of seconds from 1 to 86400"));
                            break;
                        case "working_hours":
                            hours = WorkingHours.Read(path, value, errors);
                            break;
                        case "offline_message":
                            offlineNode = value;
                            if (value is YamlScalarNode { Value: { Length: > 0 } message })
                                offline = message;
                            else
                                errors.Add(YamlFiles.At(path, value, "offline_message must be a text"));
                            break;
                        case "confirm_handoff_below":
                            if (value is YamlScalarNode { Value: { } below }
                                && float.TryParse(below, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold) && threshold is > 0 and <= 1)
                                confirmBelow = threshold;
                            else
                                errors.Add(YamlFiles.At(path, value, "confirm_handoff_below must be a confidence above 0 and at most 1, such as 0.6"));
                            break;
                        default:
                            errors.Add(YamlFiles.At(path, key, $"unknown key '{(key as YamlScalarNode)?.Value}'; console.yml has "
                                + "'unclaimed_timeout_seconds', 'working_hours', 'offline_message' and 'confirm_handoff_below'"));
                            break;
                    }
            if (offlineNode is not null && root is YamlMappingNode m && !m.Children.ContainsKey(new YamlScalarNode("working_hours")))
                errors.Add(YamlFiles.At(path, offlineNode, "offline_message is said outside working_hours: add working_hours"));
        }
        if (errors.Count > 0)
            throw new AgentsFileException(string.Join('\n', errors));
        return new ConsoleSettings(timeout) { WorkingHours = hours, OfflineMessage = offline, English = english, ConfirmHandoffBelow = confirmBelow };
    }

    /// <summary>config.yml's language, when it reads; a config.yml with errors is the engine's to report.</summary>
    private static bool IsEnglish(string projectDirectory)
    {
        try
        {
            return ProjectConfig.Load(Path.Combine(projectDirectory, "config.yml")).Language is { Length: > 0 } language
                && !language.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is ProjectException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
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
