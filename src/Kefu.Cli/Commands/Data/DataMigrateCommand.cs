using System.CommandLine;
using Kefu.Data;

namespace Kefu.Cli.Commands.Data;

/// <summary>
/// `kefu data migrate`: a Rasa 2 domain in Rasa 3 format (<see cref="DomainMigrator"/>). Unlike Rasa, which rewrites
/// domain.yml and keeps original_domain.yml, Kefu writes a new file and leaves the input as it is.
/// </summary>
internal static class DataMigrateCommand
{
    public static Command Create()
    {
        var domain = new Option<string>("--domain", "-d") { Description = "The Rasa 2 domain file", DefaultValueFactory = _ => "domain.yml" };
        var outPath = new Option<string?>("--out") { Description = "Where to write the Rasa 3 domain (default: domain.migrated.yml beside the input)" };
        var command = new Command("migrate", "Migrate a Rasa 2 domain to Rasa 3 (slot mappings from forms and auto_fill into slots' mappings)") { domain, outPath };
        command.SetAction(parse =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            string input = parse.GetValue(domain)!;
            if (Directory.Exists(input) || !File.Exists(input))
            {
                error.WriteLine(Directory.Exists(input)
                    ? $"{input}: a folder; give the one domain file that holds the slots and forms (as Rasa's migrate asks)"
                    : $"{input}: no such file");
                return 1;
            }
            string target = parse.GetValue(outPath) ?? Path.Combine(Path.GetDirectoryName(input) ?? ".", "domain.migrated.yml");
            var migration = DomainMigrator.Migrate(input);
            if (DataOutput.Report(migration.Diagnostics, error) || migration.Yaml is null)
            {
                error.WriteLine($"{input}: not migrated (nothing was written)");
                return 1;
            }
            if (DataOutput.WriteAll([(target, migration.Yaml)], [input]) is { } problem)
            {
                error.WriteLine($"kefu data migrate: {problem}");
                return 1;
            }
            foreach (var change in migration.Changes) output.WriteLine($"  {change}");
            output.WriteLine($"{target}: the Rasa 3 domain ({migration.Changes.Count} changes; comments of the input are not carried over)");
            return 0;
        });
        return command;
    }
}
