using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Kefu.Dialogue;
using Kefu.Observability;

namespace Kefu.Tests.Dialogue;

public class TurnPhaseMetricsTests
{
    [Fact]
    public async Task A_turn_records_its_lock_engine_and_store_time()
    {
        var phases = new ConcurrentBag<(string Phase, double Seconds)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KefuMetrics.MeterName && instrument.Name == "kefu_turn_phase_seconds") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) => phases.Add(((string)tags[0].Value!, seconds)));
        listener.Start();

        var store = new SlowStore(TimeSpan.FromMilliseconds(30));
        await TinyShop.Agent(store).HandleMessageAsync("c-phases", "/greet");

        // other tests' agents may record at the same time: look for this turn's slow store
        Assert.Contains(phases, p => p.Phase == "store" && p.Seconds >= 0.025);
        Assert.Contains(phases, p => p.Phase == "engine");
        Assert.Contains(phases, p => p.Phase == "lock");
        Assert.All(phases, p => Assert.True(p.Seconds >= 0));
    }

    private sealed class SlowStore(TimeSpan delay) : IEventStore
    {
        private readonly InMemoryEventStore inner = new();
        public Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default) => inner.LoadAsync(conversationId, ct);
        public async Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default)
        {
            await Task.Delay(delay, ct);
            await inner.AppendAsync(conversationId, events, ct);
        }
        public Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default) => inner.ListConversationsAsync(ct);
    }
}
