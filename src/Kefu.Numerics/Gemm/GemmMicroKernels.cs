using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kefu.Numerics;

/// <summary>Which register-blocked micro-kernel the blocked GEMM drives.</summary>
internal enum GemmKernelKind
{
    /// <summary><see cref="GemmReference"/>: no packing, no SIMD.</summary>
    Scalar,
    /// <summary>6×16 tile, 12 Vector256 accumulators (AVX2 + FMA: 16 ymm registers).</summary>
    Vector256,
    /// <summary>12×32 tile, 24 Vector512 accumulators (AVX-512F: 32 zmm registers).</summary>
    Vector512,
}

/// <summary>
/// Register-blocked micro-kernels of the BLIS structure (Van Zee &amp; van de Geijn 2015, "BLIS: A Framework
/// for Rapidly Instantiating BLAS Functionality"; Goto &amp; van de Geijn 2008): an MR×NR tile of C stays in
/// registers while K streams through a packed A micro-panel [kc, MR] and a packed B micro-panel [kc, NR].
/// Each step is a rank-1 update: NR/W vector loads of B, MR broadcasts of A, MR·NR/W FMAs.
/// C[i, j] is accumulated in increasing p, so a result depends only on kc, never on threads.
/// The write-back is C = alpha·acc + beta·C, or C = alpha·acc when beta == 0 (C is not read: NaNs ignored).
/// </summary>
internal static unsafe class GemmMicroKernels
{
    public const int Mr512 = 12, Nr512 = 32;
    public const int Mr256 = 6, Nr256 = 16;

