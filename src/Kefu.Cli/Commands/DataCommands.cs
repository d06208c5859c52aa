using System.CommandLine;
using Kefu.Training;
using Kefu.Projects;

namespace Kefu.Cli.Commands;

internal static class DataCommands
{
    public static Command Create()
    {
        var command = new Command("data", "Check and convert training data");
        command.Subcommands.Add(Validate());
        command.Subcommands.Add(DataAugmentCommand.Create());
        return command;
    }

    private static Command Validate()
    {
        var directory = new Argument<string>("DIR")
        {
            Description = "The Rasa project folder (domain.yml, config.yml, data/, tests/)",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => ".",
        };
        var command = new Command("validate", "Check a Rasa 3.x project and print every problem as file:line:column") { directory };
        command.SetAction(parseResult =>
        {
            string dir = parseResult.GetValue(directory) ?? ".";
            var output = parseResult.InvocationConfiguration.Output;
            var project = RasaProject.Read(dir);
            foreach (var diagnostic in project.Diagnostics) output.WriteLine(diagnostic);
            // what the pipeline's components and options do in Kefu, as `kefu train` would read them
            var (pipelineWarnings, pipelineErrors) = PipelineCheck.Check(project.Config);
            foreach (var line in pipelineWarnings) output.WriteLine(line);
            foreach (var diagnostic in pipelineErrors) output.WriteLine(diagnostic);
            int errors = project.Diagnostics.Count(d => d.Severity == Severity.Error) + pipelineErrors.Count;
            int warnings = project.Diagnostics.Count(d => d.Severity != Severity.Error) + pipelineWarnings.Count;
            output.WriteLine(errors == 0
                ? $"{dir}: valid ({Summary(project)}); {Plural(warnings, "warning")}"
                : $"{dir}: {Plural(errors, "error")}, {Plural(warnings, "warning")}");
            return errors == 0 ? 0 : 1;
        });
        return command;
    }

    private static string Summary(RasaProject p) =>
        $"{Plural(p.Domain.Intents.Count, "intent")}, {Plural(p.Nlu.Examples.Count, "example")}, " +
        $"{Plural(p.Stories.Count, "story", "stories")}, {Plural(p.Rules.Count, "rule")}, " +
        $"{Plural(p.TestStories.Count, "test story", "test stories")}";

    private static string Plural(int n, string one, string? many = null) => $"{n} {(n == 1 ? one : many ?? one + "s")}";
}
