using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kefu.Server.Agents;
using Kefu.Server.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests.Console;

public sealed class ConsoleRoutesTests
{
    private static string Id() => "c-" + Guid.NewGuid().ToString("N")[..12];

    private static Task<HttpResponseMessage> Post(HttpClient client, string path, object? body = null) =>
        client.PostAsync("/console/api" + path, body is null ? null : Http.Json(Http.Serialize(body)));

    private static async Task<JsonElement> Get(HttpClient client, string path)
    {
        var response = await client.GetAsync("/console/api" + path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    [Fact]
    public async Task Without_an_agents_file_the_console_is_off_and_start_up_says_so()
    {
        var logs = new RecordingLoggerProvider();
        await using var host = await ConsoleHost.StartAsync(withAgents: false, logs);

        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/console/api/queue")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/console/")).StatusCode);
        Assert.Contains(logs.Entries, e => e.Message.Contains("the agent console is off") && e.Message.Contains("agents.yml does not exist"));
    }

    [Fact]
    public async Task A_bad_agents_file_leaves_the_console_off_with_file_and_line_and_the_server_serving()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-console-bad-").FullName;
        var path = Path.Combine(directory, "agents.yml");
        File.WriteAllText(path, "agents:\n  - name: alice\n    role: boss\n    password_hash: x\n");

        var e = Assert.Throws<AgentsFileException>(() => AgentsFile.Load(path));
        Assert.Contains($"{path}:2:5: role is \"boss\"; expected agent, trainer or admin", e.Message);
        Assert.Contains($"{path}:2:5: password_hash is not a password hash", e.Message);

        var logs = new RecordingLoggerProvider();
        await using (var host = await ConsoleHost.StartInAsync(directory, logs))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/console/api/queue")).StatusCode);
            await host.SayAsync("still-serving", "你好");
            Assert.Contains(logs.Entries, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error
                && l.Message.Contains("the agent console is off until these are corrected") && l.Message.Contains($"{path}:2:5: role is"));
        }

        File.WriteAllText(path, "agents: [\n");
        var malformed = Assert.Throws<AgentsFileException>(() => AgentsFile.Load(path)).Message;
        Assert.StartsWith($"{path}:", malformed);
        Assert.Contains("malformed YAML", malformed);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void Agents_add_writes_a_PBKDF2_hash_and_replaces_a_user_of_the_same_name()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("kefu-console-add-").FullName, "agents.yml");
        AgentsFile.AddOrReplace(path, "alice", "小王", AgentRole.Agent, "first password");
        AgentsFile.AddOrReplace(path, "bob", "bob", AgentRole.Admin, "another one");
        AgentsFile.AddOrReplace(path, "alice", "王经理", AgentRole.Trainer, "second password");

        var users = AgentsFile.Load(path);
        Assert.Equal(["alice:王经理:Trainer", "bob:bob:Admin"], users.Select(u => $"{u.Name}:{u.DisplayName}:{u.Role}"));
        Assert.True(AgentsFile.Verify(users[0], "second password"));
        Assert.False(AgentsFile.Verify(users[0], "first password"));
        Assert.DoesNotContain("second password", File.ReadAllText(path));
        Assert.Contains("王经理", File.ReadAllText(path));
    }

    [Fact]
    public async Task Sign_in_checks_the_password_sets_an_HttpOnly_SameSite_cookie_and_sign_out_ends_it()
    {
        await using var host = await ConsoleHost.StartAsync();

        var wrong = await Post(host.Client, "/signin", new { name = "alice", password = "nope" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("the name or the password is wrong", (await wrong.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(host.Client, "/signin", new { name = "mallory", password = ConsoleHost.Password })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(host.Client, "/signin", new { name = "alice" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.GetAsync("/console/api/me")).StatusCode);
        var anonymous = await host.Client.GetAsync("/console/api/queue");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        await anonymous.ReadProblemAsync();

        var right = await Post(host.Client, "/signin", new { name = "alice", password = ConsoleHost.Password });
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        var cookie = right.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/console", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);   // plain HTTP, as the test server is
        // behind a TLS-terminating proxy the browser talks HTTPS: the cookie must say Secure
        using (var proxied = new HttpRequestMessage(HttpMethod.Post, "/console/api/signin")
               { Content = Http.Json(Http.Serialize(new { name = "alice", password = ConsoleHost.Password })) })
        {
            proxied.Headers.Add("X-Forwarded-Proto", "https");
            var secure = await host.Client.SendAsync(proxied);
            Assert.Contains("; secure", secure.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);
        }

        var alice = await host.SignInAsync("alice");
        var me = await Get(alice, "/me");
        Assert.Equal("小王", me.GetProperty("display_name").GetString());
        Assert.Equal("agent", me.GetProperty("role").GetString());
        var signOut = await Post(alice, "/signout");
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Contains("expires=Thu, 01 Jan 1970", signOut.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Sign_in_takes_ten_attempts_a_minute_then_429_even_with_the_right_password()
    {
        await using var host = await ConsoleHost.StartAsync();
        for (var i = 0; i < 10; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await Post(host.Client, "/signin", new { name = "alice", password = "guess " + i })).StatusCode);

        var limited = await Post(host.Client, "/signin", new { name = "alice", password = ConsoleHost.Password });

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Contains("too many sign-in attempts", (await limited.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_queue_lists_handoffs_oldest_first_and_the_gauge_counts_the_unclaimed()
    {
        await using var host = await ConsoleHost.StartAsync();
        var alice = await host.SignInAsync("alice");
        string first = Id(), second = Id(), chatting = Id();
        await host.HandOffAsync(first);
        await host.HandOffAsync(second);
        await host.SayAsync(chatting, "你好");

        var queue = await Get(alice, "/queue");
        Assert.Equal([first, second], queue.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("conversation_id").GetString()));
        Assert.Equal("request_human", queue.GetProperty("conversations")[0].GetProperty("reason").GetString());
        Assert.Equal(2, queue.GetProperty("unclaimed").GetInt32());
        Assert.Contains("kefu_handoff_queue_length 2", await host.Client.GetStringAsync("/metrics"));

        Assert.Equal(HttpStatusCode.OK, (await Post(alice, $"/conversations/{first}/claim")).StatusCode);
        queue = await Get(alice, "/queue");
        Assert.Equal("alice", queue.GetProperty("conversations")[0].GetProperty("claimed_by").GetString());
        Assert.Equal(1, queue.GetProperty("unclaimed").GetInt32());
        Assert.Contains("kefu_handoff_queue_length 1", await host.Client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Two_agents_claiming_one_conversation_at_once_one_wins_the_other_gets_409()
    {
        await using var host = await ConsoleHost.StartAsync();
        var alice = await host.SignInAsync("alice");
        var bob = await host.SignInAsync("bob");
        for (var round = 0; round < 5; round++)
        {
            var id = Id();
            await host.HandOffAsync(id);
            var answers = await Task.WhenAll(
                Task.Run(() => Post(alice, $"/conversations/{id}/claim")),
                Task.Run(() => Post(bob, $"/conversations/{id}/claim")));

            Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
            var lost = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Conflict);
            Assert.Matches($"conversation \"{id}\" is claimed by (alice|bob)", (await lost.ReadProblemAsync()).GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Claiming_an_unknown_or_not_handed_off_conversation_is_404_and_a_trainer_may_not_claim()
    {
        await using var host = await ConsoleHost.StartAsync();
        var alice = await host.SignInAsync("alice");
        var tina = await host.SignInAsync("tina");
        var chatting = Id();
        await host.SayAsync(chatting, "你好");
        await host.HandOffAsync(Id());

        var unknown = await Post(alice, "/conversations/nobody-here/claim");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("there is no conversation \"nobody-here\"", (await unknown.ReadProblemAsync()).GetProperty("detail").GetString());
        var notHandedOff = await Post(alice, $"/conversations/{chatting}/claim");
        Assert.Equal(HttpStatusCode.NotFound, notHandedOff.StatusCode);
        Assert.Contains("is not handed off", (await notHandedOff.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync("/console/api/conversations/nobody-here")).StatusCode);

        var forbidden = await Post(tina, $"/conversations/{chatting}/claim");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        await forbidden.ReadProblemAsync();
        Assert.Equal(1, (await Get(tina, "/queue")).GetProperty("unclaimed").GetInt32());
    }

    [Fact]
    public async Task A_reply_needs_the_claim_and_reaches_the_customers_poll_under_the_agents_display_name()
    {
        await using var host = await ConsoleHost.StartAsync();
        var alice = await host.SignInAsync("alice");
        var bob = await host.SignInAsync("bob");
        var id = Id();
        await host.HandOffAsync(id);

        var unclaimed = await Post(alice, $"/conversations/{id}/reply", new { text = "您好" });
        Assert.Equal(HttpStatusCode.Conflict, unclaimed.StatusCode);
        Assert.Contains("claim it first", (await unclaimed.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Post(alice, $"/conversations/{id}/claim")).StatusCode);
        var notYours = await Post(bob, $"/conversations/{id}/reply", new { text = "您好" });
        Assert.Equal(HttpStatusCode.Conflict, notYours.StatusCode);
        Assert.Equal($"conversation \"{id}\" is claimed by alice, not by you", (await notYours.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(alice, $"/conversations/{id}/reply", new { text = "  " })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Post(alice, "/conversations/nobody-here/reply", new { text = "您好" })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Post(alice, $"/conversations/{id}/reply", new { text = "您好，我是小王" })).StatusCode);

        var poll = await host.Client.GetFromJsonAsync<JsonElement>($"/webhooks/rest/conversations/{id}/messages");
        var agent = poll.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("sender").GetString() == "agent");
        Assert.Equal("小王", agent.GetProperty("agent").GetString());
        Assert.Equal("您好，我是小王", agent.GetProperty("text").GetString());
    }

    [Fact]
    public async Task The_conversation_shows_each_user_messages_intent_and_confidence()
    {
        await using var host = await ConsoleHost.StartAsync();
        var tina = await host.SignInAsync("tina");
        var id = Id();
        await host.SayAsync(id, "你好");
        await host.HandOffAsync(id);

        var view = await Get(tina, $"/conversations/{id}");

        Assert.True(view.GetProperty("handed_off").GetBoolean());
        var lines = view.GetProperty("messages").EnumerateArray().Select(m =>
            $"{m.GetProperty("kind").GetString()}|{m.GetProperty("text").GetString()}|{(m.TryGetProperty("intent", out var i) ? i.GetString() : "")}|{(m.TryGetProperty("confidence", out var c) ? c.GetDouble().ToString("0.00") : "")}");
        Assert.Equal([
            "user|你好|chitchat|0.61", "bot|echo: 你好||",
            "user|我要转人工|request_human|0.93", $"bot|{HandoffBot.HandoffText}||", "handoff|request_human||",
            $"bot|{HandoffNotices.QueueText(false, 0)}||",
        ], lines);
    }

    [Fact]
    public async Task Hand_back_with_a_note_ends_the_handoff_keeps_the_note_and_the_customer_hears_the_bot()
    {
        await using var host = await ConsoleHost.StartAsync();
        var alice = await host.SignInAsync("alice");
        var bob = await host.SignInAsync("bob");
        var id = Id();
        await host.HandOffAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await Post(alice, $"/conversations/{id}/claim")).StatusCode);

        Assert.Equal(HttpStatusCode.Conflict, (await Post(bob, $"/conversations/{id}/handback", new { note = "x" })).StatusCode);
        var handBack = await Post(alice, $"/conversations/{id}/handback", new { note = "客户已确认退款，无需跟进" });
        Assert.Equal(HttpStatusCode.NoContent, handBack.StatusCode);

        Assert.Equal(0, (await Get(alice, "/queue")).GetProperty("conversations").GetArrayLength());
        var view = await Get(alice, $"/conversations/{id}");
        Assert.False(view.GetProperty("handed_off").GetBoolean());
        Assert.Equal("客户已确认退款，无需跟进", view.GetProperty("notes")[0].GetProperty("text").GetString());
        Assert.Equal("alice", view.GetProperty("notes")[0].GetProperty("agent").GetString());
        Assert.Equal("handback", view.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("kind").GetString() != "bot").GetProperty("kind").GetString());
        var poll = await host.Client.GetFromJsonAsync<JsonElement>($"/webhooks/rest/conversations/{id}/messages");
        Assert.Equal(HandoffBot.HandBackText, poll.GetProperty("messages").EnumerateArray().Last().GetProperty("text").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Post(alice, $"/conversations/{id}/reply", new { text = "还在吗" })).StatusCode);

        // Without a note (no body at all) the hand-back works the same; the conversation can be handed off again.
        await host.HandOffAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await Post(alice, $"/conversations/{id}/claim")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Post(alice, $"/conversations/{id}/handback")).StatusCode);
        Assert.Single((await Get(alice, $"/conversations/{id}")).GetProperty("notes").EnumerateArray());
    }

    [Fact]
    public async Task A_hand_back_note_is_stored_with_personal_data_masked_as_conversations_are()
    {
        await using var host = await ConsoleHost.StartAsync();
        var alice = await host.SignInAsync("alice");
        var id = Id();
        await host.HandOffAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await Post(alice, $"/conversations/{id}/claim")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await Post(alice, $"/conversations/{id}/handback", new { note = "客户手机13812345678，明天回电" })).StatusCode);

        Assert.Equal("客户手机[phone]，明天回电", (await Get(alice, $"/conversations/{id}")).GetProperty("notes")[0].GetProperty("text").GetString());
        foreach (var file in System.IO.Directory.GetFiles(Path.Combine(host.Directory, ".kefu"), "console.db*"))   // the database and its write-ahead log
            Assert.DoesNotContain("13812345678", System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)));
    }

    [Fact]
    public async Task An_erased_conversation_leaves_the_queue_and_its_claim_and_notes_go_with_it()
    {
        await using var host = await ConsoleHost.StartAsync();
        var alice = await host.SignInAsync("alice");
        var id = Id();
        await host.HandOffAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await Post(alice, $"/conversations/{id}/claim")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Post(alice, $"/conversations/{id}/handback", new { note = "客户电话已记下" })).StatusCode);
        await host.HandOffAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await Post(alice, $"/conversations/{id}/claim")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.DeleteAsync($"/conversations/{id}")).StatusCode);

        Assert.Equal(0, (await Get(alice, "/queue")).GetProperty("conversations").GetArrayLength());
        // The same id starts over: no claim to inherit, no note of the erased conversation.
        await host.HandOffAsync(id);
        var view = await Get(alice, $"/conversations/{id}");
        Assert.Empty(view.GetProperty("notes").EnumerateArray());
        var entry = (await Get(alice, "/queue")).GetProperty("conversations")[0];
        Assert.False(entry.TryGetProperty("claimed_by", out var holder) && holder.ValueKind != JsonValueKind.Null, $"still claimed: {entry}");
    }

    [Fact]
    public async Task Transfer_gives_the_conversation_to_another_agent_and_only_its_holder_or_an_admin_may()
    {
        await using var host = await ConsoleHost.StartAsync();
        var alice = await host.SignInAsync("alice");
        var bob = await host.SignInAsync("bob");
        var ada = await host.SignInAsync("ada");
        var id = Id();
        await host.HandOffAsync(id);

        Assert.Equal(HttpStatusCode.Conflict, (await Post(alice, $"/conversations/{id}/transfer", new { agent = "bob" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post(alice, $"/conversations/{id}/claim")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(alice, $"/conversations/{id}/transfer", new { agent = "mallory" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(alice, $"/conversations/{id}/transfer", new { agent = "tina" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Post(bob, $"/conversations/{id}/transfer", new { agent = "bob" })).StatusCode);

        var transfer = await Post(alice, $"/conversations/{id}/transfer", new { agent = "bob" });
        Assert.Equal(HttpStatusCode.OK, transfer.StatusCode);
        Assert.Equal("bob", (await transfer.ReadJsonAsync()).GetProperty("claimed_by").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await Post(alice, $"/conversations/{id}/reply", new { text = "还在吗" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post(bob, $"/conversations/{id}/reply", new { text = "我是小李，接着为您处理" })).StatusCode);

        // An admin reassigns a conversation it does not hold.
        Assert.Equal(HttpStatusCode.OK, (await Post(ada, $"/conversations/{id}/transfer", new { agent = "alice" })).StatusCode);
        Assert.Equal("alice", (await Get(ada, "/queue")).GetProperty("conversations")[0].GetProperty("claimed_by").GetString());
    }

    [Fact]
    public async Task A_page_of_another_origin_may_not_act_even_with_the_cookie()
    {
        await using var host = await ConsoleHost.StartAsync();
        var alice = await host.SignInAsync("alice");
        var id = Id();
        await host.HandOffAsync(id);

        var request = new HttpRequestMessage(HttpMethod.Post, $"/console/api/conversations/{id}/claim");
        request.Headers.Add("Origin", "http://localhost.evil.example");
        var refused = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        await refused.ReadProblemAsync();
        Assert.Equal(1, (await Get(alice, "/queue")).GetProperty("unclaimed").GetInt32());
    }

    [Fact]
    public async Task The_web_chats_cors_origins_may_not_read_the_console()
    {
        // --cors-origins lists the sites that embed the web chat; a page there (same-site with the console, so the
        // SameSite=Strict cookie goes along) must not be let read an agent's queue and conversations.
        const string shop = "https://shop.example.com";
        await using var host = await ConsoleHost.StartAsync(configure: o => o with { CorsOrigins = [shop] });
        var alice = await host.SignInAsync("alice");
        var id = Id();
        await host.HandOffAsync(id);

        var read = new HttpRequestMessage(HttpMethod.Get, "/console/api/queue");
        read.Headers.Add("Origin", shop);
        var answer = await alice.SendAsync(read);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Credentials"));

        var preflight = new HttpRequestMessage(HttpMethod.Options, $"/console/api/conversations/{id}");
        preflight.Headers.Add("Origin", shop);
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        Assert.False((await alice.SendAsync(preflight)).Headers.Contains("Access-Control-Allow-Origin"));

        // The web chat's routes keep answering the listed origin.
        var chat = new HttpRequestMessage(HttpMethod.Get, "/webhooks/rest/");
        chat.Headers.Add("Origin", shop);
        Assert.Equal(shop, Assert.Single((await host.Client.SendAsync(chat)).Headers.GetValues("Access-Control-Allow-Origin")));
    }

    [Fact]
    public async Task The_queue_claims_and_sign_ins_survive_a_restart()
    {
        var first = await ConsoleHost.StartAsync();
        var alice = await first.SignInAsync("alice");
        string claimed = Id(), waiting = Id();
        await first.HandOffAsync(claimed);
        await first.HandOffAsync(waiting);
        Assert.Equal(HttpStatusCode.OK, (await Post(alice, $"/conversations/{claimed}/claim")).StatusCode);
        var cookie = alice.DefaultRequestHeaders.GetValues("Cookie").Single();

        await using var second = await first.StartAgainAsync();
        await using var _ = first;
        await second.Services.GetRequiredService<HandoffQueue>().Loaded;
        var again = second.Client;
        again.DefaultRequestHeaders.Add("Cookie", cookie);

        var queue = await Get(again, "/queue");
        Assert.Equal([$"{claimed}:alice", $"{waiting}:"], queue.GetProperty("conversations").EnumerateArray()
            .Select(c => $"{c.GetProperty("conversation_id").GetString()}:{(c.TryGetProperty("claimed_by", out var by) ? by.GetString() : "")}"));
        Assert.Equal(HttpStatusCode.OK, (await Post(again, $"/conversations/{claimed}/reply", new { text = "重启后继续" })).StatusCode);
    }

    [Fact]
    public async Task The_page_and_its_assets_are_served_and_canned_answers_and_agents_listed()
    {
        await using var host = await ConsoleHost.StartAsync();
        var alice = await host.SignInAsync("alice");

        Assert.Contains("/console/assets/console.js", await host.Client.GetStringAsync("/console/"));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/console/assets/console.css")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/console/assets/nothing.js")).StatusCode);
        var canned = await Get(alice, "/canned");
        Assert.Equal("问候", canned[0].GetProperty("title").GetString());
        Assert.Equal(["alice", "bob", "tina", "ada"], (await Get(alice, "/agents")).EnumerateArray().Select(a => a.GetProperty("name").GetString()));
    }
}
