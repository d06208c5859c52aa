using System.CommandLine;
using Kefu.Cli.Commands;

namespace Kefu.Tests.Data;

/// <summary>Runs `kefu data ...` in process, with its output and error text captured.</summary>
internal static class DataCli
{
    public static (int Code, string Output, string Error) Run(params string[] args)
    {
        var root = new RootCommand { DataCommands.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        int code = root.Parse(["data", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
