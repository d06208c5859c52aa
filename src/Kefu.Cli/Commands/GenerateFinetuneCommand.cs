using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Kefu.Generation.CausalLm;
using Kefu.Nlu.Pretrained;
using Kefu.Projects;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu generate finetune --model M --train FILE|PROJECT [--val FILE] --out DIR [training options] [--lora-rank R ...]`:
/// fine-tunes a GPT-2 or Qwen2 checkpoint on (context, response) pairs (JSON lines, a Rasa project's stories, or the
/// conversations of a SQLite store that kefu serve wrote); saves
/// a Hugging Face folder, or with --lora-rank PEFT adapters.
/// </summary>
internal static class GenerateFinetuneCommand
{
    public static Command Create()
    {
        var d = new GenerationFineTuneOptions();
        var model = new Option<string>("--model") { Description = "A Hugging Face folder or hub id (GPT-2, DialoGPT, Qwen2 families)", Required = true };
        var revision = new Option<string?>("--revision") { Description = "Hub branch, tag or commit (with a hub id)" };
        var train = new Option<string>("--train") { Description = "JSON lines {\"context\", \"response\"}, a Rasa project folder (pairs from its stories), or a SQLite conversation store (.db: pairs from what customers wrote and the bot and agents answered)", Required = true };
        var val = new Option<string?>("--val") { Description = "Validation pairs (JSON lines): the loss after each epoch, the best epoch kept" };
        var outFolder = new Option<string>("--out") { Description = "Folder to save into (Hugging Face format, or PEFT adapters with --lora-rank)", Required = true };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => d.Epochs };
        var learningRate = new Option<float>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => d.LearningRate };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => d.BatchSize };
        var accumulation = new Option<int>("--grad-accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => 1 };
        var schedule = new Option<LearningRateSchedule>("--schedule") { Description = "Learning rate after warm-up: Linear, Cosine or Constant", DefaultValueFactory = _ => d.Schedule };
        var warmup = new Option<float>("--warmup-ratio") { DefaultValueFactory = _ => d.WarmupRatio };
        var weightDecay = new Option<float>("--weight-decay") { DefaultValueFactory = _ => d.WeightDecay };
        var clip = new Option<float>("--clip-norm") { Description = "Gradient-norm clipping (0: off)", DefaultValueFactory = _ => d.ClipNorm };
        var patience = new Option<int>("--early-stopping") { Description = "Stop after N epochs without a lower validation loss (0: off; needs --val)" };
        var maxLength = new Option<int>("--max-length") { Description = "Tokens per example at most; contexts are cut from the left", DefaultValueFactory = _ => d.MaxLength };
        var chat = new Option<bool>("--chat") { Description = "Contexts as user messages in the tokenizer's chat template" };
        var loraRank = new Option<int?>("--lora-rank") { Description = "Train LoRA adapters of this rank instead of every weight" };
        var loraAlpha = new Option<float?>("--lora-alpha") { Description = "LoRA scale numerator (scale = alpha / rank; default 2 × rank)" };
        var loraTargets = new Option<string?>("--lora-targets") { Description = "Modules to adapt, comma-separated (default: c_attn for GPT-2, q_proj,v_proj for Qwen2)" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => d.Seed };
        var dropout = new Option<float>("--dropout") { Description = "Dropout on the embeddings and residual branches while training, as GPT-2's embd_pdrop and resid_pdrop (0: none)", DefaultValueFactory = _ => d.Dropout };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON line" };
        var command = new Command("finetune", "Fine-tune a causal language model on (context, response) pairs, fully or with LoRA adapters");
        foreach (var o in new Option[] { model, revision, train, val, outFolder, epochs, learningRate, batchSize, accumulation, schedule, warmup, weightDecay, clip,
                     patience, maxLength, chat, loraRank, loraAlpha, loraTargets, seed, dropout, json })
            command.Options.Add(o);
        command.SetAction(parse => GenerateCommand.Guard(parse, (output, error) =>
        {
            LoraOptions? lora = null;
            if (parse.GetValue(loraRank) is { } rank)
            {
                string[]? targets = parse.GetValue(loraTargets)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                lora = new LoraOptions(rank, parse.GetValue(loraAlpha) ?? 2f * rank, targets);
            }
            else if (parse.GetValue(loraAlpha) is not null || parse.GetValue(loraTargets) is not null)
                throw new ArgumentException("--lora-alpha and --lora-targets need --lora-rank");
            var options = new GenerationFineTuneOptions(parse.GetValue(epochs), parse.GetValue(batchSize), parse.GetValue(learningRate),
                parse.GetValue(accumulation), parse.GetValue(schedule), parse.GetValue(warmup), parse.GetValue(weightDecay), parse.GetValue(clip),
                parse.GetValue(patience), parse.GetValue(seed), parse.GetValue(maxLength), parse.GetValue(chat), lora, parse.GetValue(dropout));
            options.Validate();
            string trainPath = parse.GetValue(train)!;
            var trainPairs = Directory.Exists(trainPath) ? StoryPairs.From(RasaProject.Load(trainPath))
                : trainPath.EndsWith(".db", StringComparison.OrdinalIgnoreCase) ? StoredPairs(trainPath)
                : ResponsePairs.Load(trainPath);
            var valPairs = parse.GetValue(val) is { } v ? ResponsePairs.Load(v) : null;
            if (options.EarlyStoppingPatience > 0 && valPairs is null)
                throw new ArgumentException("--early-stopping needs --val: it stops when the validation loss no longer falls");
            var lm = TextGenerationModel.Load(parse.GetValue(model)!, trainable: lora is null, parse.GetValue(revision), error);
            // The default is cut to the model's context; a length asked for that the model cannot hold would be cut silently too.
            int context = lm.Model.Config.MaxPositions;
            if (parse.GetResult(maxLength) is { Implicit: false } && options.MaxLength > context)
                throw new ArgumentException($"--max-length {options.MaxLength} is longer than the model's context, {context} tokens " +
                    $"({(lm.Model.Config.Architecture == CausalLmArchitecture.Gpt2 ? "n_positions" : "max_position_embeddings")} in {Path.Combine(lm.Folder, "config.json")}); " +
                    $"give at most {context}");
            error.WriteLine($"[kefu] fine-tuning {lm.Folder} ({(lora is null ? "every weight" : $"LoRA rank {lora.Rank}, alpha {lora.Alpha}")}) on {trainPairs.Count} pairs" +
                (valPairs is null ? "" : $", validating on {valPairs.Count}"));
            GenerationFineTuneResult result;
            using (var bar = new ProgressBar(error))
                result = CausalLmFineTuner.Train(lm, trainPairs, valPairs, options, bar);
            foreach (var e in result.History.Where(e => e.ValidationLoss is not null))
                error.WriteLine(FormattableString.Invariant($"[kefu] epoch {e.Epoch}: validation loss {e.ValidationLoss:F4}"));
            string outPath = parse.GetValue(outFolder)!;
            lm.Save(outPath);
            var best = result.History[result.BestEpoch - 1];
            double tokensPerSecond = result.Tokens / Math.Max(1e-9, result.Seconds);
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    path = Path.GetFullPath(outPath),
                    lora = lora is not null,
                    best_epoch = result.BestEpoch,
                    stopped_early = result.StoppedEarly,
                    train_loss = Math.Round(best.TrainLoss, 5),
                    validation_loss = best.ValidationLoss is { } l ? Math.Round(l, 5) : (double?)null,
                    train_seconds = Math.Round(result.Seconds, 3),
                    tokens_per_second = Math.Round(tokensPerSecond, 1),
                    n_train = trainPairs.Count,
                }));
            }
            else
            {
                output.WriteLine($"{Path.GetFullPath(outPath)} (best epoch {result.BestEpoch}, train loss {best.TrainLoss.ToString("F4", CultureInfo.InvariantCulture)}" +
                    (best.ValidationLoss is { } l ? $", validation loss {l.ToString("F4", CultureInfo.InvariantCulture)}" : "") +
                    (result.StoppedEarly ? ", stopped early" : "") + $", {tokensPerSecond.ToString("F0", CultureInfo.InvariantCulture)} tokens/s)");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The pairs of a conversation store's conversations (it may be the file a running kefu serve writes: WAL mode lets
    /// readers in). Read-only: --train names an input, and SQLite opening it read-write would make an empty .db file a database.
    /// </summary>
    static IReadOnlyList<ResponsePair> StoredPairs(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such conversation database.", path);
        using var store = Kefu.Server.Storage.SqliteEventStore.OpenReadOnly(path);
        return ConversationPairs.ReadAsync(store, path).GetAwaiter().GetResult();
    }
}
