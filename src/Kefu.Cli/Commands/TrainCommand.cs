using System.CommandLine;

namespace Kefu.Cli.Commands;

internal static class TrainCommand
{
    public static Command Create()
    {
        var command = new Command("train", "Train the NLU and dialogue models of a project into one model archive");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("kefu train: not implemented yet");
            return 2;
        });
        return command;
    }
}
