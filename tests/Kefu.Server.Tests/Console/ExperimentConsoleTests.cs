using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Experiments;
using Kefu.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests.Console;

/// <summary>The console's experiment routes: who may read and promote, and the report from stored conversations.</summary>
public sealed class ExperimentConsoleTests
{
    [Fact]
    public async Task Trainers_and_admins_read_the_experiment_agents_may_not_and_only_admins_promote()
    {
        await using var host = await ConsoleHost.StartAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.GetAsync("/console/api/experiment")).StatusCode);
        var alice = await host.SignInAsync("alice");
        var tina = await host.SignInAsync("tina");
        var ada = await host.SignInAsync("ada");
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.GetAsync("/console/api/experiment")).StatusCode);

        var none = await tina.GetFromJsonAsync<JsonElement>("/console/api/experiment");
        Assert.False(none.TryGetProperty("experiment", out _));   // nulls are left out, as on every route
        Assert.Contains("kefu ab start", none.GetProperty("problem").GetString());

        // an experiment with conversations in both arms: B rated higher
        string models = ModelRegistry.ModelsDirectory(host.Directory);
        Directory.CreateDirectory(models);
        File.WriteAllText(LiveExperiments.PathIn(models), """
            {"format_version": 1, "experiments": [{"name": "e1", "arms": [{"name": "A", "version": "v1", "weight": 0.5},
              {"name": "B", "version": "v2", "weight": 0.5}], "started": "2026-12-06T00:00:00+00:00", "stopped": null, "promoted": null}]}
            """);
        var store = host.Services.GetRequiredService<IEventStore>();
        for (int i = 0; i < 40; i++)
        {
            string arm = i % 2 == 0 ? "A" : "B";
            await store.AppendAsync("x" + i, [RasaEventJson.ToStored(new ExperimentJoined("e1", arm, arm == "A" ? "v1" : "v2")),
                RasaEventJson.ToStored(new ConversationRated(arm == "A" ? 2 + i % 3 / 2 : 4 + i % 3 / 2))]);
        }
        var page = await tina.GetFromJsonAsync<JsonElement>("/console/api/experiment");
        Assert.Equal("e1", page.GetProperty("experiment").GetProperty("name").GetString());
        Assert.Equal("B", page.GetProperty("winner").GetString());
        Assert.False(page.GetProperty("can_promote").GetBoolean());
        var stars = page.GetProperty("report").GetProperty("metrics").EnumerateArray().First(m => m.GetProperty("metric").GetString() == "stars");
        var comparison = stars.GetProperty("comparisons")[0];
        Assert.Equal("b_better", comparison.GetProperty("verdict").GetString());
        Assert.True(comparison.GetProperty("p_value").GetDouble() < 0.05);
        Assert.True((await ada.GetFromJsonAsync<JsonElement>("/console/api/experiment")).GetProperty("can_promote").GetBoolean());

        Assert.Equal(HttpStatusCode.Forbidden, (await tina.PostAsync("/console/api/experiment/promote", Http.Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.PostAsync("/console/api/experiment/promote", Http.Json("{}"))).StatusCode);
        var unknownArm = await ada.PostAsync("/console/api/experiment/promote", Http.Json("""{"arm":"C"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, unknownArm.StatusCode);
        // the registry does not list v2: refused with the reason, nothing changed
        var refused = await ada.PostAsync("/console/api/experiment/promote", Http.Json("{}"));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("no version v2", await refused.Content.ReadAsStringAsync());
        Assert.NotNull(LiveExperiments.Read(models).Running);
    }
}
