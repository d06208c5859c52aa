using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Kefu.Models;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu models list | promote VERSION | rollback`: the versions of PROJECT/models (<see cref="ModelRegistry"/>). A
/// running `kefu serve` of the project loads the promoted version by itself (docs/models.md, "Versions, promotion and hot reload").
/// </summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "The trained versions of a project: list them, promote one, roll back to the one promoted before");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreatePromote());
        command.Subcommands.Add(CreateRollback());
        return command;
    }

    static Command CreateList()
    {
        var project = CommonOptions.Project();
        var json = new Option<bool>("--json") { Description = "Print the registry's versions, promoted version and history as JSON" };
        var command = new Command("list", "List the versions: id, created, data hash, scores; * marks the promoted one") { project, json };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var (stdout, stderr) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            string models = ModelRegistry.ModelsDirectory(parse.GetValue(project)!);
            var registry = ModelRegistry.Read(models);
            if (parse.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    promoted = registry.Promoted,
                    versions = registry.Versions.Select(v => new
                    {
                        id = v.Id, file = v.File, created = v.Created, config_hash = v.ConfigHash, data_hash = v.DataHash,
                        examples = v.Metrics.Examples, intents = v.Metrics.Intents, train_seconds = v.Metrics.TrainSeconds,
                        test_accuracy = v.Test?.IntentAccuracy, test_macro_f1 = v.Test?.MacroF1, test_file = v.Test?.File,
                    }),
                    history = registry.History.Select(h => new { version = h.Version, at = h.At, how = h.How }),
                }));
                return 0;
            }
            if (registry.Versions.Count == 0)
            {
                stderr.WriteLine($"no versions in {models} yet: kefu train --project {parse.GetValue(project)} trains the first");
                return 0;
            }
            stdout.WriteLine($"  {"version",-8} {"created (UTC)",-19} {"data",-12} {"config",-12} {"examples",8} {"intents",7} {"train s",8} {"test acc",8} {"test F1",8}");
            foreach (var v in registry.Versions)
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(v.Id == registry.Promoted ? "*" : " ")} {v.Id,-8} {v.Created.UtcDateTime,-19:yyyy-MM-dd HH:mm:ss} {v.DataHash[..12],-12} " +
                    $"{v.ConfigHash[..12],-12} {v.Metrics.Examples,8} {v.Metrics.Intents,7} {v.Metrics.TrainSeconds,8:F1} " +
                    $"{(v.Test is { } t ? t.IntentAccuracy.ToString("F4", CultureInfo.InvariantCulture) : "-"),8} " +
                    $"{(v.Test is { } f ? f.MacroF1.ToString("F4", CultureInfo.InvariantCulture) : "-"),8}"));
            return 0;
        }));
        return command;
    }

    static Command CreatePromote()
    {
        var project = CommonOptions.Project();
        var version = new Argument<string>("VERSION") { Description = "The version to promote (v1, v2, ...: see kefu models list)" };
        var command = new Command("promote", "Make VERSION the promoted model; a running kefu serve loads it without dropping requests") { project, version };
        command.SetAction(parse => Change(parse, project, registry => registry.Promote(parse.GetValue(version)!, "promote")));
        return command;
    }

    static Command CreateRollback()
    {
        var project = CommonOptions.Project();
        var command = new Command("rollback", "Promote again the version that was promoted before the current one") { project };
        command.SetAction(parse => Change(parse, project, registry => registry.Rollback()));
        return command;
    }

    static int Change(ParseResult parse, Option<string> project, Func<ModelRegistry, ModelVersion> change) => CliErrors.Guard(() =>
    {
        using var registry = ModelRegistry.Lock(ModelRegistry.ModelsDirectory(parse.GetValue(project)!));
        string? before = registry.Contents.Promoted;
        var promoted = change(registry);
        registry.Save();
        parse.InvocationConfiguration.Output.WriteLine($"promoted {promoted.Id} (was {before ?? "none"})");
        return 0;
    });
}
