using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Kefu.Numerics;

/// <summary>
/// Packing of op(A) and op(B) blocks into the contiguous micro-panels the micro-kernels stream
/// (Goto &amp; van de Geijn 2008, "Anatomy of High-Performance Matrix Multiplication", §5).
/// Transposes are absorbed here, so one micro-kernel serves NN, NT, TN and TT.
/// Partial micro-panels are zero-padded to MR (or NR): the kernel always computes a full tile.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// op(A)[ic : ic+mc, pc : pc+kc] → ceil(mc/mr) micro-panels [kc, mr], one after another.
    /// op(A)[i, p] is a[i·lda + p], or a[p·lda + i] when transposed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, float* a, nint lda, int ic, int pc, int mc, int kc, int mr, float* dst)
    {
        for (int r0 = 0; r0 < mc; r0 += mr)
        {
            int rows = Math.Min(mr, mc - r0);
            if (transA)
            {
                // Row p of the stored [K, M] matrix holds mr consecutive values of column p of op(A).
                float* src = a + (pc * lda) + ic + r0;
                for (int p = 0; p < kc; p++, src += lda, dst += mr)
                {
                    new ReadOnlySpan<float>(src, rows).CopyTo(new Span<float>(dst, rows));
                    if (rows < mr) new Span<float>(dst + rows, mr - rows).Clear();
                }
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + ((ic + r0 + r) * lda) + pc;
                    float* d = dst + r;
                    for (int p = 0; p < kc; p++, d += mr) *d = src[p];
                }
                for (int r = rows; r < mr; r++)
                {
                    float* d = dst + r;
                    for (int p = 0; p < kc; p++, d += mr) *d = 0f;
                }
                dst += mr * kc;
            }
        }
    }

    /// <summary>
    /// Micro-panels [firstPanel, endPanel) of op(B)[pc : pc+kc, jc : jc+nc], each [kc, nr], written at
    /// dst + panel·kc·nr. op(B)[p, j] is b[p·ldb + j], or b[j·ldb + p] when transposed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transB, float* b, nint ldb, int pc, int jc, int kc, int nc, int nr,
        int firstPanel, int endPanel, float* dst)
    {
        for (int panel = firstPanel; panel < endPanel; panel++)
        {
            int j0 = panel * nr;
            int cols = Math.Min(nr, nc - j0);
            float* d = dst + ((nint)panel * kc * nr);
            if (transB)
            {
                for (int j = 0; j < cols; j++)
                {
                    float* src = b + ((jc + j0 + j) * ldb) + pc;
                    float* dj = d + j;
                    for (int p = 0; p < kc; p++, dj += nr) *dj = src[p];
                }
                for (int j = cols; j < nr; j++)
                {
                    float* dj = d + j;
                    for (int p = 0; p < kc; p++, dj += nr) *dj = 0f;
                }
            }
            else
            {
                float* src = b + (pc * ldb) + jc + j0;
                for (int p = 0; p < kc; p++, src += ldb, d += nr)
                {
                    if (cols == nr)
                    {
                        CopyRow(src, d, nr);
                    }
                    else
                    {
                        new ReadOnlySpan<float>(src, cols).CopyTo(new Span<float>(d, cols));
                        new Span<float>(d + cols, nr - cols).Clear();
                    }
                }
            }
        }
    }

    private static void CopyRow(float* src, float* dst, int count)
    {
        if (Vector512.IsHardwareAccelerated && count == 32)
        {
            Vector512.Store(Vector512.Load(src), dst);
            Vector512.Store(Vector512.Load(src + 16), dst + 16);
        }
        else
        {
            new ReadOnlySpan<float>(src, count).CopyTo(new Span<float>(dst, count));
        }
    }
}

/// <summary>A 64-byte aligned native buffer that grows on demand and is reused across calls.</summary>
internal sealed unsafe class AlignedFloatBuffer
{
    private float* _pointer;
    private nint _capacity;

    public float* Ensure(nint count)
    {
        if (count > _capacity)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
            _capacity = 0;
            _pointer = (float*)NativeMemory.AlignedAlloc((nuint)count * sizeof(float), 64);
            _capacity = count;
        }
        return _pointer;
    }

    ~AlignedFloatBuffer() => NativeMemory.AlignedFree(_pointer);
}
