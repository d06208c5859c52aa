using System.CommandLine;

namespace Kefu.Cli.Commands;

internal static class NluCommands
{
    public static Command Create()
    {
        var command = new Command("nlu", "Parse messages and benchmark intent and entity models");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("kefu nlu: not implemented yet");
            return 2;
        });
        return command;
    }
}
