namespace Kefu.Numerics;

/// <summary>
/// op(B) [K, N] packed once into the micro-panels the GEMM micro-kernel streams, for a right-hand operand that
/// many products share (a layer's weights at inference). Panel j holds op(B)[0 : K, j·NR : j·NR + NR] as [K, NR],
/// zero-padded past N; a K block of it is exactly what <see cref="GemmDriver"/> would pack per call, so
/// <see cref="Gemm.Sgemm(bool, int, int, int, float, ReadOnlySpan{float}, int, PackedMatrix, float, Span{float}, int)"/>
/// gives the same bits as the unpacked product. Immutable once made: it never sees later changes to B.
/// </summary>
public sealed unsafe class PackedMatrix
{
    private readonly float[] storage; // pinned; keeps Data alive
    private readonly float* data;

    internal PackedMatrix(GemmKernelKind kind, int k, int n)
    {
        Kind = kind;
        K = k;
        N = n;
        Nr = PanelWidth(kind);
        long length = (long)Panels * k * Nr;
        if (length > Array.MaxLength - 16)
            throw new ArgumentException($"A packed [{k}, {n}] matrix needs {length} floats, more than one array holds.");
        storage = AlignedArray.Allocate((int)Math.Max(1, length), out data);
    }

    /// <summary>Rows of op(B): the inner dimension of the products it takes part in.</summary>
    public int K { get; }

    /// <summary>Columns of op(B): the columns of C.</summary>
    public int N { get; }

    internal GemmKernelKind Kind { get; }

    /// <summary>Columns per micro-panel (the micro-kernel's NR).</summary>
    internal int Nr { get; }

    internal int Panels => (N + Nr - 1) / Nr;

    /// <summary>Panel j starts at Data + j·K·NR.</summary>
    internal float* Data => data;

    internal static int PanelWidth(GemmKernelKind kind) =>
        kind == GemmKernelKind.Vector512 ? GemmMicroKernels.Nr512 : GemmMicroKernels.Nr256;

    /// <summary>Panel j as a row-major [K, NR] matrix (what the scalar reference multiplies).</summary>
    internal ReadOnlySpan<float> Panel(int j) => new(data + ((nint)j * K * Nr), K * Nr);
}
