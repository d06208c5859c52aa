using System.Net;
using System.Text.Json;
using Kefu.Data;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests.Console;

/// <summary>
/// The correction inbox (docs/agents.md, "Correction inbox") on <see cref="ConsoleHost"/>: <see cref="HandoffBot"/> reads
/// 人工 as request_human (0.93, then a handoff) and anything else as chitchat (0.61); feedback and fallback actions are
/// appended to the store as the engine stores them.
/// </summary>
public sealed class CorrectionsTests
{
    private const string Domain = """
        version: "3.1"
        intents: [greet, ask_price, request_human, chitchat]
        entities: [product]
        """;

    private static Task<HttpResponseMessage> Post(HttpClient client, string path, object body) =>
        client.PostAsync("/console/api/corrections" + path, Http.Json(Http.Serialize(body)));

    private static async Task<JsonElement> Inbox(HttpClient client, string query = "")
    {
        var response = await client.GetAsync("/console/api/corrections" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private static string[] Items(JsonElement page) =>
        page.GetProperty("items").EnumerateArray()
            .Select(i => $"{i.GetProperty("conversation_id").GetString()}/{i.GetProperty("index").GetInt32()}:{string.Join("+", i.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()))}")
            .ToArray();

    private static async Task Append(ConsoleHost host, string id, DialogueEvent e) =>
        await host.Services.GetRequiredService<IEventStore>().AppendAsync(id, [RasaEventJson.ToStored(e)]);

    /// <summary>a: 价格多少 (0), echo (1), 👎 on 1 (2), 我要转人工 (3), handoff text (4), pause (5). b: 嗯嗯 (0), echo (1), fallback (2). c: 好的 (0), echo (1).</summary>
    private static async Task<ConsoleHost> StartWithConversationsAsync()
    {
        var host = await ConsoleHost.StartAsync();
        File.WriteAllText(Path.Combine(host.Directory, "domain.yml"), Domain);
        await host.SayAsync("a", "价格多少");
        await Append(host, "a", new MessageFeedback(1, Up: false));
        await host.HandOffAsync("a");
        await host.SayAsync("b", "嗯嗯");
        await Append(host, "b", new ActionExecuted("action_default_fallback"));
        await host.SayAsync("c", "好的");
        return host;
    }

    [Fact]
    public async Task The_inbox_lists_unsure_messages_with_reasons_context_and_paging_for_trainers_only()
    {
        await using var host = await StartWithConversationsAsync();
        var tina = await host.SignInAsync("tina");

        var page = await Inbox(tina);
        Assert.Equal(["a/0:negative_feedback", "a/3:handoff", "b/0:fallback"], Items(page));
        Assert.Equal(3, page.GetProperty("total").GetInt32());
        Assert.Equal(["greet", "ask_price", "request_human", "chitchat"], page.GetProperty("intents").EnumerateArray().Select(i => i.GetString()));
        var handoff = page.GetProperty("items")[1];
        Assert.Equal("我要转人工", handoff.GetProperty("text").GetString());
        Assert.Equal("request_human", handoff.GetProperty("intent").GetString());
        Assert.Equal(0.93, handoff.GetProperty("confidence").GetDouble(), 2);
        Assert.Equal("echo: 价格多少", handoff.GetProperty("before").GetString());
        Assert.Equal(HandoffBot.HandoffText, handoff.GetProperty("after").GetString());

        Assert.Equal(["a/0:low_confidence+negative_feedback", "a/3:handoff", "b/0:low_confidence+fallback", "c/0:low_confidence"],
            Items(await Inbox(tina, "?threshold=0.7")));
        var second = await Inbox(tina, "?threshold=0.7&offset=1&limit=2");
        Assert.Equal(["a/3:handoff", "b/0:low_confidence+fallback"], Items(second));
        Assert.Equal(4, second.GetProperty("total").GetInt32());

        var ada = await host.SignInAsync("ada");
        Assert.Equal(3, (await Inbox(ada)).GetProperty("total").GetInt32());
        var alice = await host.SignInAsync("alice");
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.GetAsync("/console/api/corrections")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(alice, "/decisions", new { conversation_id = "a", index = 0, decision = "dismiss" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.GetAsync("/console/api/corrections")).StatusCode);
        foreach (var bad in new[] { "?status=maybe", "?limit=0", "?limit=201", "?offset=-1", "?threshold=2", "?threshold=x" })
        {
            var response = await tina.GetAsync("/console/api/corrections" + bad);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Decisions_check_the_domain_are_made_once_unless_overridden_and_survive_a_restart()
    {
        await using var first = await StartWithConversationsAsync();
        var tina = await first.SignInAsync("tina");

        var unknownIntent = await Post(tina, "/decisions", new { conversation_id = "a", index = 0, decision = "correct", intent = "ask_refund" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownIntent.StatusCode);
        Assert.Contains("intent \\\"ask_refund\\\" is not in the domain", await unknownIntent.Content.ReadAsStringAsync());
        var unknownEntity = await Post(tina, "/decisions", new { conversation_id = "a", index = 0, decision = "correct", intent = "ask_price", entities = new[] { new { entity = "colour", value = "价格" } } });
        Assert.Contains("entity \\\"colour\\\" is not in the domain", await unknownEntity.Content.ReadAsStringAsync());
        var missingValue = await Post(tina, "/decisions", new { conversation_id = "a", index = 0, decision = "correct", intent = "ask_price", entities = new[] { new { entity = "product", value = "手机" } } });
        Assert.Contains("not in the message", await missingValue.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(tina, "/decisions", new { conversation_id = "a", index = 0, decision = "approve" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await tina.PostAsync("/console/api/corrections/decisions", Http.Json("{not json"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Post(tina, "/decisions", new { conversation_id = "a", index = 1, decision = "dismiss" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Post(tina, "/decisions", new { conversation_id = "zz", index = 0, decision = "dismiss" })).StatusCode);

        var corrected = await Post(tina, "/decisions", new { conversation_id = "a", index = 0, decision = "correct", intent = "ask_price", entities = new[] { new { entity = "product", value = "价格" } } });
        Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
        var entity = (await corrected.ReadJsonAsync()).GetProperty("entities")[0];
        Assert.Equal((0, 2), (entity.GetProperty("start").GetInt32(), entity.GetProperty("end").GetInt32()));
        Assert.Equal(HttpStatusCode.Conflict, (await Post(tina, "/decisions", new { conversation_id = "a", index = 0, decision = "dismiss" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post(tina, "/decisions", new { conversation_id = "a", index = 0, decision = "correct", intent = "ask_price", @override = true })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post(tina, "/decisions", new { conversation_id = "b", index = 0, decision = "dismiss" })).StatusCode);
        Assert.Equal(["a/3:handoff"], Items(await Inbox(tina)));

        await using var second = await first.StartAgainAsync();
        var again = await second.SignInAsync("tina");
        var decided = await Inbox(again, "?status=decided");
        Assert.Equal(["a/0:negative_feedback", "b/0:fallback"], Items(decided));
        var decision = decided.GetProperty("items")[0].GetProperty("decision");
        Assert.Equal(("correct", "ask_price", "tina"), (decision.GetProperty("kind").GetString(), decision.GetProperty("intent").GetString(), decision.GetProperty("decided_by").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await Post(again, "/decisions", new { conversation_id = "b", index = 0, decision = "confirm" })).StatusCode);
        // Erasing a conversation erases its decisions: no row is left in console.db.
        Assert.Equal(HttpStatusCode.NoContent, (await second.Client.DeleteAsync("/conversations/b")).StatusCode);
        Assert.Equal(["a/0:negative_feedback"], Items(await Inbox(again, "?status=decided")));
        Assert.DoesNotContain(second.Services.GetRequiredService<Kefu.Server.Agents.CorrectionDecisions>().All().Keys, k => k.ConversationId == "b");
    }

    [Fact]
    public async Task Export_writes_reviewed_examples_with_provenance_skips_duplicates_flags_conflicts_and_the_project_reads_it()
    {
        await using var host = await StartWithConversationsAsync();
        Directory.CreateDirectory(Path.Combine(host.Directory, "data"));
        File.WriteAllText(Path.Combine(host.Directory, "data", "nlu.yml"), """
            version: "3.1"
            nlu:
            - intent: greet
              examples: |
                - 好的
            - intent: request_human
              examples: |
                - 我要转人工
            """);
        await host.SayAsync("d", "好的呀");
        var tina = await host.SignInAsync("tina");
        var inbox = await Inbox(tina, "?threshold=0.7");
        Assert.Equal(["", "request_human", "", "greet", ""],
            inbox.GetProperty("items").EnumerateArray().Select(i => string.Join(",", i.GetProperty("in_project").EnumerateArray().Select(x => x.GetString()))));
        async Task Decide(object body) => Assert.Equal(HttpStatusCode.OK, (await Post(tina, "/decisions", body)).StatusCode);
        await Decide(new { conversation_id = "a", index = 0, decision = "correct", intent = "ask_price", entities = new[] { new { entity = "product", start = 0, end = 2 } } });
        await Decide(new { conversation_id = "a", index = 3, decision = "confirm" });           // duplicate of nlu.yml
        await Decide(new { conversation_id = "c", index = 0, decision = "correct", intent = "chitchat" }); // 好的 is greet in nlu.yml
        await Decide(new { conversation_id = "b", index = 0, decision = "dismiss" });
        await Decide(new { conversation_id = "d", index = 0, decision = "correct", intent = "chitchat" });

        var response = await tina.PostAsync("/console/api/corrections/export", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var export = await response.ReadJsonAsync();
        Assert.Equal(2, export.GetProperty("written").GetInt32());
        Assert.Contains("'我要转人工' after 'echo: 价格多少' (conversation a, message 3", export.GetProperty("duplicates")[0].GetString());
        Assert.Contains("'好的' (conversation c, message 0", export.GetProperty("conflicts")[0].GetString());
        Assert.Contains("labelled chitchat here and greet in the project's NLU data", export.GetProperty("conflicts")[0].GetString());

        var path = Path.Combine(host.Directory, CorrectionsYaml.RelativePath);
        var yaml = File.ReadAllText(path);
        Assert.Contains("# conversation a, message 0, ", yaml);
        Assert.Contains("corrected from chitchat by tina at ", yaml);
        Assert.Contains("    - [价格](product)多少", yaml);
        Assert.DoesNotContain("嗯嗯", yaml);
        var (document, diagnostics) = NluDocuments.Read(path);
        Assert.Empty(diagnostics);
        Assert.Equal(["价格多少:ask_price:product", "好的呀:chitchat:"],
            document.Examples.Select(e => $"{e.Text}:{e.Intent}:{string.Join(",", e.Entities.Select(x => x.Entity))}"));
        var project = RasaProject.Read(host.Directory);
        Assert.DoesNotContain(project.Diagnostics, d => d.Severity == Severity.Error);
        Assert.Contains(project.Nlu.Examples, e => e.Text == "好的呀" && e.Intent == "chitchat");

        // Re-exporting rewrites the file from the decisions: nothing is taken for a duplicate of itself.
        var again = await (await tina.PostAsync("/console/api/corrections/export", null)).ReadJsonAsync();
        Assert.Equal(2, again.GetProperty("written").GetInt32());
        Assert.Equal(yaml, File.ReadAllText(path));
    }

    [Fact]
    public async Task Confirming_keeps_the_models_entities_and_leaves_Duckling_s_out()
    {
        await using var host = await ConsoleHost.StartAsync();
        const string user = """
            {"text": "明天的手机", "parse_data": {"intent": {"name": "ask_price", "confidence": 0.3}, "entities": [
              {"entity": "time", "value": "2026-12-07T00:00:00+08:00", "start": 0, "end": 2, "extractor": "DucklingEntityExtractor"},
              {"entity": "product", "value": "手机", "start": 3, "end": 5, "extractor": "DIETClassifier"}]}}
            """;
        await host.Services.GetRequiredService<IEventStore>().AppendAsync("e", [new StoredEvent("user", user, DateTimeOffset.UtcNow)]);
        var tina = await host.SignInAsync("tina");
        var item = (await Inbox(tina)).GetProperty("items")[0];
        Assert.Equal(["time", "product"], item.GetProperty("entities").EnumerateArray().Select(e => e.GetProperty("entity").GetString()));
        Assert.Equal(["low_confidence"], item.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));

        var confirmed = await Post(tina, "/decisions", new { conversation_id = "e", index = 0, decision = "confirm" });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal(["product"], (await confirmed.ReadJsonAsync()).GetProperty("entities").EnumerateArray().Select(e => e.GetProperty("entity").GetString()));
        await tina.PostAsync("/console/api/corrections/export", null);
        Assert.Contains("    - 明天的[手机](product)", File.ReadAllText(Path.Combine(host.Directory, CorrectionsYaml.RelativePath)));
    }

    [Fact]
    public async Task The_page_loads_the_corrections_view_which_puts_text_in_without_innerHTML()
    {
        await using var host = await ConsoleHost.StartAsync();
        var page = await host.Client.GetStringAsync("/console/");
        Assert.Contains("/console/assets/corrections.js", page);
        Assert.Contains("/console/assets/corrections.css", page);
        Assert.True(page.IndexOf("/console/assets/trainer-view.js") < page.IndexOf("/console/assets/corrections.js"), "the shared helpers load first");
        var script = await host.Client.GetStringAsync("/console/assets/corrections.js");
        var shared = await host.Client.GetStringAsync("/console/assets/trainer-view.js");
        Assert.Contains("api(\"corrections\")", script);
        Assert.Contains("/console/api/${group}", shared);
        Assert.DoesNotContain("innerHTML", script);
        Assert.DoesNotContain("innerHTML", shared);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/console/assets/corrections.css")).StatusCode);
    }

    [Fact]
    public void Two_corrections_labelling_one_text_differently_are_both_left_out_as_a_conflict()
    {
        var export = CorrectionsYaml.Build(
        [
            new(new("退货", "ask_refund", []), "conversation x, message 0"),
            new(new("退货", "chitchat", []), "conversation y, message 2"),
            new(new("发货了吗", "ask_shipping", []), "conversation z, message 0"),
            new(new("发货了吗", "ask_shipping", []), "conversation w, message 0"),
        ], []);
        Assert.Equal(1, export.Written);
        Assert.Equal(2, export.Conflicts.Count);
        Assert.Contains("labelled ask_refund here and chitchat by another correction", export.Conflicts[0]);
        Assert.DoesNotContain("退货", export.Yaml);
        Assert.Single(export.Yaml.Split('\n'), l => l.Contains("发货了吗"));

        var empty = CorrectionsYaml.Build([], []);
        Assert.Equal(0, empty.Written);
        Assert.Contains("nlu: []", empty.Yaml);
    }

    [Fact]
    public void A_correction_keeps_what_the_bot_said_before_it_as_context()
    {
        static StoredEvent Event(string type, string json) => new(type, System.Text.Encoding.UTF8.GetBytes(json), DateTimeOffset.UtcNow);
        IReadOnlyList<StoredEvent> events =
        [
            Event("bot", """{"event":"bot","text":"您好","metadata":{"utter_action":"utter_greet"}}"""),
            Event("bot", """{"event":"bot","text":"要帮您办理退款吗？","metadata":{"utter_action":"utter_ask_refund"}}"""),
            Event("user", """{"event":"user","text":"好的"}"""),
            Event("bot", """{"event":"bot","text":"没有模板的话"}"""),
            Event("user", """{"event":"user","text":"嗯"}"""),
        ];
        Assert.Null(Kefu.Server.Agents.CorrectionInbox.PreviousBotMessage(events, 0));
        Assert.Equal("utter_ask_refund", Kefu.Server.Agents.CorrectionInbox.PreviousBotMessage(events, 2));
        Assert.Equal("没有模板的话", Kefu.Server.Agents.CorrectionInbox.PreviousBotMessage(events, 4));

        var export = CorrectionsYaml.Build(
        [
            new(new("好的", "confirm_refund", []) { Context = "utter_ask_refund" }, "conversation x, message 2"),
            new(new("发货了吗", "ask_shipping", []), "conversation z, message 0"),
        ], []);
        Assert.Equal(2, export.Written);
        string folder = Directory.CreateTempSubdirectory("kefu-corrections-context-").FullName;
        try
        {
            string file = Path.Combine(folder, "corrections.yml");
            File.WriteAllText(file, export.Yaml);
            var (document, diagnostics) = NluDocuments.Read(file);
            Assert.DoesNotContain(diagnostics, d => d.Severity == Severity.Error);
            Assert.Equal("utter_ask_refund", document.Examples.Single(e => e.Text == "好的").Context);
            Assert.Null(document.Examples.Single(e => e.Text == "发货了吗").Context);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
