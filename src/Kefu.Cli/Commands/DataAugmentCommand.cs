using System.CommandLine;
using System.Text.Json;
using Kefu.Data.Augmentation;
using Kefu.Generation.Llm;
using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Projects;

namespace Kefu.Cli.Commands;

/// <summary>`kefu data augment [--project DIR | --nlu FILE] [--per-example N] [--methods ...] [--seed S] [--out FILE] [--json]`.</summary>
internal static class DataAugmentCommand
{
    public static Command Create()
    {
        var project = CommonOptions.Project();
        var nlu = new Option<string?>("--nlu") { Description = "Augment this file (nlu.yml, CSV text,intent or JSON lines) instead of the project's data/" };
        var perExample = new Option<int>("--per-example") { Description = "New examples per example and method, at most", DefaultValueFactory = _ => 2 };
        var methods = new Option<string[]>("--methods")
        {
            Description = $"Methods: {string.Join(", ", AllMethodNames)} (default: {string.Join(" ", Augmenter.DefaultMethods)}; " +
                "paraphrase and back-translation use endpoints.yml's llm; see docs/augmentation.md)",
            AllowMultipleArgumentsPerToken = true,
        };
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed gives the same file", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out") { Description = "The nlu.yml to write (default: DIR/data/nlu_augmented.yml, or FILE.augmented.yml beside --nlu)" };
        var json = new Option<bool>("--json") { Description = "Print the counts as JSON" };
        var command = new Command("augment", "Make new training examples from the project's own: entity and synonym substitution, typing noise, Chinese homophones, word edits")
            { project, nlu, perExample, methods, seed, output, json };
        command.SetAction(parse => CliErrors.Guard(() => Run(parse.GetValue(project)!, parse.GetValue(nlu), parse.GetValue(perExample),
            parse.GetValue(methods), parse.GetValue(seed), parse.GetValue(output), parse.GetValue(json))));
        return command;
    }

    private static int Run(string projectDir, string? nluPath, int perExample, string[]? methodNames, int seed, string? outPath, bool json)
    {
        if (perExample < 1)
        {
            Console.Error.WriteLine($"kefu data augment: --per-example must be at least 1 (got {perExample})");
            return 1;
        }
        var methods = new List<IAugmentationMethod>();
        foreach (var name in methodNames is { Length: > 0 } ? methodNames : Augmenter.DefaultMethods)
        {
            if (Augmenter.Find(name) is { } method) { methods.Add(method); continue; }
            if (name is "paraphrase" or "back-translation")
            {
                // the LLM endpoint of the project folder (--project, also with --nlu)
                if (LlmEndpoint.Load(projectDir) is not { } endpoint)
                {
                    Console.Error.WriteLine($"kefu data augment: {name} needs an LLM: add an `llm:` section (url, model, api_key) to " +
                        $"{Path.Combine(projectDir, "endpoints.yml")} (docs/augmentation.md)");
                    return 1;
                }
                methods.Add(new LlmAugmentation(LlmClient.Create(endpoint), name == "back-translation", perExample));
                continue;
            }
            Console.Error.WriteLine($"kefu data augment: unknown method '{name}'; the methods are {string.Join(", ", AllMethodNames)}");
            return 1;
        }

        NluTrainingData data;
        if (nluPath is not null)
        {
            try { data = NluDataReader.Load(nluPath); }
            catch (NluDataException e) { Console.Error.WriteLine($"kefu data augment: {e.Message}"); return 1; }
            outPath ??= Path.Combine(Path.GetDirectoryName(Path.GetFullPath(nluPath))!, Path.GetFileNameWithoutExtension(nluPath) + ".augmented.yml");
        }
        else
        {
            if (!Directory.Exists(projectDir)) { Console.Error.WriteLine($"kefu data augment: {projectDir}: no such project folder"); return 1; }
            data = RasaProject.Load(projectDir).Nlu;
            outPath ??= Path.Combine(projectDir, "data", "nlu_augmented.yml");
        }

        List<AugmentedExample> made;
        try
        {
            made = Augmenter.Run(data, methods, perExample, seed,
                new Kefu.Training.SynchronousProgress<(int Done, int Total)>(p => Console.Error.Write($"\raugmenting: {p.Done}/{p.Total} examples")));
        }
        catch (LlmException e)
        {
            Console.Error.WriteLine($"\nkefu data augment: {e.Message}; nothing was written");
            return 1;
        }
        Console.Error.WriteLine();
        // write beside, then move: an interrupted run never leaves half a file where training will read it
        string temp = outPath + ".tmp";
        int unwritable;
        using (var writer = new StreamWriter(temp, false, new System.Text.UTF8Encoding(false)))
            unwritable = AugmentedNluWriter.Write(writer, made,
                $"Made by `kefu data augment` (methods {string.Join(", ", methods.Select(m => m.Name))}, {perExample} per example, seed {seed}).\n" +
                "Each intent entry's metadata names its method; Kefu trains on these and keeps them out of test splits.");
        File.Move(temp, outPath, overwrite: true);
        if (unwritable > 0)
            Console.Error.WriteLine($"kefu data augment: {unwritable} new example(s) were left out: Rasa's annotation syntax cannot write them back exactly");

        var counts = methods.ToDictionary(m => m.Name, m => made.Count(e => e.Method == m.Name));
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new { file = outPath, originals = data.Examples.Count(e => e.Augmentation is null), added = made.Count, by_method = counts }));
        else
        {
            foreach (var (name, count) in counts)
                Console.WriteLine($"{name,-10} {count,6} new examples{(count == 0 ? NoneBecause(name) : "")}");
            Console.WriteLine($"{made.Count} examples written to {outPath}");
        }
        return 0;
    }

    private static IEnumerable<string> AllMethodNames => Augmenter.Methods.Select(m => m.Name).Concat(["paraphrase", "back-translation"]);

    private static string NoneBecause(string method) => method switch
    {
        "entities" => " (no entity type has two or more values in the data)",
        "synonyms" => " (no synonyms in the data, or none appears in an example)",
        "typos" => " (no Latin text)",
        "zh-noise" => " (no Chinese characters from the confusion table)",
        "labels" => " (the examples are Chinese, or no intent name is written in words)",
        _ => "",
    };
}
