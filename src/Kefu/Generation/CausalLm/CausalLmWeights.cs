using System.Text;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics.Optim;

namespace Kefu.Generation.CausalLm;

/// <summary>
/// Hugging Face tensor names of GPT2LMHeadModel and Qwen2ForCausalLM mapped onto the parameters of <see cref="Gpt2Model"/>
/// and <see cref="Qwen2Model"/>. GPT-2's Conv1D weights are stored [in, out] and are transposed into [out, in]; its
/// c_attn columns are already query | key | value. Qwen2's q_proj, k_proj and v_proj stack into rows of "attn.qkv",
/// gate_proj and up_proj into "mlp.gate_up".
/// </summary>
internal static class CausalLmWeights
{
    /// <summary>One checkpoint tensor: its name and shape there, where its values go, and whether it is [in, out].</summary>
    private sealed record Slot(string Name, int[] Shape, Parameter Target, int Offset, bool Transposed = false)
    {
        public int Length => Shape.Aggregate(1, (a, d) => a * d);
    }

    /// <summary>Checks every tensor (missing, wrong shape, unreadable dtype, unexpected) and reports all problems in one error; then copies.</summary>
    public static void Load(Checkpoint checkpoint, CausalLanguageModel model)
    {
        var (slots, ignored) = model switch
        {
            Gpt2Model gpt2 => Gpt2Slots(gpt2, checkpoint.TryGetTensor("transformer.wte.weight", out _) ? "transformer." : ""),
            Qwen2Model qwen2 => Qwen2Slots(qwen2),
            _ => throw new NotSupportedException(model.GetType().Name),
        };
        var problems = new List<string>();
        var expected = slots.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var slot in slots)
        {
            if (!checkpoint.TryGetTensor(slot.Name, out var info))
                problems.Add($"missing \"{slot.Name}\" (expected shape [{string.Join(", ", slot.Shape)}])");
            else if (!info.Shape.SequenceEqual(slot.Shape.Select(d => (long)d)))
                problems.Add($"\"{slot.Name}\" has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", slot.Shape)}]");
            else if (info.DType is not ("F32" or "F16" or "BF16"))
                problems.Add($"\"{slot.Name}\" has dtype {info.DType}; only F32, F16 and BF16 can be read");
        }
        foreach (var info in checkpoint.Tensors)
        {
            if (!expected.Contains(info.Name) && !ignored(info.Name))
                problems.Add($"unexpected \"{info.Name}\" (shape [{string.Join(", ", info.Shape)}])");
        }
        if (problems.Count > 0)
        {
            var message = new StringBuilder($"'{checkpoint.Description}' does not match a {model.Config.Architecture} model of this config.json ({problems.Count} problems):");
            foreach (string problem in problems.Take(20))
                message.Append("\n  ").Append(problem);
            if (problems.Count > 20)
                message.Append($"\n  ... and {problems.Count - 20} more");
            throw new InvalidDataException(message.ToString());
        }
        var values = model.Parameters.Values;
        float[] buffer = [];
        foreach (var slot in slots)
        {
            var target = values.Slice(slot.Target.Offset + slot.Offset, slot.Length);
            if (!slot.Transposed)
            {
                checkpoint.ReadFloat32(slot.Name, target);
                continue;
            }
            // [in, out] -> [out, in]
            if (buffer.Length < slot.Length)
                buffer = new float[slot.Length];
            var source = buffer.AsSpan(0, slot.Length);
            checkpoint.ReadFloat32(slot.Name, source);
            int rows = slot.Shape[0], columns = slot.Shape[1];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                    target[c * rows + r] = source[r * columns + c];
            }
        }
        model.Parameters.MarkChanged();
    }

    /// <summary>
    /// The parameters under Hugging Face's names as transformers' save_pretrained writes them (F32, GPT-2's Conv1D
    /// weights back to [in, out], q/k/v and gate/up split again; a tied head not written).
    /// </summary>
    public static void Save(CausalLanguageModel model, string path)
    {
        var (slots, _) = model switch
        {
            Gpt2Model gpt2 => Gpt2Slots(gpt2, "transformer."),
            Qwen2Model qwen2 => Qwen2Slots(qwen2),
            _ => throw new NotSupportedException(model.GetType().Name),
        };
        var memory = model.Parameters;
        var tensors = new List<Numerics.IO.NamedTensor>();
        foreach (var slot in slots)
        {
            var values = memory.MemoryOf(slot.Target).Slice(slot.Offset, slot.Length);
            if (slot.Transposed)
            {
                // [out, in] -> [in, out]
                int rows = slot.Shape[0], columns = slot.Shape[1];
                var source = values.Span;
                var stored = new float[slot.Length];
                for (int r = 0; r < rows; r++)
                {
                    for (int c = 0; c < columns; c++)
                        stored[r * columns + c] = source[c * rows + r];
                }
                values = stored;
            }
            tensors.Add(new Numerics.IO.NamedTensor(slot.Name, slot.Shape, values));
        }
        Numerics.IO.SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    // transformers' GPT2LMHeadModel saves "transformer.*"; the original gpt2 repos save GPT2Model's names without it
    private static (List<Slot>, Func<string, bool>) Gpt2Slots(Gpt2Model model, string prefix)
    {
        var config = model.Config;
        int c = config.Hidden;
        var slots = new List<Slot>
        {
            new(prefix + "wte.weight", [config.VocabularySize, c], model.TokenEmbedding, 0),
            new(prefix + "wpe.weight", [config.MaxPositions, c], model.PositionEmbedding, 0),
        };
        void Norm(string name, Numerics.Modules.LayerNorm norm)
        {
            slots.Add(new(name + ".weight", [c], norm.Gamma, 0));
            slots.Add(new(name + ".bias", [c], norm.Beta, 0));
        }
        void Conv1D(string name, Numerics.Modules.Linear linear)
        {
            slots.Add(new(name + ".weight", [linear.InFeatures, linear.OutFeatures], linear.Weight, 0, Transposed: true));
            slots.Add(new(name + ".bias", [linear.OutFeatures], linear.Bias!, 0));
        }
        for (int i = 0; i < config.Layers; i++)
        {
            var block = model.Blocks[i];
            string h = $"{prefix}h.{i}.";
            Norm(h + "ln_1", block.Norm1);
            Conv1D(h + "attn.c_attn", block.Qkv);
            Conv1D(h + "attn.c_proj", block.AttentionOutput);
            Norm(h + "ln_2", block.Norm2);
            Conv1D(h + "mlp.c_fc", block.Up);
            Conv1D(h + "mlp.c_proj", block.Down);
        }
        Norm(prefix + "ln_f", model.FinalNorm);
        // the causal mask buffers of older saves, and the tied head when it was saved anyway
        return (slots, name => name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal)
            || name == "lm_head.weight");
    }

    private static (List<Slot>, Func<string, bool>) Qwen2Slots(Qwen2Model model)
    {
        var config = model.Config;
        int c = config.Hidden, d = config.HeadDim, q = config.Heads * d, kv = config.KvHeads * d, f = config.Intermediate;
        var slots = new List<Slot> { new("model.embed_tokens.weight", [config.VocabularySize, c], model.TokenEmbedding, 0) };
        for (int i = 0; i < config.Layers; i++)
        {
            var layer = model.Layers[i];
            string l = $"model.layers.{i}.";
            slots.Add(new(l + "input_layernorm.weight", [c], layer.InputNorm, 0));
            // attn.qkv rows: queries 0..q−1, keys q..q+kv−1, values q+kv..q+2kv−1
            slots.Add(new(l + "self_attn.q_proj.weight", [q, c], layer.Qkv.Weight, 0));
            slots.Add(new(l + "self_attn.k_proj.weight", [kv, c], layer.Qkv.Weight, q * c));
            slots.Add(new(l + "self_attn.v_proj.weight", [kv, c], layer.Qkv.Weight, (q + kv) * c));
            slots.Add(new(l + "self_attn.q_proj.bias", [q], layer.Qkv.Bias!, 0));
            slots.Add(new(l + "self_attn.k_proj.bias", [kv], layer.Qkv.Bias!, q));
            slots.Add(new(l + "self_attn.v_proj.bias", [kv], layer.Qkv.Bias!, q + kv));
            slots.Add(new(l + "self_attn.o_proj.weight", [c, q], layer.AttentionOutput.Weight, 0));
            slots.Add(new(l + "post_attention_layernorm.weight", [c], layer.PostNorm, 0));
            slots.Add(new(l + "mlp.gate_proj.weight", [f, c], layer.GateUp.Weight, 0));
            slots.Add(new(l + "mlp.up_proj.weight", [f, c], layer.GateUp.Weight, f * c));
            slots.Add(new(l + "mlp.down_proj.weight", [c, f], layer.Down.Weight, 0));
        }
        slots.Add(new("model.norm.weight", [c], model.FinalNorm, 0));
        if (!config.TieWordEmbeddings)
            slots.Add(new("lm_head.weight", [config.VocabularySize, c], model.HeadWeight, 0));
        // a tied head saved anyway; rotary inv_freq buffers of older saves
        return (slots, name => (config.TieWordEmbeddings && name == "lm_head.weight") || name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal));
    }
}
