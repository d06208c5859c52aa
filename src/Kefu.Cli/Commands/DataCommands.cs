using System.CommandLine;

namespace Kefu.Cli.Commands;

internal static class DataCommands
{
    public static Command Create()
    {
        var command = new Command("data", "Check and convert training data");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("kefu data: not implemented yet");
            return 2;
        });
        return command;
    }
}
