using Kefu.Dialogue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Agents;

/// <summary>
/// What the customer hears right after the bot hands off (docs/agents.md, "What the customer hears"): within working
/// hours their place in the queue (utter_handoff_queue, `{position}`), outside them the offline message
/// (utter_handoff_offline, else console.yml's offline_message); the conversation stays queued either way. Said once,
/// as a bot message appended after the handoff, which the web chat's poll shows.
/// </summary>
internal sealed class HandoffNotices(ConsoleSettings settings, HandoffQueue queue, IChatService chat, TimeProvider time, ILogger<HandoffNotices> logger)
    : BackgroundService
{
    public const string QueueResponse = "utter_handoff_queue";
    public const string OfflineResponse = "utter_handoff_offline";
    public const string PositionPlaceholder = "position";

    public static string QueueText(bool english, int position) => english
        ? $"You are in the queue for a human agent: {position} customer(s) ahead of you. Please wait."
        : $"您已进入人工客服队列，前面还有 {position} 位客户在等待，请稍候。";

    public static string OfflineText(bool english) => english
        ? "Our agents are offline now. Your conversation stays in the queue and an agent will reply when we are back."
        : "现在是人工客服的休息时间，您的会话已保留在队列中，客服上班后会尽快回复您。";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var id in queue.NewHandoffs.ReadAllAsync(stoppingToken))
            {
                // Claimed or handed back meanwhile: there is nothing to wait for.
                if (queue.Find(id) is not { Claim: null } || queue.Position(id) is not { } position)
                    continue;
                try
                {
                    if (settings.WorkingHours is { } hours && !hours.IsOpen(time.GetUtcNow()))
                        await chat.SayAsync(id, OfflineResponse, new Dictionary<string, string>(),
                            settings.OfflineMessage ?? OfflineText(settings.English), stoppingToken);
                    else
                        await chat.SayAsync(id, QueueResponse,
                            new Dictionary<string, string> { [PositionPlaceholder] = position.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                            QueueText(settings.English, position), stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError("conversation {Conversation}: the customer was not told about the queue: {Problem}", id, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
