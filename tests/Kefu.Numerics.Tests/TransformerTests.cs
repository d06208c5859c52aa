using Kefu.Numerics.Autograd;
using Kefu.Numerics.Modules;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Numerics.Tests;

/// <summary>Whole-model behaviour. In one collection because these tests set the process-wide GEMM thread count.</summary>
[Collection(nameof(GemmThreadCount))]
public class TransformerTests
{
    private const int Batch = 4, Time = 6, Vocabulary = 20, Classes = 3;

    // token ids [B*T], key mask [B, T] with padding at the end of two sequences, labels [B]
    private static readonly int[] Ids = [1, 5, 7, 2, 0, 0, 3, 3, 9, 12, 15, 4, 8, 8, 8, 0, 0, 0, 19, 18, 17, 16, 15, 14];
    private static readonly float[] Mask = [1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1];
    private static readonly int[] Labels = [0, 2, 1, 2];

    private sealed class Model
    {
        public readonly ParameterSet Parameters = new();
        public readonly SequenceClassifier Classifier;
        public readonly AdamW Optimizer;
        public readonly Graph Graph;
        public readonly Tensor KeyMask = Tensor.FromArray(Mask, new Shape(Batch, Time));

        public Model(ulong seed, float dropout, bool preLayerNorm = false)
        {
            var config = new TransformerConfig(Hidden: 16, Layers: 2, Heads: 2, FeedForward: 32, Dropout: dropout, AttentionDropout: dropout, PreLayerNorm: preLayerNorm);
            Classifier = new SequenceClassifier(Parameters, Vocabulary, Time, Classes, config);
            Parameters.Allocate(seed);
            Parameters.Decay.LearningRate = Parameters.NoDecay.LearningRate = 1e-2f;
            Optimizer = new AdamW(Parameters);
            Graph = new Graph(recordTape: true, seed: seed);
        }

        public Tensor Loss(ReadOnlyMemory<int> ids, Tensor mask, ReadOnlyMemory<int> labels, int batch)
        {
            var logits = Classifier.Forward(Graph, ids, mask, batch, Time);
            return Graph.CrossEntropy(logits, labels, 0.1f);
        }

