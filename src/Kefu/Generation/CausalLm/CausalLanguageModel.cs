using Kefu.Hub;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Generation.CausalLm;

/// <summary>
/// A decoder-only language model on Kefu.Numerics: the full forward (training, and the definition decoding is checked
/// against) and the incremental forward over a <see cref="KvCache"/>. Legend: B sequences, T tokens, C hidden, V vocabulary.
/// </summary>
public abstract class CausalLanguageModel
{
    private PackedHead? packedHead; // the LM head packed once for inference, replaced when the parameters change

    private sealed record PackedHead(PackedMatrix Matrix, long Version);

    protected CausalLanguageModel(CausalLmConfig config, ParameterSet parameters)
    {
        Config = config;
        Parameters = parameters;
    }

    public CausalLmConfig Config { get; }

    public ParameterSet Parameters { get; }

    /// <summary>[V, C]: the token embedding, or lm_head when untied.</summary>
    public abstract Parameter HeadWeight { get; }

    /// <summary>
    /// LoRA adapters added to the projections they target (<see cref="LoraAdapters"/>); null runs the weights as they
    /// are. Set before a forward pass, never during one.
    /// </summary>
    public LoraAdapters? Adapters { get; set; }

    /// <summary>
    /// Dropout probability while training (graphs that record a tape): on the embeddings and on each residual branch before
    /// it is added, where GPT-2 has embd_pdrop and resid_pdrop. 0 by default; decoding never drops. Set before a forward pass.
    /// </summary>
    public float Dropout { get; set; }

    /// <summary>x Wᵀ + b of one of the model's projections, plus its LoRA updates when adapters target it.</summary>
    protected Tensor Project(Graph g, Numerics.Modules.Linear linear, Tensor x) =>
        Adapters is { } adapters ? adapters.Forward(g, linear, x) : linear.Forward(g, x);

    /// <summary>A model of this configuration with random weights (normal, std 0.02; norms at one), e.g. for benchmarks.</summary>
    /// <param name="trainable">False: no gradient buffers (inference only, half the memory).</param>
    public static CausalLanguageModel Create(CausalLmConfig config, ulong seed = 1, bool trainable = true)
    {
        var model = Declare(config);
        model.Parameters.Allocate(seed, trainable);
        return model;
    }

