using System.CommandLine;
using Kefu.Projects;
using Kefu.Training;

namespace Kefu.Cli.Commands.Data;

/// <summary>
/// `kefu data validate [DIR] [--fail-on-warnings]`: every problem of a project as file:line:column. Exit 1 on an error,
/// or with --fail-on-warnings on a warning too (Rasa's `rasa data validate --fail-on-warnings`).
/// </summary>
internal static class DataValidateCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("DIR")
        {
            Description = "The Rasa project folder (domain.yml, config.yml, data/, tests/)",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => ".",
        };
        var failOnWarnings = new Option<bool>("--fail-on-warnings") { Description = "Exit 1 on warnings too, as Rasa's option does" };
        var command = new Command("validate", "Check a Rasa 3.x project and print every problem as file:line:column") { directory, failOnWarnings };
        command.SetAction(parseResult =>
        {
            string dir = parseResult.GetValue(directory) ?? ".";
            var output = parseResult.InvocationConfiguration.Output;
            if (!Directory.Exists(dir))
            {
                output.WriteLine(File.Exists(dir)
                    ? $"{dir}: this is a file, not a project folder; give the folder that holds domain.yml, config.yml and data/"
                    : $"{dir}: no such folder ({Path.GetFullPath(dir)}); give the project folder that holds domain.yml, config.yml and data/");
                return 1;
            }
            var project = RasaProject.Read(dir);
            foreach (var diagnostic in project.Diagnostics) output.WriteLine(diagnostic);
            // what the pipeline's components and options do in Kefu, as `kefu train` would read them
            var (pipelineWarnings, pipelineErrors) = PipelineCheck.Check(project.Config);
            foreach (var line in pipelineWarnings) output.WriteLine(line);
            foreach (var diagnostic in pipelineErrors) output.WriteLine(diagnostic);
            // what kefu serve reads of endpoints.yml's stores and credentials.yml's channels: its first refusal in each file
            var (serveErrors, serveWarnings) = ServeFileProblems(dir);
            foreach (var diagnostic in serveErrors.Concat(serveWarnings)) output.WriteLine(diagnostic);
            var knowledgeErrors = KnowledgeFileProblems(dir);
            foreach (var diagnostic in knowledgeErrors) output.WriteLine(diagnostic);
            int errors = project.Diagnostics.Count(d => d.Severity == Severity.Error) + pipelineErrors.Count + serveErrors.Count + knowledgeErrors.Count;
            int warnings = project.Diagnostics.Count(d => d.Severity != Severity.Error) + pipelineWarnings.Count + serveWarnings.Count;
            bool fail = errors > 0 || (parseResult.GetValue(failOnWarnings) && warnings > 0);
            output.WriteLine(errors == 0
                ? $"{dir}: valid ({Summary(project)}); {Plural(warnings, "warning")}{(fail ? " (--fail-on-warnings: exit 1)" : "")}"
                : $"{dir}: {Plural(errors, "error")}, {Plural(warnings, "warning")}");
            return fail ? 1 : 0;
        });
        return command;
    }

    static (List<Diagnostic> Errors, List<Diagnostic> Warnings) ServeFileProblems(string dir)
    {
        List<Diagnostic> errors = [], warnings = [];
        foreach (Action read in new Action[] { () => Kefu.Server.Storage.StoreEndpoints.Load(dir), () => Kefu.Server.Channels.ChannelSettings.Load(dir),
            () => { Kefu.Generation.Nlg.LocalNlgConfig.Load(dir); Kefu.Generation.Nlg.LocalNlgConfig.LoadServer(dir); } })
        {
            try { read(); }
            catch (ProjectException e)
            {
                // a secret that is not set where validate runs (CI) is for the serving machine to have: said, not an error
                foreach (var d in e.Diagnostics.Where(d => d.Severity == Severity.Error))
                    if (d.Message.StartsWith(EndpointsYaml.UnsetVariable, StringComparison.Ordinal)) warnings.Add(d with { Severity = Severity.Warning });
                    else errors.Add(d);
            }
        }
        return (errors, warnings);
    }

    /// <summary>What serve and kb refuse in knowledge.yml (its first refusal), as file:line:column.</summary>
    static List<Diagnostic> KnowledgeFileProblems(string dir)
    {
        try
        {
            Kefu.Knowledge.KnowledgeConfig.Load(dir);
            return [];
        }
        catch (Kefu.Knowledge.KnowledgeFormatException e)
        {
            return [new Diagnostic(Severity.Error, new SourceLocation(e.File, Math.Max(1, e.Line), Math.Max(1, e.Column)), e.Reason)];
        }
    }

    private static string Summary(RasaProject p) =>
        $"{Plural(p.Domain.Intents.Count, "intent")}, {Plural(p.Nlu.Examples.Count, "example")}, " +
        $"{Plural(p.Stories.Count, "story", "stories")}, {Plural(p.Rules.Count, "rule")}, " +
        $"{Plural(p.TestStories.Count, "test story", "test stories")}";

    private static string Plural(int n, string one, string? many = null) => $"{n} {(n == 1 ? one : many ?? one + "s")}";
}
