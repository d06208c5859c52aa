using System.CommandLine;
using Kefu.Data;

namespace Kefu.Cli.Commands.Data;

/// <summary>
/// `kefu data clean`: the cleaned NLU file plus clean_report.json and clean_report.txt in --out; with --dry-run only the
/// summary is printed. The input is never changed.
/// </summary>
internal static class DataCleanCommand
{
    public static Command Create()
    {
        var nlu = new Option<string>("--nlu", "-u") { Description = "The NLU file to clean (YAML, Rasa JSON, Rasa 2 Markdown or CSV)", DefaultValueFactory = _ => Path.Combine("data", "nlu.yml") };
        var outDir = new Option<string>("--out") { Description = "Folder for the cleaned nlu.yml, clean_report.json and clean_report.txt", DefaultValueFactory = _ => "cleaned" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would change; write nothing" };
        var command = new Command("clean",
            "Clean NLU examples (HTML, full-width letters and digits, white space, invisible characters), remove exact repeats, report conflicts and near duplicates")
            { nlu, outDir, dryRun };
        command.SetAction(parse =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            string input = parse.GetValue(nlu)!;
            if (Directory.Exists(input))
            {
                error.WriteLine($"{input}: a folder; give one NLU file to clean (--nlu data/nlu.yml)");
                return 1;
            }
            var (document, diagnostics) = NluDocuments.Read(input);
            if (DataOutput.Report(diagnostics, error))
            {
                error.WriteLine($"{input}: not cleaned; fix the errors above (nothing was written)");
                return 1;
            }
            var result = NluCleaner.Clean(document, input);
            string summary = result.Report.ToText();
            if (parse.GetValue(dryRun))
            {
                output.Write(summary);
                output.WriteLine("(dry run: nothing was written)");
                return 0;
            }
            var (yaml, problems) = NluYamlWriter.Write(result.Cleaned, $"cleaned by kefu data clean from {Path.GetFileName(input)}; see clean_report.txt");
            if (DataOutput.Report(problems, error))
            {
                error.WriteLine($"{input}: not cleaned; the examples above cannot be written (nothing was written)");
                return 1;
            }
            string dir = parse.GetValue(outDir)!;
            string nluOut = Path.Combine(dir, "nlu.yml");
            if (DataOutput.WriteAll([(nluOut, yaml), (Path.Combine(dir, "clean_report.json"), result.Report.ToJson()),
                    (Path.Combine(dir, "clean_report.txt"), summary)], [input]) is { } problem)
            {
                error.WriteLine($"kefu data clean: {problem}");
                return 1;
            }
            output.Write(summary);
            output.WriteLine($"wrote {nluOut}, {Path.Combine(dir, "clean_report.json")} and {Path.Combine(dir, "clean_report.txt")}");
            return 0;
        });
        return command;
    }
}
