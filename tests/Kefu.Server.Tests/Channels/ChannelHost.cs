using Kefu.Server.Channels;
using Kefu.Server.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Tests.Channels;

/// <summary>The server with credentials.yml's channels, the echo bot, recorded logs and quick delivery retries.</summary>
internal static class ChannelHost
{
    /// <summary>Two retries, quickly: three attempts in all.</summary>
    public static readonly DeliveryPolicy QuickRetries = new(TimeSpan.FromSeconds(5), [TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40)]);

    public static Task<TestHost> StartAsync(ChannelSettings channels, RecordingLoggerProvider? logs = null, long maxBodyBytes = 256 * 1024,
        Func<Kefu.Dialogue.IEventStore, Kefu.Dialogue.IChatService>? chat = null) =>
        TestHost.StartAsync(logs: logs, maxBodyBytes: maxBodyBytes, chat: chat,
            configure: o => o with { Channels = channels with { Delivery = QuickRetries } });

    /// <summary>Waits until every reply has been delivered or given up on.</summary>
    public static Task DeliveredAsync(this TestHost host) => host.Services.GetRequiredService<ChannelDelivery>().WhenIdleAsync();

    public static async Task<string[]> UserTextsAsync(this TestHost host, string conversation) =>
        [.. (await host.Store.LoadAsync(conversation)).Where(e => e.Type == "user").Select(e => System.Text.Json.JsonDocument.Parse(e.Json).RootElement.GetProperty("text").GetString()!)];

    public static LogEntry[] Errors(this RecordingLoggerProvider logs) => [.. logs.Entries.Where(e => e.Level >= LogLevel.Error)];
}
