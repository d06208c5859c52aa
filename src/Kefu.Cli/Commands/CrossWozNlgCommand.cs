using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Kefu.Generation.CrossWozNlg;
using Kefu.Nlu.Evaluation;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu bench crosswoz-nlg --train FILE --test FILE [--train-dialogues 0:400 --test-dialogues 400:500] [--json]`:
/// system NLG on CrossWOZ (dialogue acts → Chinese reply) by a decoder trained from scratch, scored as ConvLab-2 scores
/// SC-LSTM (docs/benchmarks.md, "CrossWOZ NLG"). JSON fields: bleu, rouge_l, slot_error_rate, train_seconds, ...
/// </summary>
internal static class CrossWozNlgCommand
{
    public static Command Create()
    {
        var d = new CrossWozNlgOptions();
        var train = new Option<string>("--train") { Description = "CrossWOZ JSON file to train on (e.g. ../shared/datasets/crosswoz/dev.json)", Required = true };
        var test = new Option<string>("--test") { Description = "CrossWOZ JSON file to test on (may be the training file, with disjoint ranges)", Required = true };
        var trainDialogues = new Option<string>("--train-dialogues") { Description = "Dialogues of --train in file order: START:END, START:, or N for the first N", DefaultValueFactory = _ => ":" };
        var testDialogues = new Option<string>("--test-dialogues") { Description = "Dialogues of --test, same form", DefaultValueFactory = _ => ":" };
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => d.Layers };
        var hidden = new Option<int>("--hidden") { DefaultValueFactory = _ => d.Hidden };
        var heads = new Option<int>("--heads") { DefaultValueFactory = _ => d.Heads };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => d.Epochs };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => d.BatchSize };
        var learningRate = new Option<float>("--lr") { DefaultValueFactory = _ => d.LearningRate };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => d.Seed };
        var unconstrained = new Option<bool>("--unconstrained") { Description = "Let the decoder write placeholders the turn's acts do not license (by default they are suppressed)" };
        var model = new Option<string?>("--model") { Description = "Fine-tune this checkpoint (a Hugging Face folder or hub id, GPT-2 or Qwen2 family) instead of training from scratch" };
        var beams = new Option<int>("--beams") { Description = "Beam search with N beams per turn, the hypothesis with the fewest slot errors kept; 1: greedy", DefaultValueFactory = _ => 1 };
        var mbr = new Option<int>("--mbr-samples") { Description = "Also draw N samples per turn (temperature 0.8, top-p 0.95) and keep the consensus reply (minimum Bayes risk); 0: greedy only" };
        var dropout = new Option<float>("--dropout") { Description = "Dropout on the embeddings and residual branches while training (0: none)", DefaultValueFactory = _ => d.Dropout };
        var predictions = new Option<string?>("--predictions") { Description = "Write each test turn's acts, gold and generated reply to this file (JSON lines)" };
        var json = new Option<bool>("--json") { Description = "Print the figures as one line of JSON" };
        var command = new Command("crosswoz-nlg", "Train a reply generator from scratch on CrossWOZ system turns (acts → text) and score it as ConvLab-2 does: BLEU-4, ROUGE-L, slot error rate");
        foreach (var o in new Option[] { train, test, trainDialogues, testDialogues, layers, hidden, heads, epochs, batchSize, learningRate, seed, unconstrained, mbr, beams, dropout, model, predictions, json })
            command.Options.Add(o);
        command.SetAction(parse => GenerateCommand.Guard(parse, (output, error) =>
        {
            var options = new CrossWozNlgOptions(parse.GetValue(layers), parse.GetValue(hidden), parse.GetValue(heads), parse.GetValue(epochs),
                parse.GetValue(batchSize), parse.GetValue(learningRate), Seed: parse.GetValue(seed), ConstrainPlaceholders: !parse.GetValue(unconstrained), MbrSamples: parse.GetValue(mbr), Beams: parse.GetValue(beams), Dropout: parse.GetValue(dropout));
            if (options.MbrSamples < 0)
                throw new ArgumentException($"--mbr-samples must be 0 or more, got {options.MbrSamples}");
            if (options.Beams < 1 || options.Beams > 1 && options.MbrSamples > 0)
                throw new ArgumentException($"--beams must be 1 or more, and --mbr-samples needs --beams 1 (got --beams {options.Beams})");
            if (options.Layers < 1 || options.Hidden < 2 || options.Heads < 1 || options.Hidden % options.Heads != 0 || options.Hidden / options.Heads % 2 != 0)
                throw new ArgumentException($"--hidden {options.Hidden} must split into --heads {options.Heads} heads of an even size, with --layers ≥ 1");
            if (parse.GetValue(model) is not null && new Option[] { layers, hidden, heads, unconstrained, mbr, beams }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } shaping)
                throw new ArgumentException($"{shaping.Name} shapes the model trained from scratch; with --model the checkpoint's own shape and greedy decoding are used");
            var trainRange = DialogueRange.Parse(parse.GetValue(trainDialogues)!);
            var testRange = DialogueRange.Parse(parse.GetValue(testDialogues)!);
            string trainPath = parse.GetValue(train)!, testPath = parse.GetValue(test)!;
            var trainFile = CrossWozReader.Load(trainPath);
            var testFile = Path.GetFullPath(testPath) == Path.GetFullPath(trainPath) ? trainFile : CrossWozReader.Load(testPath);
            if (ReferenceEquals(trainFile, testFile) && trainRange.Overlaps(testRange, trainFile.Count))
                throw new ArgumentException($"training dialogues {trainRange} and test dialogues {testRange} of {trainPath} overlap");
            var trainTurns = CrossWozReader.Turns(trainRange.Of(trainFile), "sys");
            var testTurns = CrossWozReader.Turns(testRange.Of(testFile), "sys");
            error.WriteLine($"[kefu] training on dialogues {trainRange} of {trainPath}, testing on dialogues {testRange} of {testPath}");
            CrossWozNlgResult result;
            using (var bar = new ProgressBar(error))
                result = parse.GetValue(model) is { } checkpoint
                    ? CrossWozNlgBenchmark.RunFineTuned(checkpoint, trainTurns, testTurns, options, bar, error)
                    : CrossWozNlgBenchmark.Run(trainTurns, testTurns, options, bar, error);
            if (parse.GetValue(predictions) is { } path)
                File.WriteAllLines(path, result.Turns.Select(t => JsonSerializer.Serialize(new
                {
                    acts = t.Acts.Select(a => new[] { a.Intent, a.Domain, a.Slot, a.Value }),
                    gold = t.Gold,
                    generated_delexicalised = t.GeneratedDelexicalised,
                    generated = t.Generated,
                }, JsonLines.Options)));
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    bleu = Math.Round(result.Bleu, 4),
                    rouge_l = Math.Round(result.RougeL, 4),
                    slot_error_rate = Math.Round(result.SlotErrorRate, 4),
                    train_seconds = Math.Round(result.TrainSeconds, 1),
                    test_seconds = Math.Round(result.TestSeconds, 1),
                    n_train = result.NTrain,
                    n_test = result.NTest,
                    parameters = result.Parameters,
                    vocabulary = result.Vocabulary,
                    final_train_loss = Math.Round(result.History[^1].TrainLoss, 4),
                    bleu_modal_template = Math.Round(result.BaselineBleu, 4),
                }));
                return 0;
            }
            var inv = CultureInfo.InvariantCulture;
            output.WriteLine($"BLEU-4 (ConvLab-2)  {result.Bleu.ToString("F4", inv)}");
            output.WriteLine($"ROUGE-L             {result.RougeL.ToString("F4", inv)}");
            output.WriteLine($"slot error rate     {result.SlotErrorRate.ToString("F4", inv)}");
            output.WriteLine($"BLEU-4, modal training reply of the same acts (no model)  {result.BaselineBleu.ToString("F4", inv)}");
            output.WriteLine($"train seconds       {result.TrainSeconds.ToString("F1", inv)}");
            output.WriteLine($"test seconds        {result.TestSeconds.ToString("F1", inv)}");
            output.WriteLine($"train / test turns  {result.NTrain} / {result.NTest}");
            output.WriteLine($"parameters          {result.Parameters:N0} (vocabulary {result.Vocabulary})");
            return 0;
        }));
        return command;
    }
}
