using System.Text.Json;
using System.Net.Http.Json;
using Kefu.Server.Agents;
using YamlDotNet.RepresentationModel;

namespace Kefu.Server.Tests.Console;

public sealed class HandoffNoticesTests
{
    private const string Hours = """
        working_hours:
          time_zone: Asia/Shanghai
          days: [mon, tue, wed, thu, fri]
          from: "09:00"
          to: 18:00
        """;

    /// <summary>A clock that stands still: what working hours see. Timers still run on the system's clock.</summary>
    private sealed class StoppedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task The_customer_hears_their_place_in_the_queue()
    {
        await using var host = await ConsoleHost.StartAsync();
        await host.HandOffAsync("first");
        await host.HandOffAsync("second");

        Assert.Equal(HandoffNotices.QueueText(false, 0), await host.LastMessageAsync("first"));
        Assert.Equal("您已进入人工客服队列，前面还有 1 位客户在等待，请稍候。", await host.LastMessageAsync("second"));
    }

    [Fact]
    public async Task Outside_working_hours_the_customer_hears_the_offline_message_and_stays_queued()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-console-hours-").FullName;
        ConsoleHost.WriteProject(directory);
        File.WriteAllText(Path.Combine(directory, ConsoleSettings.FileName), Hours + "\noffline_message: 客服下班了，明早九点回复您。\n");
        // Saturday 2026-12-05 10:00 in Shanghai.
        await using (var host = await ConsoleHost.StartInAsync(directory, time: new StoppedClock(new DateTimeOffset(2026, 12, 5, 2, 0, 0, TimeSpan.Zero))))
        {
            await host.HandOffAsync("weekend");
            Assert.Equal("客服下班了，明早九点回复您。", await host.LastMessageAsync("weekend"));
            var alice = await host.SignInAsync("alice");
            var queue = await alice.GetFromJsonAsync<JsonElement>("/console/api/queue");
            Assert.Equal("weekend", queue.GetProperty("conversations")[0].GetProperty("conversation_id").GetString());
        }
        // Monday 2026-12-07 09:00 in Shanghai: open.
        await using (var host = await ConsoleHost.StartInAsync(directory, time: new StoppedClock(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero))))
        {
            await host.HandOffAsync("monday");
            Assert.Equal(HandoffNotices.QueueText(false, 1), await host.LastMessageAsync("monday"));
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData("2026-12-07T08:59:59+08:00", false)]
    [InlineData("2026-12-07T09:00:00+08:00", true)]
    [InlineData("2026-12-07T17:59:59+08:00", true)]
    [InlineData("2026-12-07T18:00:00+08:00", false)]
    [InlineData("2026-12-07T02:00:00+00:00", true)]   // 10:00 in Shanghai
    [InlineData("2026-12-06T10:00:00+08:00", false)]  // a Sunday
    public void Working_hours_are_local_to_their_time_zone(string at, bool open)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Hours));
        var node = ((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("working_hours")];
        var errors = new List<string>();
        var hours = WorkingHours.Read("console.yml", node, errors);
        Assert.Empty(errors);
        Assert.Equal(open, hours!.IsOpen(DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Mistakes_in_working_hours_name_file_and_line()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-console-hours-").FullName;
        var path = Path.Combine(directory, ConsoleSettings.FileName);
        File.WriteAllText(path, "working_hours:\n  time_zone: Mars/Olympus\n  days: [mon, someday]\n  from: 9am\n  to: \"18:00\"\n");
        var message = Assert.Throws<AgentsFileException>(() => ConsoleSettings.Load(directory)).Message;
        Assert.True(message.Contains($"{path}:2:14: unknown time zone 'Mars/Olympus'", StringComparison.Ordinal), message);
        Assert.Contains($"{path}:3:15: days are a list of", message);
        Assert.Contains($"{path}:4:9: '9am' is not a time of day", message);

        File.WriteAllText(path, "working_hours:\n  time_zone: Asia/Shanghai\n  days: [sat]\n  from: \"18:00\"\n  to: \"09:00\"\n");
        Assert.Contains($"{path}:2:3: working_hours' to (09:00) must be after from (18:00)",
            Assert.Throws<AgentsFileException>(() => ConsoleSettings.Load(directory)).Message);

        File.WriteAllText(path, "confirm_handoff_below: 1.5\n");
        Assert.Contains($"{path}:1:24: confirm_handoff_below must be a confidence above 0 and at most 1",
            Assert.Throws<AgentsFileException>(() => ConsoleSettings.Load(directory)).Message);
        File.WriteAllText(path, "confirm_handoff_below: 0.6\n");
        Assert.Equal(0.6f, ConsoleSettings.Load(directory).ConfirmHandoffBelow);

        File.WriteAllText(path, "offline_message: 下班了\n");
        Assert.Contains($"{path}:1:18: offline_message is said outside working_hours: add working_hours",
            Assert.Throws<AgentsFileException>(() => ConsoleSettings.Load(directory)).Message);
        Directory.Delete(directory, recursive: true);
    }
}
