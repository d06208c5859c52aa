using System.CommandLine;
using System.Text.Json;
using Kefu.Data.Augmentation;
using Kefu.Dialogue;
using Kefu.Generation.Llm;
using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Projects;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu data augment [--project DIR | --nlu FILE] [--per-example N] [--methods ...] [--unlabelled FILE...]
/// [--from-conversations [--db FILE]] [--seed S] [--out FILE] [--json]`. The per-example methods run first; self-training
/// (pseudo-labels) then reads the unlabelled messages with a model trained on the data and their output.
/// </summary>
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
        var unlabelled = new Option<string[]>("--unlabelled")
        {
            Description = "Messages without intents to self-train on (pseudo-labels): .txt one a line, .csv with a text column, .jsonl, nlu.yml",
            AllowMultipleArgumentsPerToken = true,
        };
        var fromConversations = new Option<bool>("--from-conversations")
            { Description = "Self-train on the customers' messages in the project's conversation store (as kefu serve finds it)" };
        var db = CorrectionsCommand.Db();
        var command = new Command("augment", "Make new training examples: entity and synonym substitution, intent names, typing noise, " +
            "Chinese homophones, word edits, LLM paraphrases, and pseudo-labels for unlabelled messages")
            { project, nlu, perExample, methods, unlabelled, fromConversations, db, seed, output, json };
        command.SetAction(parse => CliErrors.Guard(() => Run(parse.GetValue(project)!, parse.GetValue(nlu), parse.GetValue(perExample),
            parse.GetValue(methods), new Unlabelled(parse.GetValue(unlabelled) ?? [], parse.GetValue(fromConversations), parse.GetValue(db)),
            parse.GetValue(seed), parse.GetValue(output), parse.GetValue(json))));
        return command;
    }

    /// <summary>Where the unlabelled messages come from; none given, no self-training.</summary>
    private sealed record Unlabelled(string[] Files, bool FromConversations, string? Db)
    {
        public bool Any => Files.Length > 0 || FromConversations;
    }

    private static int Run(string projectDir, string? nluPath, int perExample, string[]? methodNames, Unlabelled unlabelled, int seed,
        string? outPath, bool json)
    {
        if (perExample < 1)
        {
            Console.Error.WriteLine($"kefu data augment: --per-example must be at least 1 (got {perExample})");
            return 1;
        }
        var methods = new List<IAugmentationMethod>();
        bool selfTrain = unlabelled.Any;
        foreach (var name in methodNames is { Length: > 0 } ? methodNames : Augmenter.DefaultMethods)
        {
            if (Augmenter.Find(name) is { } method) { methods.Add(method); continue; }
            if (name == PseudoLabeling.MethodName)
            {
                if (!unlabelled.Any)
                {
                    Console.Error.WriteLine($"kefu data augment: {name} needs messages without intents: give --unlabelled FILE or --from-conversations");
                    return 1;
                }
                continue;
            }
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

        if (RefuseOutput(outPath) is { } refusal)
        {
            Console.Error.WriteLine($"kefu data augment: {refusal}; nothing was written");
            return 1;
        }

        IReadOnlyList<string> messages = [];
        if (selfTrain)
        {
            if (ReadUnlabelled(projectDir, unlabelled) is not { } read) return 1;
            messages = read;
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
        if (selfTrain)
        {
            var progress = new SynchronousProgress(Console.Error);
            // what `kefu train` trains for the project's config.yml, or Kefu's default linear NLU where there is none
            string config = Path.Combine(projectDir, "config.yml");
            var train = TestNluCommand.TrainerFor(File.Exists(config) ? config : null, progress).Train;
            // an earlier run's output (data/nlu_augmented.yml) is replaced, never learnt from
            var labelled = data.Examples.Where(e => e.Augmentation is null).Concat(made.Select(m => m.Example)).ToList();
            made.AddRange(PseudoLabeling.Run(data with { Examples = labelled }, messages, train,
                new PseudoLabelOptions(), progress));
        }
        string[] methodsRun = [.. methods.Select(m => m.Name), .. selfTrain ? [PseudoLabeling.MethodName] : Array.Empty<string>()];
        // write beside, then move: an interrupted run never leaves half a file where training will read it
        string temp = outPath + ".tmp";
        int unwritable;
        using (var writer = new StreamWriter(temp, false, new System.Text.UTF8Encoding(false)))
            unwritable = AugmentedNluWriter.Write(writer, made,
                $"{Signature} (methods {string.Join(", ", methodsRun)}, {perExample} per example, seed {seed}).\n" +
                "Each intent entry's metadata names its method; Kefu trains on these and keeps them out of test splits.");
        File.Move(temp, outPath, overwrite: true);
        if (unwritable > 0)
            Console.Error.WriteLine($"kefu data augment: {unwritable} new example(s) were left out: Rasa's annotation syntax cannot write them back exactly");

        var counts = methodsRun.ToDictionary(m => m, m => made.Count(e => e.Method == m));
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new { file = outPath, originals = data.Examples.Count(e => e.Augmentation is null), added = made.Count, by_method = counts }));
        else
        {
            foreach (var (name, count) in counts)
                Console.WriteLine($"{name,-13} {count,6} new examples{(count == 0 ? NoneBecause(name) : "")}");
            Console.WriteLine($"{made.Count} examples written to {outPath}");
        }
        return 0;
    }

    private static IEnumerable<string> AllMethodNames =>
        Augmenter.Methods.Select(m => m.Name).Concat(["paraphrase", "back-translation", PseudoLabeling.MethodName]);

    /// <summary>The messages of the --unlabelled files and the conversation store; null, with the reason on stderr, when one cannot be read.</summary>
    private static List<string>? ReadUnlabelled(string projectDir, Unlabelled unlabelled)
    {
        var messages = new List<string>();
        foreach (var file in unlabelled.Files)
        {
            try { messages.AddRange(UnlabelledMessages.Read(file)); }
            catch (Exception e) when (e is NluDataException or FileNotFoundException)
            {
                Console.Error.WriteLine($"kefu data augment: {e.Message}");
                return null;
            }
        }
        if (unlabelled.FromConversations)
        {
            var options = new Kefu.Server.KefuServerOptions
                { ProjectDirectory = Path.GetFullPath(projectDir), DatabasePath = unlabelled.Db, Stores = Kefu.Server.Storage.StoreEndpoints.Load(projectDir) };
            IEventStore? store = null;
            try
            {
                if ((store = CorrectionsCommand.OpenStore(options)) is null)
                {
                    Console.Error.WriteLine($"kefu data augment: the conversation database {Path.GetFullPath(options.ResolvedDatabasePath)} does not exist; " +
                        "give --db as kefu serve was given it");
                    return null;
                }
                var texts = Kefu.Server.Agents.CorrectionInbox.UserTextsAsync(store, CancellationToken.None).GetAwaiter().GetResult();
                Console.Error.WriteLine($"{texts.Count} customer messages read from the conversation store");
                messages.AddRange(texts);
            }
            catch (Exception e) when (e is Kefu.Server.Storage.ConversationStoreException or Microsoft.Data.Sqlite.SqliteException
                or Npgsql.NpgsqlException)
            {
                Console.Error.WriteLine($"kefu data augment: cannot read the conversation store: {e.Message.ReplaceLineEndings(" ")}");
                return null;
            }
            finally { (store as IDisposable)?.Dispose(); }
        }
        return messages;
    }

    private static string NoneBecause(string method) => method switch
    {
        "entities" => " (no entity type has two or more values in the data)",
        "synonyms" => " (no synonyms in the data, or none appears in an example)",
        "typos" => " (no Latin text)",
        "zh-noise" => " (no Chinese characters from the confusion table)",
        "labels" => " (the examples are Chinese, or no intent name is written in words)",
        PseudoLabeling.MethodName => " (no unlabelled message is new, or none was read with enough confidence)",
        _ => "",
    };

    const string Signature = "Made by `kefu data augment`";

    /// <summary>
    /// Why <paramref name="outPath"/> may not be written: a folder, or a file this command did not write (the project's own
    /// nlu.yml, the --nlu input, domain.yml...); null for a new file or an earlier run's output, which a rerun replaces.
    /// </summary>
    static string? RefuseOutput(string outPath)
    {
        if (Directory.Exists(outPath)) return $"--out {outPath} is a folder; give the file to write";
        if (!File.Exists(outPath)) return null;
        using var reader = new StreamReader(outPath);
        var start = new char[512];
        int read = reader.ReadBlock(start, 0, start.Length);
        return new string(start, 0, read).Contains(Signature, StringComparison.Ordinal) ? null
            : $"{outPath} exists and was not written by kefu data augment; it never overwrites your own files (give another --out)";
    }
}
