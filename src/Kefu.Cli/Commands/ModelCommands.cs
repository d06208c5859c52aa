using System.CommandLine;
using System.Numerics.Tensors;
using System.Text.Json;
using Kefu.Hub;
using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Nlu.Pretrained;
using Kefu.Training;

namespace Kefu.Cli.Commands;

/// <summary>`kefu model ...`: pretrained transformers downloaded, fine-tuned, run and embedded.</summary>
internal static class ModelCommands
{
    public static Command Create()
    {
        var command = new Command("model", "Download, fine-tune and run pretrained transformer models (Hugging Face format)");
        command.Subcommands.Add(ModelDownloadCommand.Create());
        command.Subcommands.Add(CreateFinetune());
        command.Subcommands.Add(CreatePredict());
        command.Subcommands.Add(CreateEmbed());
        command.Subcommands.Add(CreateDistill());
        return command;
    }

    static Command CreateDistill()
    {
        var teacher = new Option<string>("--teacher") { Description = "A fine-tuned model folder (kefu model finetune)", Required = true };
        var train = new Option<string>("--train") { Description = "Training file (CSV, JSON lines or nlu.yml)", Required = true };
        var test = new Option<string>("--test") { Description = "Test file: accuracy and latency of teacher, student alone and distilled student", Required = true };
        var outFolderOption = new Option<string>("--out") { Description = "Folder for the distilled student", Required = true };
        var student = new Option<string>("--student") { Description = "N: the teacher's width and N of its layers; NxH: a from-scratch encoder", DefaultValueFactory = _ => "2" };
        var temperature = new Option<float>("--temperature") { DefaultValueFactory = _ => 2f };
        var alpha = new Option<float>("--alpha") { Description = "Weight of the teacher's soft targets (1 − alpha: the gold labels)", DefaultValueFactory = _ => 0.5f };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 3 };
        var learningRate = new Option<float>("--learning-rate") { DefaultValueFactory = _ => 1e-4f };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var json = new Option<bool>("--json") { Description = "Print the comparison as one JSON line" };
        var command = new Command("distill", "Distil a fine-tuned teacher into a smaller student; compare it with the teacher and with the student trained alone");
        foreach (var o in new Option[] { teacher, train, test, outFolderOption, student, temperature, alpha, epochs, learningRate, batchSize, json }) command.Options.Add(o);
        command.SetAction(parse => Guard(parse, (output, error) =>
        {
            var shape = StudentShape.Parse(parse.GetValue(student)!);
            var big = TransformerNlu.Load(ModelLocator.Resolve(parse.GetValue(teacher)!, null, error));
            var trainData = NluDataReader.Load(parse.GetValue(train)!);
            var testData = NluDataReader.Load(parse.GetValue(test)!);
            var options = new FineTuneOptions(Epochs: parse.GetValue(epochs), BatchSize: parse.GetValue(batchSize),
                LearningRate: parse.GetValue(learningRate), MaxLength: big.MaxLength);
            var rows = new List<(string Name, double Accuracy, double P50, int Parameters)> { Measure("teacher", big, testData) };
            error.WriteLine($"[kefu] student alone: {shape}, gold labels only");
            using (var bar = new ProgressBar(error))
                rows.Add(Measure("student alone", FineTuner.Train(Distiller.Student(big, shape), trainData, null, options, null, bar, null).Model, testData));
            error.WriteLine($"[kefu] distilled student: {shape}, temperature {parse.GetValue(temperature)}, alpha {parse.GetValue(alpha)}");
            TransformerNlu distilled;
            using (var bar = new ProgressBar(error))
                distilled = Distiller.Distill(big, Distiller.Student(big, shape), trainData, null, options, parse.GetValue(temperature), parse.GetValue(alpha), bar).Model;
            rows.Add(Measure("distilled student", distilled, testData));
            distilled.Save(parse.GetValue(outFolderOption)!);
            if (parse.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(rows.Select(r => new { model = r.Name, accuracy = Math.Round(r.Accuracy, 4), latency_p50_ms = Math.Round(r.P50, 3), parameters = r.Parameters })));
            else
            {
                output.WriteLine($"{"model",-18} {"accuracy",9} {"p50 ms",8} {"parameters",11}");
                foreach (var r in rows)
                    output.WriteLine(FormattableString.Invariant($"{r.Name,-18} {r.Accuracy,9:F4} {r.P50,8:F3} {r.Parameters,11:N0}"));
                output.WriteLine(FormattableString.Invariant($"distilled/teacher: accuracy {rows[2].Accuracy / rows[0].Accuracy:P1}, latency {rows[2].P50 / rows[0].P50:P1}"));
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Test accuracy and the median latency of one text (after a warm-up), as `kefu model distill` reports them.</summary>
    static (string, double, double, int) Measure(string name, TransformerNlu nlu, NluTrainingData test)
    {
        var (accuracy, _) = FineTuner.Evaluate(nlu, test.Examples);
        var texts = test.Examples.Take(500).Select(e => e.Text).ToArray();
        foreach (var text in texts.Take(100)) nlu.Predict(text);
        var ms = texts.Select(text =>
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            nlu.Predict(text);
            return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }).Order().ToArray();
        return (name, accuracy, ms[ms.Length / 2], nlu.Model.Parameters.Length);
    }

    // Chinese stays readable in the JSON lines
    static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static Option<string> ModelOption(string description) => new("--model") { Description = description, Required = true };

    static Command CreateFinetune()
    {
        var model = ModelOption("Pretrained model: a Hugging Face hub id or a local folder");
        var revision = new Option<string?>("--revision") { Description = "Hub revision (branch, tag or commit) when --model is a hub id" };
        var train = new Option<string>("--train") { Description = "Training file: CSV (text,intent), JSON lines or Rasa nlu.yml", Required = true };
        var val = new Option<string?>("--val") { Description = "Validation file, same formats: scored each epoch, chooses the best epoch, drives early stopping" };
        var outFolderOption = new Option<string>("--out") { Description = "Folder for the fine-tuned model (Hugging Face format)", Required = true };
        var d = new FineTuneOptions();
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => d.Epochs };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => d.BatchSize };
        var learningRate = new Option<float>("--learning-rate") { DefaultValueFactory = _ => d.LearningRate };
        var maxLength = new Option<int>("--max-length") { Description = "Tokens per text, the special tokens ([CLS] [SEP], <s> </s>) included", DefaultValueFactory = _ => d.MaxLength };
        var freezeLayers = new Option<int>("--freeze-layers") { Description = "Keep the embeddings and the lowest N layers as pretrained" };
        var freezeEmbeddings = new Option<bool>("--freeze-embeddings") { Description = "Keep the embeddings as pretrained" };
        var accumulation = new Option<int>("--gradient-accumulation") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => 1 };
        var schedule = new Option<LearningRateSchedule>("--schedule") { Description = "Learning rate after warm-up: Linear, Cosine or Constant", DefaultValueFactory = _ => d.Schedule };
        var warmup = new Option<float>("--warmup-ratio") { DefaultValueFactory = _ => d.WarmupRatio };
        var weightDecay = new Option<float>("--weight-decay") { DefaultValueFactory = _ => d.WeightDecay };
        var clip = new Option<float>("--clip-norm") { Description = "Gradient-norm clipping (0: off)", DefaultValueFactory = _ => d.ClipNorm };
        var dropout = new Option<float?>("--dropout") { Description = "Overrides config.json's dropout" };
        var patience = new Option<int>("--early-stopping") { Description = "Stop after N epochs without a better validation score (0: off; needs --val)" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => d.Seed };
        var scheme = new Option<TagScheme>("--tag-scheme") { Description = "Entity tags: Bio or Bilou", DefaultValueFactory = _ => d.TagScheme };
        var crf = new Option<bool>("--crf") { Description = "Score entity tag sequences with a linear-chain CRF" };
        var smoothing = new Option<float>("--label-smoothing") { Description = "Label smoothing of the intent loss" };
        var pooling = new Option<IntentPooling>("--pooling") { Description = "Intent head input: Pooler ([CLS], as Hugging Face) or Mean (for sentence-transformers models)" };
        var checkpoints = new Option<string?>("--checkpoint-dir") { Description = "Save each epoch here; a run finding a checkpoint there resumes from it" };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON line" };
        var command = new Command("finetune", "Fine-tune a pretrained encoder for intents and entities (joint heads on one encoder)");
        foreach (var o in new Option[] { model, revision, train, val, outFolderOption, epochs, batchSize, learningRate, maxLength, freezeLayers, freezeEmbeddings,
                     accumulation, schedule, warmup, weightDecay, clip, dropout, patience, seed, scheme, crf, smoothing, pooling, checkpoints, json })
            command.Options.Add(o);
        command.SetAction(parse => Guard(parse, (output, error) =>
        {
            var options = new FineTuneOptions(parse.GetValue(epochs), parse.GetValue(batchSize), parse.GetValue(learningRate), parse.GetValue(maxLength),
                parse.GetValue(freezeLayers), parse.GetValue(freezeEmbeddings), parse.GetValue(accumulation), parse.GetValue(schedule),
                parse.GetValue(warmup), parse.GetValue(weightDecay), parse.GetValue(clip), parse.GetValue(dropout), parse.GetValue(patience),
                parse.GetValue(seed), parse.GetValue(scheme), parse.GetValue(crf),
                LabelSmoothing: parse.GetValue(smoothing), Pooling: parse.GetValue(pooling));
            options.Validate();
            var trainData = NluDataReader.Load(parse.GetValue(train)!);
            var valData = parse.GetValue(val) is { } v ? NluDataReader.Load(v) : null;
            if (options.EarlyStoppingPatience > 0 && valData is null)
                throw new ArgumentException("--early-stopping needs --val: it stops when the validation score no longer improves");
            string folder = ModelLocator.Resolve(parse.GetValue(model)!, parse.GetValue(revision), error);
            error.WriteLine($"[kefu] fine-tuning {folder} on {trainData.Examples.Count} examples" +
                (valData is null ? "" : $", validating on {valData.Examples.Count}"));
            using var bar = new ProgressBar(error);
            var result = FineTuner.Train(folder, trainData, valData, options, parse.GetValue(checkpoints), bar);
            bar.Dispose();
            string outFolder = parse.GetValue(outFolderOption)!;
            result.Model.Save(outFolder);
            var best = result.History[result.BestEpoch - 1];
            if (parse.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    path = Path.GetFullPath(outFolder),
                    intents = result.Model.Intents.Count,
                    entity_types = result.Model.Tags?.EntityTypes.Count ?? 0,
                    best_epoch = result.BestEpoch,
                    stopped_early = result.StoppedEarly,
                    train_loss = best.TrainLoss,
                    validation_accuracy = best.ValidationAccuracy,
                    validation_entity_f1 = best.ValidationEntityF1,
                }));
            else
                output.WriteLine($"{Path.GetFullPath(outFolder)} (best epoch {result.BestEpoch}" +
                    (best.ValidationAccuracy is { } a ? $", validation accuracy {a:F4}" : "") +
                    (best.ValidationEntityF1 is { } f ? $", entity F1 {f:F4}" : "") + (result.StoppedEarly ? ", stopped early" : "") + ")");
            return 0;
        }));
        return command;
    }

    static Command CreatePredict()
    {
        var model = ModelOption("A fine-tuned model folder (kefu model finetune, or any *ForSequenceClassification folder)");
        var input = new Option<string>("--input") { Description = "Texts: one per line, or CSV / JSON lines / nlu.yml", Required = true };
        var json = new Option<bool>("--json") { Description = "One JSON line per text (the default output too)" };
        var command = new Command("predict", "Intent logits, label, confidence and entities of each text, as JSON lines");
        foreach (var o in new Option[] { model, input, json }) command.Options.Add(o);
        command.SetAction(parse => Guard(parse, (output, error) =>
        {
            // the input first: its mistakes are said before the model is downloaded or loaded
            var texts = ReadTexts(parse.GetValue(input)!);
            var nlu = TransformerNlu.Load(ModelLocator.Resolve(parse.GetValue(model)!, null, error));
            foreach (string text in texts)
            {
                var (ids, logits, probabilities, entities) = nlu.Predict(text);
                int best = TensorPrimitives.IndexOfMax(probabilities);
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    text,
                    input_ids = ids,
                    logits,
                    label = nlu.Intents[best],
                    confidence = probabilities[best],
                    entities = entities.Select(e => new { start = e.Start, end = e.End, entity = nlu.Tags!.EntityTypes[e.Type], value = text[e.Start..e.End] }),
                }, Json));
            }
            return 0;
        }));
        return command;
    }

    static Command CreateEmbed()
    {
        var model = ModelOption("An encoder: a hub id or a local folder (sentence-transformers folders use their pooling)");
        var input = new Option<string>("--input") { Description = "Texts: one per line, or CSV / JSON lines / nlu.yml", Required = true };
        var command = new Command("embed", "Sentence embeddings, one JSON line per text: {\"text\", \"embedding\"}");
        foreach (var o in new Option[] { model, input }) command.Options.Add(o);
        command.SetAction(parse => Guard(parse, (output, error) =>
        {
            var texts = ReadTexts(parse.GetValue(input)!);
            var encoder = SentenceEncoder.Load(ModelLocator.Resolve(parse.GetValue(model)!, null, error));
            var vectors = encoder.Embed(texts);
            for (int i = 0; i < texts.Count; i++)
                output.WriteLine(JsonSerializer.Serialize(new { text = texts[i], embedding = vectors[i] }, Json));
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Plain text, one text per non-empty line, unless the extension names one of the NLU data formats. Bytes that are
    /// not UTF-8 are an error at their line: decoded anyway they would be predicted and embedded as U+FFFD.
    /// </summary>
    internal static IReadOnlyList<string> ReadTexts(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".csv" or ".jsonl" or ".json" or ".yml" or ".yaml")
            return [.. NluDataReader.Load(path).Examples.Select(e => e.Text)];
        var reader = new StringReader(NluDataReader.ReadText(path));
        var texts = new List<string>();
        while (reader.ReadLine() is { } line)
            if (line.Trim().Length > 0) texts.Add(line);
        return texts;
    }

    /// <summary>Errors a person can fix become one line on the invocation's error writer and exit code 1.</summary>
    static int Guard(ParseResult parse, Func<TextWriter, TextWriter, int> run)
    {
        var error = parse.InvocationConfiguration.Error;
        try
        {
            return run(parse.InvocationConfiguration.Output, error);
        }
        catch (Projects.ProjectException e)
        {
            foreach (var d in e.Diagnostics) error.WriteLine(d);
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or NluDataException or IOException or InvalidDataException or InvalidOperationException
                                      or UnauthorizedAccessException or Models.ModelArchiveException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}

/// <summary>
/// A fine-tuning progress bar on stderr: redrawn in place on a terminal, a plain line every 5 % (and each epoch) when
/// stderr is a file or a pipe.
/// </summary>
internal sealed class ProgressBar(TextWriter writer) : IProgress<FineTuneProgress>, IDisposable
{
    private readonly bool terminal = !Console.IsErrorRedirected;
    private int lastPercent = -1;
    private bool drawn;

    public void Report(FineTuneProgress p)
    {
        int percent = (int)(100L * p.Step / Math.Max(1, p.TotalSteps));
        string bar = new string('#', percent / 5) + new string('.', 20 - percent / 5);
        string line = FormattableString.Invariant(
            $"epoch {p.Epoch}/{p.Epochs} [{bar}] {percent,3}% step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} acc {p.Accuracy:F3} {p.ExamplesPerSecond:F0} ex/s ETA {p.Remaining:hh\\:mm\\:ss}");
        if (p.EpochDone is { } e)
        {
            Finish();
            string validation = (e.ValidationAccuracy is { } a ? FormattableString.Invariant($", validation accuracy {a:F4}") : "")
                + (e.ValidationEntityF1 is { } f ? FormattableString.Invariant($", entity F1 {f:F4}") : "");
            writer.WriteLine(FormattableString.Invariant($"[kefu] epoch {e.Epoch}: train loss {e.TrainLoss:F4}, train accuracy {e.TrainAccuracy:F4}{validation}"));
        }
        else if (terminal)
        {
            writer.Write("\r" + line);
            drawn = true;
        }
        else if (percent / 5 != lastPercent / 5)
            writer.WriteLine("[kefu] " + line);
        lastPercent = percent;
    }

    private void Finish()
    {
        if (drawn)
            writer.WriteLine();
        drawn = false;
    }

    public void Dispose() => Finish();
}
