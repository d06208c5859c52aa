using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kefu.Numerics;

/// <summary>
/// Single-precision GEMM: C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C, row-major.
/// op(A) is A[M,K] (lda ≥ K) or, with transA, Aᵀ where A is stored [K,M] (lda ≥ M); likewise B.
/// NN, NT and TN are the variants the layers use (forward, input gradient, weight gradient).
/// When beta == 0, C is only written (NaNs in it are ignored); when alpha == 0 or K == 0, A and B are not read.
/// </summary>
/// <remarks>
/// Goto/BLIS blocking (Goto &amp; van de Geijn 2008; Van Zee &amp; van de Geijn 2015), loops outermost first:
/// jc over N by NC (packed B block [KC, NC], shared by the threads, in L3) → pc over K by KC →
/// ic over M by MC (packed A block [MC, KC], one per thread, in L2) → jr by NR (B micro-panel [KC, NR]) →
/// ir by MR (A micro-panel [MR, KC]) → micro-kernel on an MR×NR tile of C (<see cref="GemmMicroKernels"/>).
/// Threads share out (ic block, jr range) items; K is never split, so every C element sums its products
/// in the same order whatever the thread count: results are bitwise reproducible.
/// </remarks>
public static class Gemm
{
    private static int s_maxThreads = Environment.ProcessorCount;

    /// <summary>Worker threads a single GEMM may use; results are bitwise identical for a given count.</summary>
    public static int MaxThreads
    {
        get => s_maxThreads;
        set => s_maxThreads = Math.Max(1, value);
    }

    /// <summary>The fastest micro-kernel this CPU runs.</summary>
    internal static readonly GemmKernelKind DefaultKernel = DetectKernel();

    internal static GemmKernelKind DetectKernel() =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? GemmKernelKind.Vector512
        : Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported ? GemmKernelKind.Vector256
        : GemmKernelKind.Scalar;

    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc) =>
        Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, DefaultKernel, ThreadsFor(m, n, k));

    /// <summary>
    /// <see cref="Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// with an explicit micro-kernel and thread count, so tests cover every path without touching shared state.
    /// </summary>
    internal static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, GemmKernelKind kind, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckOperand(nameof(a), a.Length, lda, transA ? k : m, transA ? m : k);
        CheckOperand(nameof(b), b.Length, ldb, transB ? n : k, transB ? k : n);
        CheckOperand(nameof(c), c.Length, ldc, m, n);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        if (kind == GemmKernelKind.Scalar)
        {
            GemmReference.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        GemmDriver.Run(kind, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, Math.Max(1, threads));
    }

    /// <summary>
    /// Packs op(B) [K, N] once for many products: B is [K, N] (ldb ≥ N) or, with trans, stored [N, K] (ldb ≥ K),
    /// as a Linear layer's weight [out, in] is for y = x · Wᵀ (trans, k = in, n = out).
    /// </summary>
    public static PackedMatrix Pack(bool trans, int k, int n, ReadOnlySpan<float> b, int ldb) => Pack(trans, k, n, b, ldb, DefaultKernel);

    internal static unsafe PackedMatrix Pack(bool trans, int k, int n, ReadOnlySpan<float> b, int ldb, GemmKernelKind kind)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        CheckOperand(nameof(b), b.Length, ldb, trans ? n : k, trans ? k : n);
        var packed = new PackedMatrix(kind, k, n);
        if (k > 0 && n > 0)
        {
            fixed (float* pb = b)
                GemmPacking.PackB(trans, pb, ldb, 0, 0, k, n, packed.Nr, 0, packed.Panels, packed.Data);
        }
        return packed;
    }

    /// <summary>
    /// C[M,N] = alpha · op(A)[M,K] · B + beta · C with B packed by <see cref="Pack(bool, int, int, ReadOnlySpan{float}, int)"/>:
    /// the same bits as the unpacked <see cref="Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// without re-packing B on every call.
    /// </summary>
    public static void Sgemm(bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        PackedMatrix b, float beta, Span<float> c, int ldc) =>
        Sgemm(transA, m, n, k, alpha, a, lda, b, beta, c, ldc, ThreadsFor(m, n, k));

    internal static void Sgemm(bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        PackedMatrix b, float beta, Span<float> c, int ldc, int threads)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        if (b.K != k || b.N != n)
            throw new ArgumentException($"The packed matrix is [{b.K}, {b.N}]; this product needs op(B) [{k}, {n}].", nameof(b));
        CheckOperand(nameof(a), a.Length, lda, transA ? k : m, transA ? m : k);
        CheckOperand(nameof(c), c.Length, ldc, m, n);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        if (b.Kind == GemmKernelKind.Scalar)
        {
            // panel by panel: each column's sum runs over p in the same order as on the whole matrix
            for (int panel = 0; panel < b.Panels; panel++)
            {
                int jc = panel * b.Nr, cols = Math.Min(b.Nr, n - jc);
                GemmReference.Sgemm(transA, false, m, cols, k, alpha, a, lda, b.Panel(panel), b.Nr, beta, c.Slice(jc), ldc);
            }
            return;
        }
        GemmDriver.Run(b.Kind, transA, m, n, k, alpha, a, lda, b, beta, c, ldc, Math.Max(1, threads));
    }

    /// <summary>Below ~2 MFLOP a second thread costs more to wake than it saves.</summary>
    private static int ThreadsFor(int m, int n, int k)
    {
        long macs = (long)m * n * k;
        if (macs < 1L << 20) return 1;
        return (int)Math.Clamp(macs >> 19, 1, s_maxThreads);
    }

    private static void CheckOperand(string name, int length, int ld, int rows, int cols)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentOutOfRangeException("ld" + name, ld,
                $"Leading dimension of {name} must be at least {Math.Max(1, cols)} (its stored row width).");
        long needed = rows == 0 || cols == 0 ? 0 : ((long)(rows - 1) * ld) + cols;
        if (length < needed)
            throw new ArgumentException(
                $"Span {name} has {length} elements; a [{rows}, {cols}] matrix with leading dimension {ld} needs {needed}.",
                name);
    }

    private static void ScaleC(int m, int n, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }
}
