using System.CommandLine;
using Kefu.Models;
using Kefu.Projects;
using Kefu.Training;

namespace Kefu.Cli.Commands;

internal static class TrainCommand
{
    public static Command Create()
    {
        var project = new Option<string>("--project") { Description = "Rasa 3.x project folder", DefaultValueFactory = _ => "." };
        var output = new Option<string?>("--out") { Description = "Model archive to write (default PROJECT/models/model.kefu)" };
        var command = new Command("train", "Train the NLU and dialogue models of a project into one model archive");
        command.Options.Add(project);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            string directory = parse.GetValue(project)!;
            var (stdout, stderr) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var loaded = RasaProject.Read(directory);
            foreach (var diagnostic in loaded.Diagnostics) stderr.WriteLine(diagnostic);
            int errors = loaded.Diagnostics.Count(d => d.Severity == Severity.Error);
            if (errors > 0)
            {
                stderr.WriteLine($"kefu train: {errors} error(s) in {directory}; nothing trained");
                return 1;
            }
            try
            {
                string path = parse.GetValue(output) ?? ProjectTrainer.DefaultModelPath(directory);
                var result = ProjectTrainer.Train(loaded, path, new SynchronousProgress(stderr));
                stdout.WriteLine($"{result.ModelPath} ({result.Nlu.Intents.Labels.Count} intents, " +
                                 $"{result.Nlu.Entities?.EntityTypes.Count ?? 0} entity types, {result.Elapsed.TotalSeconds:F1} s)");
                return 0;
            }
            catch (ProjectException e)
            {
                foreach (var diagnostic in e.Diagnostics) stderr.WriteLine(diagnostic);
                return 1;
            }
            catch (Exception e) when (e is ModelArchiveException or IOException or ArgumentException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
