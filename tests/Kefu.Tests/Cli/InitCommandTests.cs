using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Kefu.Cli.Commands;
using Kefu.Dialogue.Actions;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Cli;

public class InitCommandTests
{
    [Theory]
    [InlineData("ecommerce-zh")]
    [InlineData("banking-en")]
    public void Template_becomes_a_valid_project(string template)
    {
        using var folder = new TempProject("kefu-init-");
        var dir = folder.PathOf("bot");

        Assert.Equal(0, InitCommand.Run(dir, template));

        var project = RasaProject.Load(dir);
        Assert.NotEmpty(project.Domain.Intents);
        Assert.NotEmpty(project.TestStories);
        if (File.Exists(Path.Combine(dir, "knowledge.yml")))   // banking-en's FAQ: kefu kb query works in the new project
            Assert.NotEmpty(Kefu.Knowledge.KnowledgeService.Open(dir)!.Kb.Search("How do I activate my card?", 3));
    }

    [Fact]
    public void Refuses_a_folder_that_is_not_empty()
    {
        using var folder = new TempProject("kefu-init-", ("keep.txt", "mine"));
        var dir = folder.Dir;

        Assert.Equal(1, InitCommand.Run(dir, "ecommerce-zh"));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir, "keep.txt")));
    }

    [Fact]
    public async Task Writes_an_actions_project_that_builds_on_its_own_and_runs_in_kefu()
    {
        using var folder = new TempProject("kefu-init-actions-");
        var dir = folder.PathOf("bot");
        Assert.Equal(0, InitCommand.Run(dir, "banking-en"));
        Assert.True(File.Exists(Path.Combine(dir, "actions", "Actions.csproj")));

        // as an IDE builds it: plain dotnet build, with the Kefu.Sdk.dll path kefu init wrote
        var build = new ProcessStartInfo("dotnet", ["build", Path.Combine(dir, "actions", "Actions.csproj"), "-o", folder.PathOf("ide-bin"), "-nologo", "-v:q", "--disable-build-servers"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in build.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            build.Environment.Remove(name);
        using (var process = Process.Start(build)!)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"dotnet build of the new actions project failed:\n{await output}\n{await errors}");
        }
        Assert.True(File.Exists(folder.PathOf("ide-bin/Actions.dll")));

        var executor = new Kefu.Sdk.ActionExecutor(ActionsProject.Load(dir));
        Assert.Equal(["action_hello_world", "validate_contact_form"], executor.ActionNames);
        var hello = await Run(executor, "action_hello_world", "[]");
        Assert.Equal("Hello World!", hello.GetProperty("responses")[0].GetProperty("text").GetString());
        var phone = await Run(executor, "validate_contact_form", """[{"event": "slot", "name": "phone", "value": "138-0013 8000"}]""");
        var slot = Assert.Single(phone.GetProperty("events").EnumerateArray());
        Assert.Equal("13800138000", slot.GetProperty("value").GetString());
    }

    [Fact]
    public void The_ecommerce_template_carries_the_samples_own_actions_and_they_load()
    {
        using var folder = new TempProject("kefu-init-ecommerce-actions-");
        var dir = folder.PathOf("bot");
        Assert.Equal(0, InitCommand.Run(dir, "ecommerce-zh"));
        Assert.True(File.Exists(Path.Combine(dir, "actions", "Orders", "OrderBook.cs")));
        Assert.False(Directory.Exists(Path.Combine(dir, "actions", "tests")));

        var declared = RasaProject.Load(dir).Domain.Actions.Select(a => a.Name).Order();
        Assert.Equal(declared, ActionsProject.Load(dir).Select(a => a.Name).Order());
    }

    private static async Task<JsonElement> Run(Kefu.Sdk.ActionExecutor executor, string action, string events)
    {
        var answer = await executor.RunAsync(Encoding.UTF8.GetBytes("""
            {"next_action": "ACTION", "sender_id": "u1",
             "tracker": {"sender_id": "u1", "slots": {"phone": null}, "latest_message": {"text": "138-0013 8000"},
                         "events": EVENTS, "active_loop": {"name": "contact_form"}},
             "domain": {"slots": {"phone": {}}, "forms": {"contact_form": {"required_slots": ["phone"]}}}}
            """.Replace("ACTION", action).Replace("EVENTS", events)));
        Assert.Equal(200, answer.StatusCode);
        return JsonDocument.Parse(answer.Body).RootElement.Clone();
    }
}