        public float TrainStep()
        {
            Graph.Reset();
            var loss = Loss(Ids, KeyMask, Labels, Batch);
            Graph.Backward(loss);
            Parameters.ClipGradientNorm(1f);
            Optimizer.Step();
            Parameters.ZeroGradients();
            return loss.Span[0];
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tiny_transformer_overfits_a_small_batch(bool preLayerNorm)
    {
        var model = new Model(seed: 1, dropout: 0f, preLayerNorm);
        float first = model.TrainStep(), last = first;
        for (int step = 0; step < 150; step++)
            last = model.TrainStep();
        // with label smoothing 0.1 over 3 classes the floor is the smoothed targets' entropy, about 0.23
        Assert.True(first > 1.0f, $"initial loss {first}");
        Assert.True(last < 0.30f, $"loss after 150 steps {last}");
    }

    [Fact]
    public void Same_seed_and_thread_count_give_bitwise_identical_parameters()
    {
        Gemm.MaxThreads = 2;
        var a = new Model(seed: 3, dropout: 0.1f);
        var b = new Model(seed: 3, dropout: 0.1f);
        var c = new Model(seed: 4, dropout: 0.1f);
        for (int step = 0; step < 5; step++)
        {
            Assert.Equal(a.TrainStep(), b.TrainStep());
            c.TrainStep();
        }
        Assert.True(a.Parameters.Values.SequenceEqual(b.Parameters.Values));
        Assert.False(a.Parameters.Values.SequenceEqual(c.Parameters.Values));
        Gemm.MaxThreads = Environment.ProcessorCount;
    }

    [Fact]
    public void One_and_two_threads_give_bitwise_identical_parameters()
    {
        Gemm.MaxThreads = 1;
        var single = new Model(seed: 10, dropout: 0.1f);
        for (int step = 0; step < 3; step++)
            single.TrainStep();
        Gemm.MaxThreads = 2;
        var two = new Model(seed: 10, dropout: 0.1f);
        for (int step = 0; step < 3; step++)
            two.TrainStep();
        Gemm.MaxThreads = Environment.ProcessorCount;
        Assert.True(single.Parameters.Values.SequenceEqual(two.Parameters.Values));
    }

    [Fact]
    public void Row_parallel_ops_give_the_same_bits_on_one_and_two_threads()
    {
        float[][] Run(int threads)
        {
            Gemm.MaxThreads = threads;
            var rng = new Rng(12);
            var x = GradientCheck.Random(rng, new Shape(300, 24), 2f);
            var gamma = GradientCheck.Random(rng, new Shape(24));
            var beta = GradientCheck.Random(rng, new Shape(24));
            var qkv = GradientCheck.Random(rng, new Shape(10 * 30, 3 * 8));
            var g = new Graph(recordTape: true, seed: 1);
            var y = g.Gelu(g.LayerNorm(x, gamma, beta));
            var a = g.SelfAttention(qkv, null, 10, 30, 2, 0.2f);
            var projection = GradientCheck.Random(rng, new Shape(24, 8));
            var logits = g.Add(g.MeanPool(y, null, 10, 30), g.MeanPool(g.Linear(a, projection, null), null, 10, 30)); // [10, 24]
            g.Backward(g.CrossEntropy(logits, new int[10]));
            Gemm.MaxThreads = Environment.ProcessorCount;
            return [y.ToArray(), a.ToArray(), x.Grad!.ToArray(), gamma.Grad!.ToArray(), qkv.Grad!.ToArray()];
        }
        var one = Run(1);
        var two = Run(2);
        for (int i = 0; i < one.Length; i++)
            Assert.Equal(one[i], two[i]);
    }

    [Fact]
    public void A_training_step_allocates_nothing_on_the_managed_heap_after_warm_up()
    {
        Gemm.MaxThreads = 1;
        var model = new Model(seed: 5, dropout: 0.1f);
        for (int step = 0; step < 40; step++)
            model.TrainStep();
        var windows = Allocations.PerWindow(() => model.TrainStep(), windows: 3);
        Gemm.MaxThreads = Environment.ProcessorCount;
        Assert.True(windows.Min() == 0, $"bytes allocated per 3-step window: {string.Join(", ", windows)}");
    }

    [Fact]
    public void Gradients_accumulated_over_two_half_batches_equal_the_full_batch_gradient()
    {
        var full = new Model(seed: 6, dropout: 0f);
        full.Graph.Reset();
        full.Graph.Backward(full.Loss(Ids, full.KeyMask, Labels, Batch));
        var expected = full.Parameters.Gradients.ToArray();

        var halves = new Model(seed: 6, dropout: 0f);
        int half = Batch / 2;
        for (int part = 0; part < 2; part++)
        {
            var mask = Tensor.FromArray(Mask.AsSpan(part * half * Time, half * Time).ToArray(), new Shape(half, Time));
            halves.Graph.Reset();
            var loss = halves.Loss(Ids.AsMemory(part * half * Time, half * Time), mask, Labels.AsMemory(part * half, half), half);
            halves.Graph.Backward(loss, scale: 0.5f);
        }
        var actual = halves.Parameters.Gradients;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f + 1e-3f * MathF.Abs(expected[i]), $"gradient {i}: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void Inference_without_tape_matches_training_forward_and_reuses_its_buffers()
    {
        var model = new Model(seed: 8, dropout: 0.1f);
        model.Graph.Training = false; // dropout off, tape on
        model.Graph.Reset();
        var expected = model.Classifier.Forward(model.Graph, Ids, model.KeyMask, Batch, Time).ToArray();

        var inference = new Graph(recordTape: false);
        Tensor logits = null!;
        void Run()
        {
            inference.Reset();
            logits = model.Classifier.Forward(inference, Ids, model.KeyMask, Batch, Time);
        }
        for (int run = 0; run < 4; run++) Run();
        long capacity = inference.Arena.CapacityFloats;
        var windows = Allocations.PerWindow(Run);
        Assert.True(windows.Min() == 0, $"bytes allocated per 3-run window: {string.Join(", ", windows)}");
        var actual = logits.ToArray();
        Assert.Equal(0, inference.TapeLength);
        Assert.Equal(capacity, inference.Arena.CapacityFloats);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Inference_with_packed_weights_follows_every_change_of_the_weights()
    {
        var model = new Model(seed: 8, dropout: 0f);
        var inference = new Graph(recordTape: false);
        var up = model.Classifier.Encoder.Blocks[1].Up;
        float[] previous = [];
        void AssertInferenceMatchesTraining(string after)
        {
            model.Graph.Reset();
            var expected = model.Classifier.Forward(model.Graph, Ids, model.KeyMask, Batch, Time).ToArray();
            inference.Reset();
            var actual = model.Classifier.Forward(inference, Ids, model.KeyMask, Batch, Time).ToArray();
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"inference logits differ from the training forward after {after}");
            Assert.False(expected.AsSpan().SequenceEqual(previous), $"the logits did not change after {after}");
            previous = expected;
        }

        AssertInferenceMatchesTraining("allocation");
        model.TrainStep();
        AssertInferenceMatchesTraining("an AdamW step");
        new Sgd(model.Parameters).Step();
        AssertInferenceMatchesTraining("an SGD step with the AdamW gradients left zero (decay only)");
        up.Weight.Span[5] += 0.5f;
        AssertInferenceMatchesTraining("a write through Parameter.Span");
        model.Parameters.MemoryOf(up.Weight).Span[7] -= 0.5f;
        AssertInferenceMatchesTraining("a write through ParameterSet.MemoryOf");
        model.Parameters.CopyValuesFrom(new Model(seed: 9, dropout: 0f).Parameters);
        AssertInferenceMatchesTraining("CopyValuesFrom");
        Tensor weight = up.Weight;
        weight.Span[9] += 0.5f; // through the Tensor view: only an explicit MarkChanged tells the packs
        model.Parameters.MarkChanged();
        AssertInferenceMatchesTraining("a write through the Tensor view and MarkChanged");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void One_sequence_inference_matches_training_forward_whatever_the_thread_count(int threads)
    {
        // one sequence on several threads: attention shares out its heads, GEMMs their column panels
        int previous = Gemm.MaxThreads;
        Gemm.MaxThreads = threads;
        try
        {
            var model = new Model(seed: 10, dropout: 0.1f);
            model.TrainStep();
            var ids = Ids.AsMemory(Time, Time);
            var mask = Tensor.FromArray(Mask.AsSpan(Time, Time).ToArray(), new Shape(1, Time));
            model.Graph.Training = false;
            model.Graph.Reset();
            var expected = model.Classifier.Forward(model.Graph, ids, mask, 1, Time).ToArray();
            var inference = new Graph(recordTape: false);
            var actual = model.Classifier.Forward(inference, ids, mask, 1, Time).ToArray();
            Gemm.MaxThreads = 1;
            inference.Reset();
            var oneThread = model.Classifier.Forward(inference, ids, mask, 1, Time).ToArray();
            Assert.Equal(expected, actual);
            Assert.Equal(oneThread, actual);
        }
        finally
        {
            Gemm.MaxThreads = previous;
        }
    }

    [Fact]
    public void Bert_style_pooler_and_token_types_train_end_to_end()
    {
        var parameters = new ParameterSet();
        var config = new TransformerConfig(Hidden: 8, Layers: 1, Heads: 2, FeedForward: 16, Dropout: 0f, AttentionDropout: 0f, LayerNormEps: 1e-12f);
        var embeddings = new Embeddings(parameters, "embeddings", Vocabulary, Time, 8, tokenTypes: 2, dropout: 0f, layerNormEps: 1e-12f);
        var encoder = new TransformerEncoder(parameters, "encoder", config);
        var pooler = new Pooler(parameters, "pooler", 8);
        var head = new ClassificationHead(parameters, "classifier", 8, Classes, dropout: 0f);
        parameters.Allocate(9);
        parameters.Decay.LearningRate = parameters.NoDecay.LearningRate = 2e-2f;
        var adam = new AdamW(parameters);
        var g = new Graph(recordTape: true);
        var mask = Tensor.FromArray(Mask, new Shape(Batch, Time));
        int[] types = Ids.Select(id => id % 2).ToArray();
        float loss = 0;
        for (int step = 0; step < 120; step++)
        {
            g.Reset();
            var x = embeddings.Forward(g, Ids, types, Batch, Time);
            var logits = head.Forward(g, pooler.Forward(g, encoder.Forward(g, x, mask, Batch, Time), Batch, Time));
            var l = g.CrossEntropy(logits, Labels);
            g.Backward(l);
            adam.Step();
            parameters.ZeroGradients();
            loss = l.Span[0];
        }
        Assert.True(loss < 0.05f, $"loss {loss}");
        Assert.True(parameters.TryGet("encoder.layers.0.attention.qkv.weight", out _));
    }
}

[CollectionDefinition(nameof(GemmThreadCount), DisableParallelization = true)]
public sealed class GemmThreadCount;
