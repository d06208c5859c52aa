using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Numerics.IO;

namespace Kefu.Tests.Pretrained;

/// <summary>
/// A tiny random RoBERTa base model in the Hugging Face folder layout, built once per test run: tiny-gpt2's byte-level
/// BPE with RoBERTa's vocabulary head (&lt;s&gt;=0, &lt;pad&gt;=1, &lt;/s&gt;=2, &lt;unk&gt;=3, the rest shifted by 4,
/// &lt;mask&gt; last), RobertaProcessing (trim_offsets), tokenizer_config.json as roberta-base's, config.json with
/// model_type roberta, and random weights under RobertaModel's names (no pooler), written with SafetensorsWriter.
/// The names and shapes are spelled out here, not taken from Kefu's BertWeights, so that loading is checked too.
/// </summary>
public static class TinyRobertaFixture
{
    public const int Hidden = 32, Layers = 2, Heads = 4, Intermediate = 64, MaxPositions = 66, Shift = 4;
    public const int Bos = 0, Pad = 1, Eos = 2;

    private static readonly Lazy<string> folder = new(Build);
    private static readonly Lazy<string> xlmr = new(BuildXlmr);

    public static string Folder => folder.Value;

    /// <summary>
    /// The same encoder as model_type xlm-roberta with an XLM-R-shaped Unigram tokenizer: NFKC and XLM-R's Replace of
    /// runs of spaces (no Precompiled map, which needs SentencePiece), Metaspace, &lt;s&gt; $A &lt;/s&gt;, the special
    /// tokens at XLM-R's ids, and the characters of <see cref="FineTuningTests.Data"/> plus a few whole words.
    /// </summary>
    public static string XlmrFolder => xlmr.Value;

    public static bool Present => File.Exists(Path.Combine(RepoPaths.Shared, "fixtures", "tiny-gpt2", "tokenizer.json"));

