using System.CommandLine;
using Kefu.Cli.Commands.Data;

namespace Kefu.Cli.Commands;

/// <summary>`kefu data`: one line per subcommand; each lives in Commands/Data/.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var command = new Command("data", "Check, split, convert, clean, migrate and augment training data");
        command.Subcommands.Add(DataValidateCommand.Create());
        command.Subcommands.Add(DataSplitCommand.Create());
        command.Subcommands.Add(DataConvertCommand.Create());
        command.Subcommands.Add(DataCleanCommand.Create());
        command.Subcommands.Add(DataMigrateCommand.Create());
        command.Subcommands.Add(DataAugmentCommand.Create());
        return command;
    }
}
