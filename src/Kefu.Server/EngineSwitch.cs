using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Nlu;

namespace Kefu.Server;

/// <summary>
/// The dialogue engine behind IChatService, replaceable while requests run (a promoted model loaded by `kefu serve`,
/// PUT /model). <see cref="Swap"/> takes effect at once for new calls; a call that entered the old engine finishes on
/// it; calls on the new engine wait until the old engine's calls have finished, so two engines never run turns at the
/// same time and the new one reads each conversation from the store (shared by both) after the old one wrote it.
/// Before the first <see cref="Swap"/> calls wait for it, so that the server starts (and answers /healthz, and 503 on the chat routes) while the
/// first model loads beside it.
/// </summary>
public sealed partial class EngineSwitch : IChatService
{
    /// <summary>One engine and the calls in it: the switch holds one reference until the next swap; 0 means drained.</summary>
    sealed class Generation(IChatService engine, Task previousDrained)
    {
        int users = 1;
        readonly TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IChatService Engine { get; } = engine;
        public Task PreviousDrained { get; } = previousDrained;
        public Task Drained => drained.Task;

        public bool TryEnter()
        {
            for (int n = Volatile.Read(ref users); n > 0; n = Volatile.Read(ref users))
                if (Interlocked.CompareExchange(ref users, n + 1, n) == n) return true;
            return false;
        }

        public void Leave()
        {
            if (Interlocked.Decrement(ref users) == 0) drained.TrySetResult();
        }
    }

    readonly Lock swapping = new();
    readonly TaskCompletionSource first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    volatile Generation? current;

    /// <summary>The engine new calls go to; null before the first swap.</summary>
    public IChatService? Engine => current?.Engine;

    public void Swap(IChatService engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        lock (swapping)
        {
            var old = current;
            current = new Generation(engine, old?.Drained ?? Task.CompletedTask);
            old?.Leave();
        }
        first.TrySetResult();
    }

    async ValueTask<Generation> EnterAsync(CancellationToken ct)
    {
        if (current is null) await first.Task.WaitAsync(ct).ConfigureAwait(false);
        while (true)
        {
            var generation = current!;
            if (!generation.TryEnter()) continue;   // swapped and drained between the read and the enter: take the newer one
            if (!generation.PreviousDrained.IsCompleted)
            {
                try
                {
                    await generation.PreviousDrained.WaitAsync(ct).ConfigureAwait(false);
                }
                catch
                {
                    generation.Leave();
                    throw;
                }
            }
            return generation;
        }
    }

    async Task<T> Run<T>(Func<IChatService, Task<T>> call, CancellationToken ct)
    {
        var generation = await EnterAsync(ct).ConfigureAwait(false);
        try
        {
            return await call(generation.Engine).ConfigureAwait(false);
        }
        finally
        {
            generation.Leave();
        }
    }

    async Task Run(Func<IChatService, Task> call, CancellationToken ct) =>
        await Run<bool>(async engine => { await call(engine).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);

    public Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text, JsonElement? metadata = null, CancellationToken ct = default) =>
        Run(engine => engine.HandleMessageAsync(conversationId, text, metadata, ct), ct);

    public Task RecordUserMessageAsync(string conversationId, string text, NluParse? parse = null, CancellationToken ct = default) =>
        Run(engine => engine.RecordUserMessageAsync(conversationId, text, parse, ct), ct);

    // A parse touches no conversation: the current engine answers it without waiting for a drain.
    public NluParse Parse(string text) => (current ?? Wait()).Engine.Parse(text);

    public NluParse Parse(string text, DateTimeOffset referenceTime) => (current ?? Wait()).Engine.Parse(text, referenceTime);

    Generation Wait()
    {
        first.Task.GetAwaiter().GetResult();
        return current!;
    }

    public Task<JsonElement> GetTrackerAsync(string conversationId, CancellationToken ct = default) =>
        Run(engine => engine.GetTrackerAsync(conversationId, ct), ct);

    public Task<TrackerHead> GetTrackerHeadAsync(string conversationId, CancellationToken ct = default) =>
        Run(engine => engine.GetTrackerHeadAsync(conversationId, ct), ct);

    public Task AgentMessageAsync(string conversationId, string agent, string text, CancellationToken ct = default) =>
        Run(engine => engine.AgentMessageAsync(conversationId, agent, text, ct), ct);

    public Task HandBackAsync(string conversationId, CancellationToken ct = default) =>
        Run(engine => engine.HandBackAsync(conversationId, ct), ct);

    public Task SayAsync(string conversationId, string response, IReadOnlyDictionary<string, string> values, string otherwise,
        CancellationToken ct = default) =>
        Run(engine => engine.SayAsync(conversationId, response, values, otherwise, ct), ct);

    public Task<FeedbackOutcome> RecordFeedbackAsync(string conversationId, Kefu.Dialogue.Tracking.DialogueEvent feedback, CancellationToken ct = default) =>
        Run(engine => engine.RecordFeedbackAsync(conversationId, feedback, ct), ct);

    public Task<bool> EraseAsync(string conversationId, DateTimeOffset? idleBefore = null, CancellationToken ct = default) =>
        Run(engine => engine.EraseAsync(conversationId, idleBefore, ct), ct);
}