    private static string Build()
    {
        string dir = TemporaryFolder("kefu-tiny-roberta-");
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Shared, "fixtures", "tiny-gpt2", "tokenizer.json")))!.AsObject();
        var model = json["model"]!.AsObject();
        var vocab = new JsonObject { ["<s>"] = 0, ["<pad>"] = 1, ["</s>"] = 2, ["<unk>"] = 3 };
        int size = Shift;
        foreach (var (token, id) in model["vocab"]!.AsObject())
        {
            vocab[token] = id!.GetValue<int>() + Shift;
            size = Math.Max(size, id.GetValue<int>() + Shift + 1);
        }
        vocab["<mask>"] = size++;
        model["vocab"] = vocab;
        static JsonObject Added(int id, string content, bool lstrip = false) => new()
        {
            ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = lstrip, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
        };
        json["added_tokens"] = new JsonArray(Added(0, "<s>"), Added(1, "<pad>"), Added(2, "</s>"), Added(3, "<unk>"), Added(size - 1, "<mask>", lstrip: true));
        json["post_processor"] = JsonNode.Parse("""{"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0], "trim_offsets": true, "add_prefix_space": false}""");
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """
            {"tokenizer_class": "RobertaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
             "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>", "add_prefix_space": false, "model_max_length": 64}
            """);
        File.WriteAllText(Path.Combine(dir, "config.json"), $$"""
            {"architectures": ["RobertaModel"], "model_type": "roberta", "vocab_size": {{size}}, "hidden_size": {{Hidden}},
             "num_hidden_layers": {{Layers}}, "num_attention_heads": {{Heads}}, "intermediate_size": {{Intermediate}},
             "max_position_embeddings": {{MaxPositions}}, "type_vocab_size": 1, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
             "layer_norm_eps": 1e-05, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1}
            """);
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), Weights(size), new Dictionary<string, string> { ["format"] = "pt" });
        return dir;
    }

    private static string BuildXlmr()
    {
        string dir = TemporaryFolder("kefu-tiny-xlmr-");
        var vocab = new JsonArray();
        foreach (var (piece, score) in new (string, double)[] { ("<s>", 0), ("<pad>", 0), ("</s>", 0), ("<unk>", 0), ("▁", -2),
                     ("▁where", -3), ("▁order", -3), ("▁refund", -3), ("▁please", -3), ("▁help", -3), ("订单", -3) })
            vocab.Add(new JsonArray(piece, score));
        var chars = FineTuningTests.Data().Examples.SelectMany(e => e.Text.EnumerateRunes()).Select(r => r.ToString())
            .Where(c => c != " ").Distinct().Order(StringComparer.Ordinal);
        foreach (string c in chars)
            vocab.Add(new JsonArray(c, -6.0));
        vocab.Add(new JsonArray("<mask>", 0.0));
        int size = vocab.Count;
        static JsonObject Added(int id, string content) => new()
        {
            ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
        };
        static JsonNode Special(string token, int id) => new JsonObject { ["id"] = token, ["ids"] = new JsonArray(id), ["tokens"] = new JsonArray(token) };
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(Added(0, "<s>"), Added(1, "<pad>"), Added(2, "</s>"), Added(3, "<unk>"), Added(size - 1, "<mask>")),
            ["normalizer"] = JsonNode.Parse("""{"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}"""),
            ["pre_tokenizer"] = JsonNode.Parse("""{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}"""),
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = JsonNode.Parse("""[{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}]"""),
                ["pair"] = JsonNode.Parse("""[{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}]"""),
                ["special_tokens"] = new JsonObject { ["<s>"] = Special("<s>", 0), ["</s>"] = Special("</s>", 2) },
            },
            ["decoder"] = JsonNode.Parse("""{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}"""),
            ["model"] = new JsonObject { ["type"] = "Unigram", ["unk_id"] = 3, ["vocab"] = vocab, ["byte_fallback"] = false },
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """
            {"tokenizer_class": "XLMRobertaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
             "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>", "model_max_length": 64}
            """);
        File.WriteAllText(Path.Combine(dir, "config.json"), $$"""
            {"architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta", "vocab_size": {{size}}, "hidden_size": {{Hidden}},
             "num_hidden_layers": {{Layers}}, "num_attention_heads": {{Heads}}, "intermediate_size": {{Intermediate}},
             "max_position_embeddings": {{MaxPositions}}, "type_vocab_size": 1, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
             "layer_norm_eps": 1e-05, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1}
            """);
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), Weights(size), new Dictionary<string, string> { ["format"] = "pt" });
        return dir;
    }

    // removed when the test run ends
    private static string TemporaryFolder(string prefix)
    {
        string dir = Directory.CreateTempSubdirectory(prefix).FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return dir;
    }

    // RobertaModel's state dict with random values: matrices N(0, 0.2²) so that attention is far from uniform,
    // LayerNorm weights 1 + N(0, 0.1²) and biases N(0, 0.1²)
    private static List<NamedTensor> Weights(int vocabulary)
    {
        var random = new Random(12);
        var tensors = new List<NamedTensor>();
        void Add(string name, float scale, float mean, params int[] shape)
        {
            var data = new float[shape.Aggregate(1, (a, b) => a * b)];
            for (int i = 0; i < data.Length; i++)
                data[i] = mean + scale * (float)random.NextGaussian();
            tensors.Add(new NamedTensor(name, shape, data));
        }
        void Dense(string name, int outputs, int inputs)
        {
            Add(name + ".weight", 0.2f, 0f, outputs, inputs);
            Add(name + ".bias", 0.1f, 0f, outputs);
        }
        void Norm(string name)
        {
            Add(name + ".weight", 0.1f, 1f, Hidden);
            Add(name + ".bias", 0.1f, 0f, Hidden);
        }
        Add("roberta.embeddings.word_embeddings.weight", 0.5f, 0f, vocabulary, Hidden);
        Add("roberta.embeddings.position_embeddings.weight", 0.5f, 0f, MaxPositions, Hidden);
        Add("roberta.embeddings.token_type_embeddings.weight", 0.5f, 0f, 1, Hidden);
        Norm("roberta.embeddings.LayerNorm");
        for (int i = 0; i < Layers; i++)
        {
            string l = $"roberta.encoder.layer.{i}.";
            Dense(l + "attention.self.query", Hidden, Hidden);
            Dense(l + "attention.self.key", Hidden, Hidden);
            Dense(l + "attention.self.value", Hidden, Hidden);
            Dense(l + "attention.output.dense", Hidden, Hidden);
            Norm(l + "attention.output.LayerNorm");
            Dense(l + "intermediate.dense", Intermediate, Hidden);
            Dense(l + "output.dense", Hidden, Intermediate);
            Norm(l + "output.LayerNorm");
        }
        return tensors;
    }

    private static double NextGaussian(this Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

/// <summary>
/// A from-scratch RoBERTa in PyTorch (Debian's python3-torch; scripts/ci-deps.sh installs it), not transformers: the
/// reference for Kefu's encoder. It reads the folder's config.json and model.safetensors itself and computes
/// modeling_roberta's forward: create_position_ids_from_input_ids, token + position + type embeddings, LayerNorm, then
/// post-LN blocks with the additive finfo.min mask and exact GELU, in float64.
/// </summary>
internal static class TorchRoberta
{
    /// <summary>The first python with torch: python3 on PATH, else Debian's /usr/bin/python3.</summary>
    public static readonly Lazy<string?> Python = new(() =>
        new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(p => TryRun(p, "import torch", null, out _)));

    private const string Script = """
        import json, math, struct, sys
        import torch
        folder, batch = sys.argv[1], json.load(open(sys.argv[2]))
        cfg = json.load(open(folder + "/config.json"))
        with open(folder + "/model.safetensors", "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(n))
            data = f.read()
        W = {}
        for name, t in header.items():
            if name == "__metadata__": continue
            assert t["dtype"] == "F32"
            s, e = t["data_offsets"]
            W[name] = torch.frombuffer(bytearray(data[s:e]), dtype=torch.float32).reshape(t["shape"]).double()
        ids = torch.tensor(batch["input_ids"])
        mask = torch.tensor(batch["attention_mask"])
        B, T = ids.shape
        C, H, eps, pad = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"], cfg["pad_token_id"]
        D = C // H
        def ln(x, name): return torch.nn.functional.layer_norm(x, (C,), W[name + ".weight"], W[name + ".bias"], eps)
        def dense(x, name): return x @ W[name + ".weight"].T + W[name + ".bias"]
        not_pad = ids.ne(pad).int()
        positions = torch.cumsum(not_pad, dim=1) * not_pad + pad
        e = "roberta.embeddings."
        x = W[e + "word_embeddings.weight"][ids] + W[e + "position_embeddings.weight"][positions] + W[e + "token_type_embeddings.weight"][torch.zeros_like(ids)]
        x = ln(x, e + "LayerNorm")
        additive = (1.0 - mask[:, None, None, :].double()) * torch.finfo(torch.float64).min
        for i in range(cfg["num_hidden_layers"]):
            l = f"roberta.encoder.layer.{i}."
            def heads(t): return t.view(B, T, H, D).transpose(1, 2)
            q, k, v = (heads(dense(x, l + "attention.self." + p)) for p in ("query", "key", "value"))
            scores = q @ k.transpose(-1, -2) / math.sqrt(D) + additive
            context = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(B, T, C)
            a = ln(dense(context, l + "attention.output.dense") + x, l + "attention.output.LayerNorm")
            h = torch.nn.functional.gelu(dense(a, l + "intermediate.dense"))
            x = ln(dense(h, l + "output.dense") + a, l + "output.LayerNorm")
        print(json.dumps({"positions": positions.tolist(), "hidden": x.tolist()}))
        """;

    /// <summary>Position ids [B][T] and last hidden states [B][T][C] of the padded batch.</summary>
    public static (int[][] Positions, double[][][] Hidden) Run(string folder, int[][] inputIds, int[][] attentionMask)
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, JsonSerializer.Serialize(new { input_ids = inputIds, attention_mask = attentionMask }));
            Assert.True(TryRun(Python.Value!, Script, [folder, file], out string output), output);
            using var result = JsonDocument.Parse(output);
            var positions = result.RootElement.GetProperty("positions").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
            var hidden = result.RootElement.GetProperty("hidden").EnumerateArray()
                .Select(b => b.EnumerateArray().Select(t => t.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray()).ToArray();
            return (positions, hidden);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static bool TryRun(string python, string script, string[]? arguments, out string output)
    {
        try
        {
            var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            foreach (string argument in arguments ?? [])
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                output += stderr.Result;
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            output = e.Message;
            return false;
        }
    }
}

/// <summary>A fact that is skipped, saying why, where python3 with torch is not installed or tiny-gpt2 is absent.</summary>
public sealed class TorchRobertaFactAttribute : FactAttribute
{
    public TorchRobertaFactAttribute()
    {
        if (!TinyRobertaFixture.Present)
            Skip = "../shared/fixtures/tiny-gpt2 is absent (the tiny RoBERTa's tokenizer is built from it).";
        else if (TorchRoberta.Python.Value is null)
            Skip = "PyTorch comparison skipped: no python3 with torch (Debian packages python3-torch libopenblas0-pthread; run scripts/ci-deps.sh)";
    }
}

/// <summary>A fact that is skipped when ../shared/fixtures/tiny-gpt2 (the tiny RoBERTa's tokenizer) is absent.</summary>
public sealed class TinyRobertaFactAttribute : FactAttribute
{
    public TinyRobertaFactAttribute()
    {
        if (!TinyRobertaFixture.Present)
            Skip = "../shared/fixtures/tiny-gpt2 is absent (the tiny RoBERTa's tokenizer is built from it).";
    }
}
