using System.Numerics.Tensors;
using System.Text.Json;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Text.WordPiece;

namespace Kefu.Nlu.Pretrained;

/// <summary>How token states become one sentence vector (sentence-transformers' Pooling module).</summary>
public enum SentencePooling
{
    Mean,
    Cls,
}

/// <summary>
/// Sentence embeddings as sentence-transformers computes them: the encoder's token states pooled over the attention
/// mask (mean, or [CLS]) and L2-normalised when modules.json has a Normalize module. A folder without modules.json
/// gets mean pooling without normalisation, the common choice for a plain BERT. Thread-safe.
/// </summary>
public sealed class SentenceEncoder
{
    [ThreadStatic] private static Graph? graph;

    private SentenceEncoder(BertClassifier model, EncoderTokenizer tokenizer, SentencePooling pooling, bool normalize, int maxLength)
    {
        Model = model;
        Tokenizer = tokenizer;
        Pooling = pooling;
        Normalize = normalize;
        MaxLength = maxLength;
    }

    public BertClassifier Model { get; }
    public EncoderTokenizer Tokenizer { get; }
    public SentencePooling Pooling { get; }
    public bool Normalize { get; }
    public int MaxLength { get; }
    public int Dimension => Model.Config.Hidden;

    /// <param name="maxLength">Tokens per text, the special tokens included; default sentence_bert_config.json's max_seq_length, else 256.</param>
    public static SentenceEncoder Load(string folder, int? maxLength = null)
    {
        var pooling = SentencePooling.Mean;
        bool normalize = false;
        int length = 256;
        string modules = Path.Combine(folder, "modules.json");
        if (File.Exists(modules))
        {
            using var document = ReadJson(modules);
            foreach (var module in document.RootElement.EnumerateArray())
            {
                string type = module.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
                string path = module.TryGetProperty("path", out var p) ? p.GetString() ?? "" : "";
                if (type.EndsWith(".Normalize", StringComparison.Ordinal))
                    normalize = true;
                else if (type.EndsWith(".Pooling", StringComparison.Ordinal))
                    pooling = ReadPooling(Path.Combine(folder, path, "config.json"));
                else if (!type.EndsWith(".Transformer", StringComparison.Ordinal))
                    throw new InvalidDataException($"{modules}: module \"{type}\" is not supported; Kefu runs Transformer, Pooling and Normalize.");
            }
        }
        string sbert = Path.Combine(folder, "sentence_bert_config.json");
        if (File.Exists(sbert))
        {
            using var document = ReadJson(sbert);
            if (document.RootElement.TryGetProperty("max_seq_length", out var m) && m.TryGetInt32(out int v) && v >= 3)
                length = v;
        }
        var tokenizer = EncoderTokenizer.Load(folder);
        var model = BertClassifier.Load(folder, labels: ["(encoder only)"]);
        return new SentenceEncoder(model, tokenizer, pooling, normalize,
            Math.Min(maxLength ?? length, model.Config.MaxPositions - model.Config.PositionOffset));
    }

    /// <summary>One vector [C] per text.</summary>
    public float[][] Embed(IReadOnlyList<string> texts)
    {
        var result = new float[texts.Count][];
        const int chunk = 32;
        for (int start = 0; start < texts.Count; start += chunk)
        {
            var batch = Tokenizer.EncodeBatch([.. texts.Skip(start).Take(chunk)], MaxLength);
            var g = graph ??= new Graph(recordTape: false);
            g.Reset();
            var hidden = Model.Encode(g, batch, out var mask);                       // [B*T, C]
            var pooled = Pooling == SentencePooling.Cls
                ? g.TakeToken(hidden, batch.Batch, batch.Time, 0)
                : g.MeanPool(hidden, mask, batch.Batch, batch.Time);                 // [B, C]
            int c = Dimension;
            for (int b = 0; b < batch.Batch; b++)
            {
                var row = pooled.Span.Slice(b * c, c).ToArray();
                if (Normalize)
                    TensorPrimitives.Divide(row, Math.Max(TensorPrimitives.Norm(row), 1e-12f), row);
                result[start + b] = row;
            }
        }
        return result;
    }

    private static SentencePooling ReadPooling(string path)
    {
        using var document = ReadJson(path);
        var root = document.RootElement;
        bool On(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.True;
        if (On("pooling_mode_mean_tokens")) return SentencePooling.Mean;
        if (On("pooling_mode_cls_token")) return SentencePooling.Cls;
        throw new InvalidDataException($"{path}: only pooling_mode_mean_tokens and pooling_mode_cls_token are supported.");
    }

    private static JsonDocument ReadJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{(e.LineNumber ?? 0) + 1}: invalid JSON: {e.Message}", e);
        }
    }
}
