using System.CommandLine;
using Kefu.Projects;

namespace Kefu.Cli.Commands;

/// <summary>Options several commands share, spelled as in ARCHITECTURE.md's contracts.</summary>
internal static class CommonOptions
{
    public static Option<string> Project() =>
        new("--project") { Description = "The bot project folder (Rasa 3.x layout)", DefaultValueFactory = _ => "." };

    public static Option<string?> Model() =>
        new("--model") { Description = "Model archive to use (default: PROJECT/models/model.kefu, trained when missing or outdated)" };
}

/// <summary>Turns the errors a person can fix into messages and exit code 1, instead of stack traces.</summary>
internal static class CliErrors
{
    public static int Guard(Func<int> run) => GuardAsync(() => Task.FromResult(run())).GetAwaiter().GetResult();

    public static async Task<int> GuardAsync(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (ProjectException e)
        {
            foreach (var d in e.Diagnostics) Console.Error.WriteLine(d);
            Console.Error.WriteLine($"{e.Diagnostics.Count(d => d.Severity == Severity.Error)} error(s); nothing was trained or served.");
            return 1;
        }
        catch (Exception e) when (IsFixable(e))
        {
            Console.Error.WriteLine($"kefu: {e.Message}");
            return 1;
        }
    }

    /// <summary>Errors of the files, folders and settings a command was given, not of Kefu: said in one line, exit 1.</summary>
    public static bool IsFixable(Exception e) => e is IOException or UnauthorizedAccessException or InvalidDataException
        or Kefu.Models.ModelArchiveException or Kefu.Knowledge.KnowledgeFormatException or Kefu.Dialogue.Actions.ActionsProjectException
        or System.Text.Json.JsonException or Microsoft.Data.Sqlite.SqliteException
        || e is ArgumentOutOfRangeException { ParamName: "port" }
        || e is AggregateException { InnerExceptions: [var inner] } && IsFixable(inner);
}