    /// <summary>A: [kc, 12] packed, B: [kc, 32] packed, C: 12 rows of 32 at stride ldc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel12x32(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Debug.Assert(Vector512.IsHardwareAccelerated);
        PrefetchTile(c, ldc, Mr512, Nr512);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default, c90 = default, c91 = default;
        Vector512<float> ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var ai = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(ai, b0, c40); c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(ai, b0, c50); c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(ai, b0, c60); c61 = Vector512.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(ai, b0, c70); c71 = Vector512.FusedMultiplyAdd(ai, b1, c71);
            ai = Vector512.Create(a[8]);
            c80 = Vector512.FusedMultiplyAdd(ai, b0, c80); c81 = Vector512.FusedMultiplyAdd(ai, b1, c81);
            ai = Vector512.Create(a[9]);
            c90 = Vector512.FusedMultiplyAdd(ai, b0, c90); c91 = Vector512.FusedMultiplyAdd(ai, b1, c91);
            ai = Vector512.Create(a[10]);
            ca0 = Vector512.FusedMultiplyAdd(ai, b0, ca0); ca1 = Vector512.FusedMultiplyAdd(ai, b1, ca1);
            ai = Vector512.Create(a[11]);
            cb0 = Vector512.FusedMultiplyAdd(ai, b0, cb0); cb1 = Vector512.FusedMultiplyAdd(ai, b1, cb1);
            a += Mr512;
            b += Nr512;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Vector512.Store(va * c00, c); Vector512.Store(va * c01, c + 16); c += ldc;
            Vector512.Store(va * c10, c); Vector512.Store(va * c11, c + 16); c += ldc;
            Vector512.Store(va * c20, c); Vector512.Store(va * c21, c + 16); c += ldc;
            Vector512.Store(va * c30, c); Vector512.Store(va * c31, c + 16); c += ldc;
            Vector512.Store(va * c40, c); Vector512.Store(va * c41, c + 16); c += ldc;
            Vector512.Store(va * c50, c); Vector512.Store(va * c51, c + 16); c += ldc;
            Vector512.Store(va * c60, c); Vector512.Store(va * c61, c + 16); c += ldc;
            Vector512.Store(va * c70, c); Vector512.Store(va * c71, c + 16); c += ldc;
            Vector512.Store(va * c80, c); Vector512.Store(va * c81, c + 16); c += ldc;
            Vector512.Store(va * c90, c); Vector512.Store(va * c91, c + 16); c += ldc;
            Vector512.Store(va * ca0, c); Vector512.Store(va * ca1, c + 16); c += ldc;
            Vector512.Store(va * cb0, c); Vector512.Store(va * cb1, c + 16);
            return;
        }
        var vb = Vector512.Create(beta);
        Update(c, c00, c01, va, vb); c += ldc;
        Update(c, c10, c11, va, vb); c += ldc;
        Update(c, c20, c21, va, vb); c += ldc;
        Update(c, c30, c31, va, vb); c += ldc;
        Update(c, c40, c41, va, vb); c += ldc;
        Update(c, c50, c51, va, vb); c += ldc;
        Update(c, c60, c61, va, vb); c += ldc;
        Update(c, c70, c71, va, vb); c += ldc;
        Update(c, c80, c81, va, vb); c += ldc;
        Update(c, c90, c91, va, vb); c += ldc;
        Update(c, ca0, ca1, va, vb); c += ldc;
        Update(c, cb0, cb1, va, vb);
    }

    /// <summary>
    /// The first 8 rows of a 12×32 tile, for the last micro-panel of a short M (32 = 12 + 12 + 8 tokens): A is the
    /// same packed [kc, 12] panel, B [kc, 32], C 8 rows of 32. Each element sums in the same order as in
    /// <see cref="Kernel12x32"/>, so the bits are those of the full tile's first rows, a third fewer FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel8x32(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Debug.Assert(Vector512.IsHardwareAccelerated);
        PrefetchTile(c, ldc, 8, Nr512);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var ai = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(ai, b0, c40); c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(ai, b0, c50); c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(ai, b0, c60); c61 = Vector512.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(ai, b0, c70); c71 = Vector512.FusedMultiplyAdd(ai, b1, c71);
            a += Mr512;
            b += Nr512;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Vector512.Store(va * c00, c); Vector512.Store(va * c01, c + 16); c += ldc;
            Vector512.Store(va * c10, c); Vector512.Store(va * c11, c + 16); c += ldc;
            Vector512.Store(va * c20, c); Vector512.Store(va * c21, c + 16); c += ldc;
            Vector512.Store(va * c30, c); Vector512.Store(va * c31, c + 16); c += ldc;
            Vector512.Store(va * c40, c); Vector512.Store(va * c41, c + 16); c += ldc;
            Vector512.Store(va * c50, c); Vector512.Store(va * c51, c + 16); c += ldc;
            Vector512.Store(va * c60, c); Vector512.Store(va * c61, c + 16); c += ldc;
            Vector512.Store(va * c70, c); Vector512.Store(va * c71, c + 16);
            return;
        }
        var vb = Vector512.Create(beta);
        Update(c, c00, c01, va, vb); c += ldc;
        Update(c, c10, c11, va, vb); c += ldc;
        Update(c, c20, c21, va, vb); c += ldc;
        Update(c, c30, c31, va, vb); c += ldc;
        Update(c, c40, c41, va, vb); c += ldc;
        Update(c, c50, c51, va, vb); c += ldc;
        Update(c, c60, c61, va, vb); c += ldc;
        Update(c, c70, c71, va, vb);
    }

    /// <summary>
    /// Starts fetching the C tile before the K loop, as BLIS kernels do: read at the end, it would miss in cache
    /// after the loop has left the out-of-order window, stalling every tile (C is re-read once per K block).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, nint ldc, int rows, int cols)
    {
        if (!Sse.IsSupported) return;
        for (int r = 0; r < rows; r++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + cols - 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(float* c, Vector512<float> acc0, Vector512<float> acc1,
        Vector512<float> alpha, Vector512<float> beta)
    {
        Vector512.Store(Vector512.FusedMultiplyAdd(alpha, acc0, beta * Vector512.Load(c)), c);
        Vector512.Store(Vector512.FusedMultiplyAdd(alpha, acc1, beta * Vector512.Load(c + 16)), c + 16);
    }

    /// <summary>A: [kc, 6] packed, B: [kc, 16] packed, C: 6 rows of 16 at stride ldc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel6x16(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Debug.Assert(Vector256.IsHardwareAccelerated && Fma.IsSupported);
        PrefetchTile(c, ldc, Mr256, Nr256);
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var ai = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(ai, b0, c00); c01 = Vector256.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(ai, b0, c10); c11 = Vector256.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(ai, b0, c20); c21 = Vector256.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(ai, b0, c30); c31 = Vector256.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(ai, b0, c40); c41 = Vector256.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(ai, b0, c50); c51 = Vector256.FusedMultiplyAdd(ai, b1, c51);
            a += Mr256;
            b += Nr256;
        }
        var va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            Vector256.Store(va * c00, c); Vector256.Store(va * c01, c + 8); c += ldc;
            Vector256.Store(va * c10, c); Vector256.Store(va * c11, c + 8); c += ldc;
            Vector256.Store(va * c20, c); Vector256.Store(va * c21, c + 8); c += ldc;
            Vector256.Store(va * c30, c); Vector256.Store(va * c31, c + 8); c += ldc;
            Vector256.Store(va * c40, c); Vector256.Store(va * c41, c + 8); c += ldc;
            Vector256.Store(va * c50, c); Vector256.Store(va * c51, c + 8);
            return;
        }
        var vb = Vector256.Create(beta);
        Update(c, c00, c01, va, vb); c += ldc;
        Update(c, c10, c11, va, vb); c += ldc;
        Update(c, c20, c21, va, vb); c += ldc;
        Update(c, c30, c31, va, vb); c += ldc;
        Update(c, c40, c41, va, vb); c += ldc;
        Update(c, c50, c51, va, vb);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(float* c, Vector256<float> acc0, Vector256<float> acc1,
        Vector256<float> alpha, Vector256<float> beta)
    {
        Vector256.Store(Vector256.FusedMultiplyAdd(alpha, acc0, beta * Vector256.Load(c)), c);
        Vector256.Store(Vector256.FusedMultiplyAdd(alpha, acc1, beta * Vector256.Load(c + 8)), c + 8);
    }
}
