using System.Globalization;
using Kefu.Dialogue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Agents;

/// <summary>
/// What the customer hears right after the bot hands off (docs/agents.md, "What the customer hears"): within working
/// hours their place in the queue (utter_handoff_queue, `{position}`, and `{wait_minutes}` once recent claims give an
/// estimate: <see cref="WaitEstimate"/>), outside them the offline message (utter_handoff_offline, else console.yml's
/// offline_message); the conversation stays queued either way. Said once, as a bot message appended after the handoff,
/// which the web chat's poll shows. Before any estimate, a domain utter_handoff_queue that uses `{wait_minutes}` is not
/// said (the customer would read "None"): utter_handoff_queue_no_estimate is, else the built-in position-only text.
/// </summary>
internal sealed class HandoffNotices(ConsoleSettings settings, HandoffQueue queue, IChatService chat, TimeProvider time, ILogger<HandoffNotices> logger)
    : BackgroundService
{
    public const string QueueResponse = "utter_handoff_queue";
    public const string NoEstimateResponse = "utter_handoff_queue_no_estimate";
    public const string OfflineResponse = "utter_handoff_offline";
    public const string PositionPlaceholder = "position";
    public const string WaitPlaceholder = "wait_minutes";

    public static string QueueText(bool english, int position, int? waitMinutes = null) => (english, waitMinutes) switch
    {
        (true, null) => $"You are in the queue for a human agent: {position} customer(s) ahead of you. Please wait.",
        (true, { } wait) => $"You are in the queue for a human agent: {position} customer(s) ahead of you, about {wait} minute(s) to wait. Please wait.",
        (false, null) => $"您已进入人工客服队列，前面还有 {position} 位客户在等待，请稍候。",
        (false, { } wait) => $"您已进入人工客服队列，前面还有 {position} 位客户在等待，预计等待约 {wait} 分钟，请稍候。",
    };

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
                        await SayQueueAsync(id, position, queue.WaitMinutes(position), stoppingToken);
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

    private Task SayQueueAsync(string id, int position, int? waitMinutes, CancellationToken ct)
    {
        var values = new Dictionary<string, string> { [PositionPlaceholder] = position.ToString(CultureInfo.InvariantCulture) };
        if (waitMinutes is { } minutes)
            values[WaitPlaceholder] = minutes.ToString(CultureInfo.InvariantCulture);
        var response = waitMinutes is null && QueueResponseNeedsEstimate() ? NoEstimateResponse : QueueResponse;
        return chat.SayAsync(id, response, values, QueueText(settings.English, position, waitMinutes), ct);
    }

    /// <summary>Whether the loaded domain's utter_handoff_queue uses `{wait_minutes}`; false for an engine without a domain.</summary>
    private bool QueueResponseNeedsEstimate()
    {
        if (chat is not IConversationControl control)
            return false;
        try
        {
            return control.Domain.FindResponse(QueueResponse) is { } response
                && response.Variations.Any(v => v.Text?.Contains("{" + WaitPlaceholder + "}", StringComparison.Ordinal) == true);
        }
        catch (NotSupportedException) // an engine behind the switch without Rasa's conversation API
        {
            return false;
        }
    }
}
