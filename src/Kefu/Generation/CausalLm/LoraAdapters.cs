using System.Text.Json;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.IO;
using Kefu.Numerics.Modules;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;
using Kefu.Text.WordPiece;

namespace Kefu.Generation.CausalLm;

/// <summary>LoRA's shape: rank r, scale alpha / r, and the module names (suffixes, as PEFT's target_modules) it adapts.</summary>
/// <param name="Targets">null: PEFT's defaults for the family (GPT-2 c_attn; Qwen2 q_proj, v_proj).</param>
public sealed record LoraOptions(int Rank = 8, float Alpha = 16, IReadOnlyList<string>? Targets = null)
{
    public IReadOnlyList<string> TargetsFor(CausalLmArchitecture architecture) =>
        Targets ?? (architecture == CausalLmArchitecture.Gpt2 ? ["c_attn"] : ["q_proj", "v_proj"]);
}

/// <summary>
/// LoRA (Hu et al., 2021) on a causal LM's projections: h = x Wᵀ + b + (α / r) · (x Aᵀ) Bᵀ with A [r, in] and B [out, r],
/// B starting at zero so the adapted model starts equal to the base. Hugging Face names a module
/// ("transformer.h.0.attn.c_attn", "model.layers.0.self_attn.q_proj"); Kefu's fused projections (Qwen2's q|k|v and
/// gate|up) take an adapter on their rows of that module (<see cref="AddColumnsOp"/>). Saved as PEFT saves it:
/// adapter_model.safetensors with base_model.model.&lt;module&gt;.lora_A.weight / lora_B.weight, and adapter_config.json.
/// Legend: N rows, r rank.
/// </summary>
public sealed class LoraAdapters
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";

    /// <summary>One adapted module: rows [Offset, Offset + Rows) of <paramref name="Target"/>'s output.</summary>
    public sealed record Adapter(string Module, Linear Target, int Offset, int Rows, Parameter A, Parameter B);

    private readonly Dictionary<Linear, List<Adapter>> byTarget = [];

    private LoraAdapters(LoraOptions options, IReadOnlyList<string> targets, ParameterSet parameters, List<Adapter> adapters)
    {
        Options = options;
        Targets = targets;
        Parameters = parameters;
        All = adapters;
        foreach (var adapter in adapters)
        {
            if (!byTarget.TryGetValue(adapter.Target, out var list))
                byTarget[adapter.Target] = list = [];
            list.Add(adapter);
        }
    }

    public LoraOptions Options { get; }

    public IReadOnlyList<string> Targets { get; }

    /// <summary>A and B of every adapter, in their own flat buffers (the optimizer's only parameters).</summary>
    public ParameterSet Parameters { get; }

    public IReadOnlyList<Adapter> All { get; }

    public float Scale => Options.Alpha / Options.Rank;

    /// <summary>The projections adapters can target: Hugging Face module name, Kefu's linear, and its rows.</summary>
    public static IReadOnlyList<(string Module, Linear Linear, int Offset, int Rows)> Modules(CausalLanguageModel model)
    {
        var list = new List<(string, Linear, int, int)>();
        var config = model.Config;
        if (model is Gpt2Model gpt2)
        {
            for (int i = 0; i < gpt2.Blocks.Count; i++)
            {
                var b = gpt2.Blocks[i];
                string h = $"transformer.h.{i}.";
                list.Add((h + "attn.c_attn", b.Qkv, 0, b.Qkv.OutFeatures));
                list.Add((h + "attn.c_proj", b.AttentionOutput, 0, b.AttentionOutput.OutFeatures));
                list.Add((h + "mlp.c_fc", b.Up, 0, b.Up.OutFeatures));
                list.Add((h + "mlp.c_proj", b.Down, 0, b.Down.OutFeatures));
            }
            return list;
        }
        var qwen = (Qwen2Model)model;
        int q = config.Heads * config.HeadDim, kv = config.KvHeads * config.HeadDim, f = config.Intermediate;
        for (int i = 0; i < qwen.Layers.Count; i++)
        {
            var l = qwen.Layers[i];
            string p = $"model.layers.{i}.";
            list.Add((p + "self_attn.q_proj", l.Qkv, 0, q));
            list.Add((p + "self_attn.k_proj", l.Qkv, q, kv));
            list.Add((p + "self_attn.v_proj", l.Qkv, q + kv, kv));
            list.Add((p + "self_attn.o_proj", l.AttentionOutput, 0, l.AttentionOutput.OutFeatures));
            list.Add((p + "mlp.gate_proj", l.GateUp, 0, f));
            list.Add((p + "mlp.up_proj", l.GateUp, f, f));
            list.Add((p + "mlp.down_proj", l.Down, 0, l.Down.OutFeatures));
        }
        return list;
    }

    /// <summary>New adapters on the modules whose name is a target or ends with "." + a target (PEFT's matching).</summary>
    /// <exception cref="ArgumentException">A bad rank or alpha, or a target that names no module.</exception>
    public static LoraAdapters Create(CausalLanguageModel model, LoraOptions options, ulong seed = 1)
    {
        if (options.Rank < 1)
            throw new ArgumentException($"LoRA rank must be at least 1, got {options.Rank}.");
        if (!(options.Alpha > 0))
            throw new ArgumentException($"LoRA alpha must be positive, got {options.Alpha}.");
        var targets = options.TargetsFor(model.Config.Architecture);
        var modules = Modules(model);
        var names = modules.Select(m => m.Module.Split('.')[^1]).Distinct().ToArray();
        foreach (string target in targets)
        {
            if (!modules.Any(m => Matches(m.Module, target)))
                throw new ArgumentException($"LoRA target \"{target}\" names no module of this {model.Config.Architecture} model; its modules are {string.Join(", ", names)}.");
        }
        var parameters = new ParameterSet();
        var adapters = new List<Adapter>();
        foreach (var (module, linear, offset, rows) in modules.Where(m => targets.Any(t => Matches(m.Module, t))))
        {
            int input = linear.InFeatures;
            // PEFT: A kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in); B zeros
            var a = parameters.Add(module + ".lora_A", new Shape(options.Rank, input), ParameterInit.Uniform(1f / MathF.Sqrt(input)), parameters.NoDecay);
            var b = parameters.Add(module + ".lora_B", new Shape(rows, options.Rank), ParameterInit.Zeros, parameters.NoDecay);
            adapters.Add(new Adapter(module, linear, offset, rows, a, b));
        }
        parameters.Allocate(seed, withGradients: true);
        return new LoraAdapters(options, targets, parameters, adapters);
    }

    private static bool Matches(string module, string target) =>
        module == target || module.EndsWith("." + target, StringComparison.Ordinal);

    // x [N, in] -> [N, out]: the base projection plus (α / r) · (x Aᵀ) Bᵀ on each adapter's rows
    internal Tensor Forward(Graph g, Linear linear, Tensor x)
    {
        var y = linear.Forward(g, x);
        if (!byTarget.TryGetValue(linear, out var adapters))
            return y;
        foreach (var adapter in adapters)
        {
            var low = g.Linear(x, adapter.A, null);                                     // [N, r]
            var update = g.Scale(g.Linear(low, adapter.B, null), Scale);                // [N, rows]
            y = adapter.Rows == linear.OutFeatures ? g.Add(y, update) : g.AddColumns(y, update, adapter.Offset);
        }
        return y;
    }

    /// <summary>PEFT's layout: adapter_model.safetensors and adapter_config.json naming the base model.</summary>
    public void Save(string folder, string baseModel, CausalLmArchitecture architecture)
    {
        Directory.CreateDirectory(folder);
        SafetensorsWriter.Write(Path.Combine(folder, WeightsFile), All.SelectMany(a => new[]
        {
            new NamedTensor($"base_model.model.{a.Module}.lora_A.weight", [Options.Rank, a.Target.InFeatures], Parameters.MemoryOf(a.A)),
            new NamedTensor($"base_model.model.{a.Module}.lora_B.weight", [a.Rows, Options.Rank], Parameters.MemoryOf(a.B)),
        }), new Dictionary<string, string> { ["format"] = "pt" });
        var config = new Dictionary<string, object?>
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = baseModel,
            ["r"] = Options.Rank,
            ["lora_alpha"] = Options.Alpha,
            ["lora_dropout"] = 0.0,
            ["target_modules"] = Targets,
            ["bias"] = "none",
            ["fan_in_fan_out"] = architecture == CausalLmArchitecture.Gpt2, // GPT-2's Conv1D stores [in, out]
            ["use_rslora"] = false,
            ["inference_mode"] = true,
            ["modules_to_save"] = null,
        };
        File.WriteAllText(Path.Combine(folder, ConfigFile), JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The base model folder an adapter folder names (adapter_config.json's base_model_name_or_path).</summary>
    public static string BaseModelOf(string folder)
    {
        string path = Path.Combine(folder, ConfigFile);
        return HuggingFaceJson.ReadObject(path, root =>
            root.TryGetProperty("base_model_name_or_path", out var b) && b.ValueKind == JsonValueKind.String && b.GetString() is { Length: > 0 } name
                ? name
                : throw new InvalidDataException($"{path}: no \"base_model_name_or_path\"; Kefu needs it to find the base model."));
    }

    /// <summary>Reads a PEFT LoRA folder for <paramref name="model"/>; every missing, unexpected or misshapen tensor is named.</summary>
    public static LoraAdapters Load(string folder, CausalLanguageModel model)
    {
        string path = Path.Combine(folder, ConfigFile);
        var options = HuggingFaceJson.ReadObject(path, root =>
        {
            string type = root.TryGetProperty("peft_type", out var t) ? t.GetString() ?? "" : "";
            if (type != "LORA")
                throw new InvalidDataException($"{path}: peft_type \"{type}\" is not supported; Kefu loads LORA adapters.");
            if (root.TryGetProperty("use_rslora", out var rs) && rs.ValueKind == JsonValueKind.True)
                throw new InvalidDataException($"{path}: use_rslora is not supported (scale α/√r).");
            if (root.TryGetProperty("use_dora", out var dora) && dora.ValueKind == JsonValueKind.True)
                throw new InvalidDataException($"{path}: use_dora is not supported.");
            if (!root.TryGetProperty("r", out var r) || !r.TryGetInt32(out int rank))
                throw new InvalidDataException($"{path}: no integer \"r\".");
            float alpha = root.TryGetProperty("lora_alpha", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetSingle() : rank;
            if (!root.TryGetProperty("target_modules", out var targets) || targets.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{path}: \"target_modules\" must be a list of module names.");
            return new LoraOptions(rank, alpha, [.. targets.EnumerateArray().Select(e => e.GetString() ?? "")]);
        });
        LoraAdapters adapters;
        try
        {
            adapters = Create(model, options);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        using var file = SafetensorsFile.Open(Path.Combine(folder, WeightsFile));
        var problems = new List<string>();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var adapter in adapters.All)
        {
            foreach (var (name, parameter, shape) in new[]
            {
                ($"base_model.model.{adapter.Module}.lora_A.weight", adapter.A, new long[] { options.Rank, adapter.Target.InFeatures }),
                ($"base_model.model.{adapter.Module}.lora_B.weight", adapter.B, new long[] { adapter.Rows, options.Rank }),
            })
            {
                expected.Add(name);
                var info = file.Tensors.FirstOrDefault(t => t.Name == name);
                if (info is null)
                    problems.Add($"missing \"{name}\"");
                else if (!info.Shape.SequenceEqual(shape))
                    problems.Add($"\"{name}\" has shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", shape)}]");
                else
                    file.ReadFloat32(name, adapters.Parameters.MemoryOf(parameter).Span);
            }
        }
        problems.AddRange(file.Tensors.Where(t => !expected.Contains(t.Name)).Select(t => $"unexpected \"{t.Name}\""));
        if (problems.Count > 0)
            throw new InvalidDataException($"{Path.Combine(folder, WeightsFile)}: {string.Join("; ", problems.Take(10))}");
        adapters.Parameters.MarkChanged();
        return adapters;
    }
}
