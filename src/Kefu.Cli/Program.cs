using System.CommandLine;
using System.CommandLine.Invocation;
using Kefu.Cli;
using Kefu.Cli.Commands;

// Named `kefu` as installed (ToolCommandName), not after the executable: a RootCommand would say "Kefu.Cli" under `dotnet Kefu.Cli.dll`.
var root = new Command("kefu", "Kefu (客服): an AI customer-service platform for .NET") { new System.CommandLine.Help.HelpOption(), new VersionOption() };
root.Subcommands.Add(InitCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(ShellCommand.Create());
root.Subcommands.Add(EnvironmentOptions.Enable(ServeCommand.Create()));
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(TestCommand.Create());
root.Subcommands.Add(TuneCommand.Create());
root.Subcommands.Add(NluCommands.Create());
root.Subcommands.Add(DataCommands.Create());
root.Subcommands.Add(BenchCommands.Create());
root.Subcommands.Add(ModelCommands.Create());
root.Subcommands.Add(ModelsCommand.Create());
root.Subcommands.Add(KbCommands.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(AgentsCommands.Create());
root.Subcommands.Add(AbCommands.Create());
root.Subcommands.Add(CorrectionsCommand.Create());
// Exit codes (README.md): 0 done, 1 failed on what the command was given or met, 2 a usage error (an unknown command or
// option, a required one missing, a value that does not parse), as Unix tools tell "called wrong" from "failed".
const int UsageError = 2;
var parse = EnvironmentOptions.Parse(root, args, out var environmentError);
if (environmentError is not null)
{
    Console.Error.WriteLine(environmentError);
    return UsageError; // a KEFU_* variable stands for its option: a value the option refuses is the same mistake
}
try
{
    int code = await parse.InvokeAsync(new InvocationConfiguration
    {
        ProcessTerminationTimeout = ServeCommand.TerminationTimeout(parse),
        EnableDefaultExceptionHandler = false,
    });
    // ParseErrorAction prints the errors and the help, and returns 1; --help with a mistake beside it is not one (HelpAction)
    return parse.Action is ParseErrorAction ? UsageError : code;
}
catch (Exception e) when (CliErrors.IsFixable(e))
{
    // what a person can fix (a path, a damaged file, a port) in one line; a bug still shows its stack trace
    Console.Error.WriteLine($"kefu: {e.Message}");
    return 1;
}
