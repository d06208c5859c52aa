using System.CommandLine;
using System.Globalization;
using Kefu.Data;

namespace Kefu.Cli.Commands.Data;

/// <summary>`kefu data split nlu`: Rasa's `rasa data split nlu`, stratified by intent, deterministic for a seed.</summary>
internal static class DataSplitCommand
{
    public static Command Create()
    {
        var command = new Command("split", "Split training data into a training and a test set");
        command.Subcommands.Add(Nlu());
        return command;
    }

    private static Command Nlu()
    {
        var nlu = new Option<string>("--nlu", "-u") { Description = "NLU data: a YAML file or a folder of them (data/), Rasa JSON, Rasa 2 Markdown or CSV", DefaultValueFactory = _ => "data" };
        var fraction = new Option<double>("--training-fraction") { Description = "Share of each intent's examples that goes to training", DefaultValueFactory = _ => 0.8 };
        var seed = new Option<int>("--random-seed") { Description = "Seed of the shuffle; the same seed gives the same split", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out") { Description = "Folder for training_data.yml and test_data.yml", DefaultValueFactory = _ => "train_test_split" };
        var command = new Command("nlu", "Split NLU data by intent into training_data.yml and test_data.yml (synonyms, regexes and lookups in both)");
        foreach (var o in new Option[] { nlu, fraction, seed, outDir }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            string input = parse.GetValue(nlu)!;
            double f = parse.GetValue(fraction);
            if (f is <= 0 or >= 1 || double.IsNaN(f))
            {
                error.WriteLine($"kefu data split nlu: --training-fraction must be between 0 and 1 (exclusive), got {f.ToString(CultureInfo.InvariantCulture)}");
                return 1;
            }
            var (document, diagnostics) = NluDocuments.Read(input);
            if (DataOutput.Report(diagnostics, error)) return Fail(error, input);
            if (document.Examples.Count == 0)
            {
                error.WriteLine($"{input}: no NLU examples to split");
                return 1;
            }
            var split = NluSplitter.Split(document, f, parse.GetValue(seed));
            string comment = $"kefu data split nlu --training-fraction {f.ToString(CultureInfo.InvariantCulture)} --random-seed {parse.GetValue(seed)} of {input}";
            var (train, trainProblems) = NluYamlWriter.Write(split.Train, comment);
            var (test, testProblems) = NluYamlWriter.Write(split.Test, comment);
            if (DataOutput.Report([.. trainProblems, .. testProblems], error)) return Fail(error, input);
            string dir = parse.GetValue(outDir)!;
            string trainPath = Path.Combine(dir, "training_data.yml"), testPath = Path.Combine(dir, "test_data.yml");
            if (DataOutput.WriteAll([(trainPath, train), (testPath, test)], [input]) is { } problem)
            {
                error.WriteLine($"kefu data split nlu: {problem}");
                return 1;
            }
            foreach (var note in split.Notes) output.WriteLine($"note: {note}");
            output.WriteLine($"{trainPath}: {split.Train.Examples.Count} examples of {split.Train.Intents().Count} intents");
            output.WriteLine($"{testPath}: {split.Test.Examples.Count} examples of {split.Test.Intents().Count} intents");
            return 0;
        });
        return command;
    }

    private static int Fail(TextWriter error, string input)
    {
        error.WriteLine($"{input}: not split; fix the errors above (nothing was written)");
        return 1;
    }
}
