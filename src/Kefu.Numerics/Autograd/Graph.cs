namespace Kefu.Numerics.Autograd;

/// <summary>
/// Where a forward pass runs: the arena its activations come from, the tape that records ops for
/// backward (absent for inference), and the random stream dropout draws from.
/// Call <see cref="Reset"/> at the start of each step; nothing is allocated once a step has run.
/// </summary>
public sealed class Graph
{
    private readonly List<Tensor> arenaGradHolders = [];
    private TapeEntry[] entries = new TapeEntry[256];
    private int count;

    /// <param name="recordTape">False for inference: no tape, nothing saved for backward.</param>
    public Graph(bool recordTape, ulong seed = 0, TensorArena? arena = null)
    {
        RecordsTape = recordTape;
        Training = recordTape;
        Arena = arena ?? new TensorArena();
        Rng = new Rng(seed);
    }

    public TensorArena Arena { get; }

    public Rng Rng { get; }

    public bool RecordsTape { get; }

    /// <summary>Dropout is active only while training.</summary>
    public bool Training { get; set; }

    public int TapeLength => count;

    /// <summary>Frees the previous step's activations and tape.</summary>
    public void Reset()
    {
        Array.Clear(entries, 0, count); // drop references so the headers' old roles are forgotten
        count = 0;
        // a caller's own tensor (an input whose gradient was asked for) must not keep pointing into reused memory
        foreach (var t in arenaGradHolders)
            t.Grad = null;
        arenaGradHolders.Clear();
        Arena.Reset();
    }

    /// <summary>An uninitialised activation from the arena.</summary>
    public Tensor NewTensor(Shape shape) => Arena.Allocate(shape);

    /// <summary>An op output: requires grad when the tape records and any input does.</summary>
    public Tensor NewOutput(Shape shape, Tensor a, Tensor? b = null, Tensor? c = null)
    {
        var t = Arena.Allocate(shape);
        t.RequiresGrad = RecordsTape && (a.RequiresGrad || (b?.RequiresGrad ?? false) || (c?.RequiresGrad ?? false));
        return t;
    }

    /// <summary>Whether forward should record for this output (and save what backward needs).</summary>
    public bool Records(Tensor output) => RecordsTape && output.RequiresGrad;

    public void Record(in TapeEntry entry)
    {
        if (count == entries.Length)
            Array.Resize(ref entries, count * 2);
        entries[count++] = entry;
    }

    /// <summary>The gradient of an activation or input, allocated zeroed on first use and valid until <see cref="Reset"/>;
    /// parameters already have theirs.</summary>
    public Tensor GradOf(Tensor t)
    {
        if (t.Grad is null)
        {
            t.Grad = Arena.Allocate(t.Shape, zero: true);
            arenaGradHolders.Add(t);
        }
        return t.Grad;
    }

    /// <summary>Backpropagates from a scalar loss: d loss/d loss = 1, then each op in reverse order.
    /// Parameter gradients accumulate (+=), so several micro-batches add up until the optimizer zeroes them.</summary>
    public void Backward(Tensor loss, float scale = 1f)
    {
        if (!RecordsTape)
            throw new InvalidOperationException("Backward needs a graph created with recordTape: true.");
        if (loss.Length != 1)
            throw new ArgumentException($"Backward starts from a scalar loss; got shape {loss.Shape}.", nameof(loss));
        if (!loss.RequiresGrad)
            throw new InvalidOperationException("The loss does not depend on any parameter that requires grad.");
        GradOf(loss).Span[0] += scale;
        for (int i = count - 1; i >= 0; i--)
        {
            ref readonly var e = ref entries[i];
            if (e.Output.Grad is not null)
                e.Op.Backward(this, e);
        }
    }

    /// <summary>Whether backward should produce a gradient for this input.</summary>
    internal static bool Wants(Tensor? t) => t is not null && t.RequiresGrad;
}
