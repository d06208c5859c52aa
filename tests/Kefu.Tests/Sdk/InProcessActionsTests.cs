using System.Collections.Concurrent;
using System.CommandLine;
using System.Net;
using System.Text.Json;
using Kefu.Cli;
using Kefu.Cli.Commands;
using Kefu.Dialogue;
using Kefu.Tests.Dialogue;
using Kefu.Tests.Projects;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Tests.Sdk;

/// <summary>
/// PROJECT/actions built and run in process by what kefu serve and kefu shell use (BotLoader), before endpoints.yml's
/// action server; and kefu train failing on a compile error of the actions.
/// </summary>
public sealed class InProcessActionsTests
{
    private const string Domain = """
        version: "3.1"
        intents: [check_order, ask_remote]
        entities: [order_id]
        slots:
          greeted:
            type: bool
            influence_conversation: false
            mappings:
              - type: custom
        actions: [action_greet, action_remote]
        """;

    private const string Rules = """
        version: "3.1"
        rules:
          - rule: check order
            steps:
              - intent: check_order
              - action: action_greet
          - rule: remote
            steps:
              - intent: ask_remote
              - action: action_remote
        """;

    private const string Nlu = """
        version: "3.1"
        nlu:
          - intent: check_order
            examples: |
              - 查订单 [A1001](order_id)
              - 我的订单 [B2002](order_id) 到哪了
          - intent: ask_remote
            examples: |
              - 问问远程
              - 远程的
        """;

    private const string Config = "recipe: default.v1\nlanguage: zh\npipeline: []\npolicies:\n  - name: RulePolicy\n";

    /// <summary>A Rasa action server stand-in: answers every action with one message and records the names it was asked for.</summary>
    private sealed class StandInActionServer(WebApplication app, string url, ConcurrentQueue<string> asked) : IAsyncDisposable
    {
        public string Url => url;

        public IReadOnlyList<string> Names => [.. asked];

        public static async Task<StandInActionServer> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var asked = new ConcurrentQueue<string>();
            app.MapPost("/webhook", async (HttpRequest request) =>
            {
                using var body = await JsonDocument.ParseAsync(request.Body);
                asked.Enqueue(body.RootElement.GetProperty("next_action").GetString()!);
                return Results.Text("""{"events": [], "responses": [{"text": "远程服务器回答"}]}""", "application/json");
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new StandInActionServer(app, address.TrimEnd('/') + "/webhook", asked);
        }

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }

    [Fact]
    public async Task A_turn_runs_the_projects_csharp_action_in_process_and_the_rest_on_the_action_server()
    {
        await using var remote = await StandInActionServer.StartAsync();
        using var project = new TempProject("kefu-inprocess-actions-", ("domain.yml", Domain), ("config.yml", Config), ("data/rules.yml", Rules),
            ("data/stories.yml", "version: \"3.1\"\nstories: []\n"), ("data/nlu.yml", Nlu), ("endpoints.yml", $"action_endpoint:\n  url: \"{remote.Url}\"\n"));
        ActionsProjects.Write(project, ActionsProjects.Greet);

        var agent = BotLoader.CreateAgent(BotLoader.LoadOrTrain(project.Dir, null, TextWriter.Null), new InMemoryEventStore());

        new Chat(agent, "c1").Send("/check_order{\"order_id\": \"A1001\"}").Expect("你好，朋友！订单：A1001");
        var tracker = await agent.GetTrackerAsync("c1");
        Assert.True(tracker.GetProperty("slots").GetProperty("greeted").GetBoolean());
        Assert.Empty(remote.Names);   // the C# action is not sent to endpoints.yml's server

        new Chat(agent, "c1").Send("/ask_remote").Expect("远程服务器回答");
        Assert.Equal(["action_remote"], remote.Names);
    }

    [Fact]
    public async Task Changed_actions_are_built_again_and_loaded_beside_the_old_ones()
    {
        using var project = new TempProject("kefu-rebuilt-actions-");
        ActionsProjects.Write(project, ActionsProjects.Greet);
        var first = Assert.Single(Kefu.Dialogue.Actions.ActionsProject.Load(project.Dir), a => a.Name == "action_greet");
        Assert.Same(first, Kefu.Dialogue.Actions.ActionsProject.Load(project.Dir).Single(a => a.Name == "action_greet"));   // unchanged: not built again

        ActionsProjects.Write(project, ActionsProjects.Greet.Replace("你好，", "您好，"));
        var second = Kefu.Dialogue.Actions.ActionsProject.Load(project.Dir).Single(a => a.Name == "action_greet");

        Assert.Equal("您好，朋友！订单：", await Say(second));
        Assert.Equal("你好，朋友！订单：", await Say(first));   // the first build still runs, though its file was rewritten
    }

    private static async Task<string?> Say(Kefu.Sdk.CustomAction action)
    {
        var executor = new Kefu.Sdk.ActionExecutor([action]);
        var answer = await executor.RunAsync(System.Text.Encoding.UTF8.GetBytes(
            $$$"""{"next_action": "{{{action.Name}}}", "tracker": {"sender_id": "u1", "slots": {}, "latest_message": {"text": "x"}, "events": []}, "domain": {}}"""));
        return JsonDocument.Parse(answer.Body).RootElement.GetProperty("responses")[0].GetProperty("text").GetString();
    }

    [Fact]
    public void Kefu_train_fails_on_a_compile_error_of_the_actions_with_file_line_column()
    {
        using var project = new TempProject("kefu-train-broken-actions-", ("domain.yml", Domain), ("config.yml", Config), ("data/rules.yml", Rules),
            ("data/stories.yml", "version: \"3.1\"\nstories: []\n"), ("data/nlu.yml", Nlu));
        ActionsProjects.Write(project, ActionsProjects.Greet.Replace("tracker.GetSlotText(\"name\")", "tracker.NoSuchMember"), "Greet.cs");
        var lines = File.ReadAllLines(project.PathOf("actions/Greet.cs"));
        int line = Array.FindIndex(lines, l => l.Contains("NoSuchMember")) + 1;
        int column = lines[line - 1].IndexOf("NoSuchMember", StringComparison.Ordinal) + 1;
        var (output, error) = (new StringWriter(), new StringWriter());
        var model = project.PathOf("models/model.kefu");

        int code = new RootCommand { TrainCommand.Create() }.Parse(["train", "--project", project.Dir, "--out", model])
            .Invoke(new InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(1, code);
        Assert.Contains($"{project.PathOf("actions/Greet.cs")}:{line}:{column}: error CS1061:", error.ToString());
        Assert.Contains("nothing trained", error.ToString());
        Assert.False(File.Exists(model));
    }
}
