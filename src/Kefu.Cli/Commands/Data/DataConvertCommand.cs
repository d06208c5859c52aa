using System.CommandLine;
using Kefu.Data;

namespace Kefu.Cli.Commands.Data;

/// <summary>
/// `kefu data convert nlu|core`: Rasa's `rasa data convert`. NLU in any format Kefu reads (Rasa 2 Markdown, Rasa JSON,
/// YAML, CSV) out as YAML, Rasa JSON or CSV; Rasa 2 Markdown stories out as YAML. Bad input: file:line errors, exit 1,
/// nothing written.
/// </summary>
internal static class DataConvertCommand
{
    public static Command Create()
    {
        var command = new Command("convert", "Convert training data between formats (Rasa 2 Markdown and JSON in, Rasa 3 YAML out)");
        command.Subcommands.Add(Nlu());
        command.Subcommands.Add(Core());
        return command;
    }

    private static Option<string> Data(string what) => new("--data") { Description = what, Required = true };

    private static Option<string> Out() => new("--out") { Description = "The file to write (never one of the inputs)", Required = true };

    private static Command Nlu()
    {
        var data = Data("NLU data: Rasa 2 Markdown (.md), Rasa JSON (.json), YAML (.yml, or a folder) or CSV (.csv, text,intent)");
        var format = new Option<string>("--format", "-f") { Description = "Output format", DefaultValueFactory = _ => "yaml" };
        format.AcceptOnlyFromAmong("yaml", "json", "csv");
        var outPath = Out();
        var command = new Command("nlu", "Convert NLU data to Rasa 3 YAML, Rasa JSON or CSV") { data, format, outPath };
        command.SetAction(parse =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            string input = parse.GetValue(data)!, target = parse.GetValue(outPath)!;
            var (document, diagnostics) = NluDocuments.Read(input);
            if (DataOutput.Report(diagnostics, error)) return Fail(error, input);
            string text;
            switch (parse.GetValue(format))
            {
                case "json":
                    text = RasaJsonNlu.Write(document);
                    break;
                case "csv":
                    text = NluCsv.Write(document);
                    foreach (var lost in NluCsv.Dropped(document))
                        error.WriteLine($"warning: CSV has no place for {lost}; they are not in {target} (convert to yaml or json to keep them)");
                    break;
                default:
                    var (yaml, problems) = NluYamlWriter.Write(document, $"converted by kefu data convert nlu from {Path.GetFileName(input)}");
                    if (DataOutput.Report(problems, error)) return Fail(error, input);
                    text = yaml;
                    break;
            }
            if (DataOutput.WriteAll([(target, text)], [input]) is { } problem)
            {
                error.WriteLine($"kefu data convert: {problem}");
                return 1;
            }
            output.WriteLine(parse.GetValue(format) == "csv"
                ? $"{target}: {document.Examples.Count} examples of {document.Intents().Count} intents"
                : $"{target}: {document.Examples.Count} examples of {document.Intents().Count} intents, " +
                  $"{document.Synonyms.Count} synonym sets, {document.Regexes.Count} regexes, {document.Lookups.Count} lookup tables");
            return 0;
        });
        return command;
    }

    private static Command Core()
    {
        var data = Data("Rasa 2 Markdown stories (.md)");
        var format = new Option<string>("--format", "-f") { Description = "Output format", DefaultValueFactory = _ => "yaml" };
        format.AcceptOnlyFromAmong("yaml");
        var outPath = Out();
        var command = new Command("core", "Convert Rasa 2 Markdown stories to Rasa 3 YAML stories") { data, format, outPath };
        command.SetAction(parse =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            string input = parse.GetValue(data)!, target = parse.GetValue(outPath)!;
            if (!File.Exists(input))
            {
                error.WriteLine($"{input}: no such file");
                return 1;
            }
            if (!Path.GetExtension(input).Equals(".md", StringComparison.OrdinalIgnoreCase))
            {
                error.WriteLine($"{input}: expected Rasa 2 Markdown stories (.md); YAML stories need no conversion");
                return 1;
            }
            var (stories, diagnostics) = MarkdownStories.Read(input);
            if (DataOutput.Report(diagnostics, error)) return Fail(error, input);
            var (yaml, problems) = MarkdownStories.WriteYaml(stories);
            if (DataOutput.Report(problems, error)) return Fail(error, input);
            if (DataOutput.WriteAll([(target, yaml)], [input]) is { } problem)
            {
                error.WriteLine($"kefu data convert: {problem}");
                return 1;
            }
            output.WriteLine($"{target}: {stories.Count} stories, {stories.Sum(s => s.Steps.Count)} steps");
            return 0;
        });
        return command;
    }

    private static int Fail(TextWriter error, string input)
    {
        error.WriteLine($"{input}: not converted; fix the errors above (nothing was written)");
        return 1;
    }
}
