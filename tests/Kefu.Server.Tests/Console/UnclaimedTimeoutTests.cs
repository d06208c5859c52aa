using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kefu.Server.Agents;

namespace Kefu.Server.Tests.Console;

public sealed class UnclaimedTimeoutTests
{
    [Fact]
    public async Task A_handoff_nobody_claims_in_time_goes_back_to_the_bot_and_a_claimed_one_stays()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-console-timeout-").FullName;
        ConsoleHost.WriteProject(directory);
        File.WriteAllText(Path.Combine(directory, ConsoleSettings.FileName), "unclaimed_timeout_seconds: 1\n");
        await using var host = await ConsoleHost.StartInAsync(directory);
        var alice = await host.SignInAsync("alice");
        await host.HandOffAsync("waits");
        await host.HandOffAsync("claimed");
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/console/api/conversations/claimed/claim", null)).StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        JsonElement queue;
        do
        {
            await Task.Delay(200);
            queue = await alice.GetFromJsonAsync<JsonElement>("/console/api/queue");
        }
        while (queue.GetProperty("conversations").GetArrayLength() > 1 && DateTime.UtcNow < deadline);

        Assert.Equal(["claimed"], queue.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("conversation_id").GetString()));
        var poll = await host.Client.GetFromJsonAsync<JsonElement>("/webhooks/rest/conversations/waits/messages");
        Assert.Equal(HandoffBot.HandBackText, poll.GetProperty("messages").EnumerateArray().Last().GetProperty("text").GetString());
        await Task.Delay(1500);
        Assert.Equal(1, (await alice.GetFromJsonAsync<JsonElement>("/console/api/queue")).GetProperty("conversations").GetArrayLength());
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void A_bad_console_yml_names_file_and_line()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-console-settings-").FullName;
        var path = Path.Combine(directory, ConsoleSettings.FileName);
        File.WriteAllText(path, "# settings\nunclaimed_timeout_seconds: soon\nqueue_message: x\n");

        var message = Assert.Throws<AgentsFileException>(() => ConsoleSettings.Load(directory)).Message;

        Assert.Contains($"{path}:2:28: unclaimed_timeout_seconds must be a number of seconds from 1 to 86400", message);
        Assert.Contains($"{path}:3:1: unknown key 'queue_message'", message);
        File.Delete(path);
        Assert.Null(ConsoleSettings.Load(directory).UnclaimedTimeout);
        Directory.Delete(directory, recursive: true);
    }
}
