using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Numerics.IO;
using Kefu.Numerics.Ops;
using Kefu.Text.WordPiece;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// A fine-tuned encoder with its tokenizer: intent probabilities and entity spans of a text in one forward pass.
/// Saved as a Hugging Face folder (config.json with id2label, model.safetensors in *ForSequenceClassification names, the
/// tokenizer files) plus kefu_heads.json for the entity tags, so Python tools load the intent model as it is.
/// Thread-safe.
/// </summary>
public sealed class TransformerNlu
{
    public const string HeadsFile = "kefu_heads.json";
    private const string Format = "kefu.transformer.v1";
    private static readonly string[] TokenizerFiles = ["tokenizer.json", "vocab.txt", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"];

    public TransformerNlu(BertClassifier model, EncoderTokenizer tokenizer, int maxLength, string configSource)
    {
        Model = model;
        Tokenizer = tokenizer;
        MaxLength = maxLength;
        ConfigSource = configSource;
    }

    public BertClassifier Model { get; }
    public EncoderTokenizer Tokenizer { get; }
    public int MaxLength { get; }
    public IReadOnlyList<string> Intents => Model.Labels;
    public EntityTagSet? Tags => Model.Tags;
    /// <summary>The folder whose config.json and tokenizer files a save copies (the pretrained or a saved model's).</summary>
    public string ConfigSource { get; }

    /// <summary>One text's piece ids [T], intent logits [K] and softmax [K], and the entities found (character spans with their type index).</summary>
    public sealed record Prediction(int[] InputIds, float[] Logits, float[] Probabilities, List<(int Start, int End, int Type)> Entities);

    public Prediction Predict(string text)
    {
        var tokens = TokenizedText.Of(Tokenizer, text, MaxLength);
        var mask = new float[tokens.Ids.Length];
        Array.Fill(mask, 1f);
        var (logits, tagLogits) = Model.Infer(new BertBatch(tokens.Ids, mask, 1, tokens.Ids.Length));
        var probabilities = new float[logits.Length];
        SoftmaxOp.Forward(logits, probabilities, 1, logits.Length);
        var entities = new List<(int, int, int)>();
        if (Tags is { } tags && tokens.WordTokens.Length > 0)
        {
            int l = tags.Count, w = tokens.WordTokens.Length;
            var emissions = new float[w * l];  // [W, L] the tag logits of each word's first piece
            for (int i = 0; i < w; i++)
                tagLogits.AsSpan(tokens.WordTokens[i] * l, l).CopyTo(emissions.AsSpan(i * l, l));
            var path = new int[w];
            if (Model.Crf is { } crf)
                crf.Decode(emissions, w, path);
            else
            {
                for (int i = 0; i < w; i++)
                    path[i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(emissions.AsSpan(i * l, l));
            }
            foreach (var (first, last, type) in tags.Decode(path))
                entities.Add((tokens.WordSpans[first].Start, tokens.WordSpans[last].End, type));
        }
        return new Prediction(tokens.Ids, logits, probabilities, entities);
    }

    /// <summary>Writes the Hugging Face folder (see the class summary); the folder is created or its files replaced.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(ConfigSource, "config.json")))!.AsObject();
        string head = Model.Config.Architecture switch
        {
            EncoderArchitecture.Roberta => "RobertaForSequenceClassification",
            EncoderArchitecture.DistilBert => "DistilBertForSequenceClassification",
            _ => "BertForSequenceClassification",
        };
        config["architectures"] = new JsonArray(head);
        // a distilled student is shallower (or narrower) than the folder whose config.json this copies
        var shape = Model.Config;
        bool distil = shape.Architecture == EncoderArchitecture.DistilBert;
        config[distil ? "n_layers" : "num_hidden_layers"] = shape.Layers;
        config[distil ? "dim" : "hidden_size"] = shape.Hidden;
        config[distil ? "n_heads" : "num_attention_heads"] = shape.Heads;
        config[distil ? "hidden_dim" : "intermediate_size"] = shape.Intermediate;
        var id2label = new JsonObject();
        var label2id = new JsonObject();
        for (int i = 0; i < Intents.Count; i++)
        {
            id2label[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = Intents[i];
            label2id[Intents[i]] = i;
        }
        config["id2label"] = id2label;
        config["label2id"] = label2id;
        config["torch_dtype"] = "float32";
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        SafetensorsWriter.Write(Path.Combine(folder, Checkpoint.SingleFile), BertWeights.Save(Model),
            new Dictionary<string, string> { ["format"] = "pt" });
        foreach (string file in TokenizerFiles)
        {
            string from = Path.Combine(ConfigSource, file), to = Path.Combine(folder, file);
            if (File.Exists(from) && Path.GetFullPath(from) != Path.GetFullPath(to))
                File.Copy(from, to, overwrite: true);
        }
        var heads = new JsonObject
        {
            ["format"] = Format,
            ["max_length"] = MaxLength,
            ["pooling"] = Model.Pooling.ToString().ToLowerInvariant(),
            ["entity_types"] = Tags is null ? null : new JsonArray([.. Tags.EntityTypes.Select(t => (JsonNode)t)]),
            ["tag_scheme"] = Tags?.Scheme.ToString().ToLowerInvariant(),
            ["crf"] = Tags?.Crf,
        };
        File.WriteAllText(Path.Combine(folder, HeadsFile), heads.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// A folder written by <see cref="Save"/>, or any Hugging Face *ForSequenceClassification folder (intents from
    /// id2label, no entities, max length 128 unless given or the tokenizer's model_max_length is less).
    /// </summary>
    public static TransformerNlu Load(string folder, int? maxLength = null)
    {
        string headsPath = Path.Combine(folder, HeadsFile);
        EntityTagSet? tags = null;
        int length = maxLength ?? 128;
        var pooling = IntentPooling.Pooler;
        if (File.Exists(headsPath))
        {
            (tags, int saved, pooling) = HuggingFaceJson.ReadObject(headsPath, root =>
            {
                if (!root.TryGetProperty("format", out var format) || format.GetString() != Format)
                    throw new InvalidDataException($"{headsPath}: not a {Format} file.");
                var pooled = root.TryGetProperty("pooling", out var p) ? p.GetString() switch
                {
                    "pooler" => IntentPooling.Pooler,
                    "mean" => IntentPooling.Mean,
                    var other => throw new InvalidDataException($"{headsPath}: pooling \"{other}\" is not pooler or mean."),
                } : IntentPooling.Pooler;
                int max = root.TryGetProperty("max_length", out var m) && m.TryGetInt32(out int v) && v >= 3 ? v
                    : throw new InvalidDataException($"{headsPath}: \"max_length\" must be an integer of at least 3.");
                if (!root.TryGetProperty("entity_types", out var types) || types.ValueKind != JsonValueKind.Array || types.GetArrayLength() == 0)
                    return ((EntityTagSet?)null, max, pooled);
                var scheme = root.GetProperty("tag_scheme").GetString() switch
                {
                    "bio" => TagScheme.Bio,
                    "bilou" => TagScheme.Bilou,
                    var other => throw new InvalidDataException($"{headsPath}: tag_scheme \"{other}\" is not bio or bilou."),
                };
                bool crf = root.TryGetProperty("crf", out var c) && c.ValueKind == JsonValueKind.True;
                return (new EntityTagSet([.. types.EnumerateArray().Select(t => t.GetString()!)], scheme, crf), max, pooled);
            });
            length = maxLength ?? saved;
        }
        var tokenizer = EncoderTokenizer.Load(folder);
        if (maxLength is null && !File.Exists(headsPath))
            length = Math.Min(length, tokenizer.ModelMaxLength);
        var model = BertClassifier.Load(folder, labels: null, tags);
        model.Pooling = pooling;
        return new TransformerNlu(model, tokenizer, length, folder);
    }
}
