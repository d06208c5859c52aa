using System.CommandLine;

namespace Kefu.Cli.Commands;

internal static class BenchCommands
{
    public static Command Create()
    {
        var command = new Command("bench", "Benchmarks of Kefu's own components");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("kefu bench: not implemented yet");
            return 2;
        });
        return command;
    }
}