    /// <summary>
    /// Loads a Hugging Face folder (config.json and model.safetensors or its sharded index; F32, F16 or BF16) or a hub
    /// repo id fetched into the huggingface_hub cache (see <see cref="ModelLocator"/>).
    /// </summary>
    /// <param name="trainable">True allocates gradient buffers for fine-tuning; inference does without them (half the memory).</param>
    /// <exception cref="InvalidDataException">An unsupported architecture, or missing, unexpected or misshapen tensors (all named).</exception>
    public static CausalLanguageModel Load(string folderOrRepo, bool trainable = false, string? revision = null, TextWriter? progress = null)
    {
        string folder = ModelLocator.Resolve(folderOrRepo, revision, progress);
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"{folder}: no config.json; a causal LM folder holds config.json and model.safetensors.", configPath);
        var model = Declare(CausalLmConfig.Load(configPath));
        model.Parameters.Allocate(seed: 0, trainable);
        using var checkpoint = Checkpoint.Open(folder);
        CausalLmWeights.Load(checkpoint, model);
        return model;
    }

    private static CausalLanguageModel Declare(CausalLmConfig config) => config.Architecture switch
    {
        CausalLmArchitecture.Gpt2 => new Gpt2Model(config),
        _ => new Qwen2Model(config),
    };

    /// <summary>Final hidden states of whole sequences, every token attending to itself and earlier tokens.</summary>
    /// <param name="ids">[B*T] token ids, unchanged until backward has run; padding may hold any valid id.</param>
    /// <param name="keyMask">[B, T], 1 for tokens and 0 for padding; null when nothing is padded.</param>
    /// <returns>[B*T, C], after the final norm.</returns>
    public abstract Tensor Hidden(Graph g, ReadOnlyMemory<int> ids, Tensor? keyMask, int batch, int time);

    /// <summary>
    /// Final hidden states of T new tokens per sequence, appended to each sequence's cache slot after what it holds.
    /// The caller advances each slot by its count of real tokens (<see cref="KvCache.Advance"/>) afterwards.
    /// </summary>
    /// <param name="ids">[B*T] new token ids.</param>
    /// <param name="slots">[B] cache slot of each sequence.</param>
    /// <returns>[B*T, C], after the final norm.</returns>
    public abstract Tensor HiddenCached(Graph g, ReadOnlyMemory<int> ids, KvCache cache, ReadOnlySpan<int> slots, int time);

    /// <summary>Logits [N, V] of hidden states [N, C]; packed weights on a graph without a tape.</summary>
    public Tensor Head(Graph g, Tensor hidden) =>
        g.RecordsTape ? g.Linear(hidden, HeadWeight, null) : g.Linear(hidden, PackedHeadMatrix(), null);

    /// <summary>[rows.Length, V] logits of the chosen rows of hidden [N, C], copied out of the graph's arena (the decoders' next-token rows).</summary>
    public float[] RowLogits(Graph g, Tensor hidden, int[] rows)
    {
        var picked = g.NewTensor(new Shape(rows.Length, hidden.Shape.Last));
        for (int i = 0; i < rows.Length; i++)
            hidden.Row(rows[i]).CopyTo(picked.Row(i));
        return Head(g, picked).ToArray();
    }

    /// <summary>Logits [B*T, V] of whole sequences (<see cref="Hidden"/> then <see cref="Head"/>).</summary>
    public Tensor Logits(Graph g, ReadOnlyMemory<int> ids, Tensor? keyMask, int batch, int time) =>
        Head(g, Hidden(g, ids, keyMask, batch, time));

    /// <summary>An empty cache for <paramref name="slots"/> sequences of up to <paramref name="capacity"/> positions.</summary>
    public KvCache NewCache(int slots, int capacity)
    {
        if (capacity > Config.MaxPositions)
            throw new ArgumentException($"A cache of {capacity} positions exceeds the model's context of {Config.MaxPositions}.", nameof(capacity));
        return new KvCache(Config.Layers, slots, Config.KvHeads, Config.HeadDim, capacity);
    }

    /// <summary>
    /// transformers' causal-LM labels (ForCausalLMLoss): the target of token t is token t + 1 of the same sequence, and
    /// the last token of each sequence and padding (mask 0) are ignored (<see cref="CrossEntropyOp.IgnoreTarget"/>).
    /// </summary>
    /// <param name="ids">[B*T]</param>
    /// <param name="mask">[B*T], 1 for tokens, 0 for padding; empty when nothing is padded.</param>
    /// <returns>[B*T] targets for <see cref="CrossEntropyOp.CrossEntropy"/>.</returns>
    public static int[] ShiftedTargets(ReadOnlySpan<int> ids, ReadOnlySpan<float> mask, int batch, int time)
    {
        var targets = new int[batch * time];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < time; t++)
            {
                int next = b * time + t + 1;
                bool real = t + 1 < time && (mask.IsEmpty || mask[next] != 0f);
                targets[b * time + t] = real ? ids[next] : CrossEntropyOp.IgnoreTarget;
            }
        }
        return targets;
    }

    /// <summary>Position ids of cached rows: slot length + i for row i of each sequence.</summary>
    protected static int[] CachedPositions(KvCache cache, ReadOnlySpan<int> slots, int time)
    {
        var positions = new int[slots.Length * time];
        for (int b = 0; b < slots.Length; b++)
        {
            for (int i = 0; i < time; i++)
                positions[b * time + i] = cache.Lengths[slots[b]] + i;
        }
        return positions;
    }

    protected static int[] FullPositions(int batch, int time)
    {
        var positions = new int[batch * time];
        for (int i = 0; i < positions.Length; i++)
            positions[i] = i % time;
        return positions;
    }

    protected void CheckContext(int longest)
    {
        if (longest > Config.MaxPositions)
            throw new ArgumentException($"{longest} positions exceed the model's context of {Config.MaxPositions} tokens.");
    }

    private PackedMatrix PackedHeadMatrix()
    {
        var current = Volatile.Read(ref packedHead);
        long version = Parameters.Version;
        if (current is null || current.Version != version)
        {
            Tensor weight = HeadWeight;
            current = new PackedHead(Gemm.Pack(true, Config.Hidden, Config.VocabularySize, weight.Span, Config.Hidden), version);
            Volatile.Write(ref packedHead, current);
        }
        return current.Matrix;
    }
}
