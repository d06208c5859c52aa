using System.CommandLine;
using Kefu.Server.Agents;

namespace Kefu.Cli.Commands;

/// <summary>`kefu agents add | list`: the agent console's users in PROJECT/agents.yml (docs/agents.md).</summary>
internal static class AgentsCommands
{
    public static Command Create()
    {
        var agents = new Command("agents", "The human-agent console's users (PROJECT/agents.yml)");
        agents.Subcommands.Add(Add());
        agents.Subcommands.Add(List());
        return agents;
    }

    static Command Add()
    {
        var project = CommonOptions.Project();
        var name = new Argument<string>("name") { Description = "The sign-in name: letters, digits, '.', '_', '-'" };
        var role = new Option<string>("--role") { Description = "agent, trainer or admin", DefaultValueFactory = _ => "agent" };
        var displayName = new Option<string?>("--display-name") { Description = "The name customers see beside the agent's messages (default: the sign-in name)" };
        var command = new Command("add", "Add a console user, or give an existing one a new password, role or display name; the password is read from standard input (one line) or asked for");
        command.Arguments.Add(name);
        foreach (var o in new Option[] { project, role, displayName }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(project)!;
            var user = parse.GetValue(name)!;
            if (!Directory.Exists(folder))
                return Fail($"the project folder '{folder}' does not exist");
            if (AgentsFile.CheckName(user) is { } badName)
                return Fail(badName);
            if (!AgentsFile.TryParseRole(parse.GetValue(role), out var agentRole))
                return Fail($"--role is \"{parse.GetValue(role)}\"; expected agent, trainer or admin");
            var shown = parse.GetValue(displayName) ?? user;
            if (AgentsFile.CheckDisplayName(shown) is { } badDisplay)
                return Fail(badDisplay);
            var password = ReadPassword(user);
            if (string.IsNullOrEmpty(password))
                return Fail("no password was given (type it when asked, or pipe it: echo PASSWORD | kefu agents add NAME)");
            if (password.Length < 8)
                return Fail("the password must be at least 8 characters");
            var path = AgentsFile.PathIn(folder);
            try
            {
                AgentsFile.AddOrReplace(path, user, shown, agentRole, password);
            }
            catch (Exception e) when (e is AgentsFileException or IOException or UnauthorizedAccessException)
            {
                return Fail(e.Message);
            }
            Console.WriteLine($"{path}: {user} ({AgentConsole.RoleName(agentRole)}, shown as {shown}) can sign in at /console/ once kefu serve (re)starts");
            return 0;
        });
        return command;
    }

    static Command List()
    {
        var project = CommonOptions.Project();
        var command = new Command("list", "List the console's users");
        command.Options.Add(project);
        command.SetAction(parse =>
        {
            var path = AgentsFile.PathIn(parse.GetValue(project)!);
            if (!File.Exists(path))
                return Fail($"{path} does not exist; `kefu agents add NAME --role agent` makes it");
            try
            {
                foreach (var u in AgentsFile.Load(path))
                    Console.WriteLine($"{u.Name}\t{AgentConsole.RoleName(u.Role)}\t{u.DisplayName}");
            }
            catch (AgentsFileException e)
            {
                return Fail(e.Message);
            }
            return 0;
        });
        return command;
    }

    /// <summary>A prompt without echo on a terminal; the first line of standard input otherwise.</summary>
    static string? ReadPassword(string user)
    {
        if (Console.IsInputRedirected)
            return Console.In.ReadLine()?.TrimEnd('\r');
        Console.Error.Write($"password for {user}: ");
        var password = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
                break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                    password.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
                password.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return password.ToString();
    }

    static int Fail(string message)
    {
        Console.Error.WriteLine($"kefu: {message}");
        return 1;
    }
}
