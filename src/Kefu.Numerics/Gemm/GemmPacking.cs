using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
                for (int p = 0; p < kc; p++, src += lda, dst += mr) CopyPadded(src, dst, rows, mr);
            }
            else
            {
                Transpose(a + ((ic + r0) * lda) + pc, lda, rows, kc, mr, dst);
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
                Transpose(b + ((jc + j0) * ldb) + pc, ldb, cols, kc, nr, d);
            }
            else
            {
                float* src = b + (pc * ldb) + jc + j0;
                for (int p = 0; p < kc; p++, src += ldb, d += nr) CopyPadded(src, d, cols, nr);
            }
        }
    }

    /// <summary>
    /// dst[p·width + r] = src[r·ld + p] for r &lt; rows, p &lt; kc; rows [rows, width) are zero.
    /// Packs a micro-panel whose K runs along the source rows (A not transposed, B transposed):
    /// 8×8 and 4×4 register transposes, then single rows.
    /// </summary>
    private static void Transpose(float* src, nint ld, int rows, int kc, int width, float* dst)
    {
        int r = 0;
        if (Avx.IsSupported)
        {
            for (; r + 8 <= rows; r += 8) Transpose8Rows(src + (r * ld), ld, kc, width, dst + r);
        }
        if (Sse.IsSupported)
        {
            for (; r + 4 <= rows; r += 4) Transpose4Rows(src + (r * ld), ld, kc, width, dst + r);
        }
        for (; r < rows; r++)
        {
            float* s = src + (r * ld);
            float* d = dst + r;
            for (int p = 0; p < kc; p++, d += width) *d = s[p];
        }
        for (; r < width; r++)
        {
            float* d = dst + r;
            for (int p = 0; p < kc; p++, d += width) *d = 0f;
        }
    }

    /// <summary>Rows 0..7 of src, 8 columns at a time: unpack, shuffle, permute2f128 (the AVX 8×8 transpose).</summary>
    private static void Transpose8Rows(float* src, nint ld, int kc, int width, float* dst)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            float* s = src + p;
            var r0 = Avx.LoadVector256(s);
            var r1 = Avx.LoadVector256(s + ld);
            var r2 = Avx.LoadVector256(s + (2 * ld));
            var r3 = Avx.LoadVector256(s + (3 * ld));
            var r4 = Avx.LoadVector256(s + (4 * ld));
            var r5 = Avx.LoadVector256(s + (5 * ld));
            var r6 = Avx.LoadVector256(s + (6 * ld));
            var r7 = Avx.LoadVector256(s + (7 * ld));
            var t0 = Avx.UnpackLow(r0, r1);
            var t1 = Avx.UnpackHigh(r0, r1);
            var t2 = Avx.UnpackLow(r2, r3);
            var t3 = Avx.UnpackHigh(r2, r3);
            var t4 = Avx.UnpackLow(r4, r5);
            var t5 = Avx.UnpackHigh(r4, r5);
            var t6 = Avx.UnpackLow(r6, r7);
            var t7 = Avx.UnpackHigh(r6, r7);
            var u0 = Avx.Shuffle(t0, t2, 0x44);
            var u1 = Avx.Shuffle(t0, t2, 0xEE);
            var u2 = Avx.Shuffle(t1, t3, 0x44);
            var u3 = Avx.Shuffle(t1, t3, 0xEE);
            var u4 = Avx.Shuffle(t4, t6, 0x44);
            var u5 = Avx.Shuffle(t4, t6, 0xEE);
            var u6 = Avx.Shuffle(t5, t7, 0x44);
            var u7 = Avx.Shuffle(t5, t7, 0xEE);
            float* d = dst + (p * width);
            Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
            Avx.Store(d + width, Avx.Permute2x128(u1, u5, 0x20));
            Avx.Store(d + (2 * width), Avx.Permute2x128(u2, u6, 0x20));
            Avx.Store(d + (3 * width), Avx.Permute2x128(u3, u7, 0x20));
            Avx.Store(d + (4 * width), Avx.Permute2x128(u0, u4, 0x31));
            Avx.Store(d + (5 * width), Avx.Permute2x128(u1, u5, 0x31));
            Avx.Store(d + (6 * width), Avx.Permute2x128(u2, u6, 0x31));
            Avx.Store(d + (7 * width), Avx.Permute2x128(u3, u7, 0x31));
        }
        for (; p < kc; p++)
        {
            for (int r = 0; r < 8; r++) dst[(p * width) + r] = src[(r * ld) + p];
        }
    }

    /// <summary>Rows 0..3 of src, 4 columns at a time (the SSE _MM_TRANSPOSE4_PS).</summary>
    private static void Transpose4Rows(float* src, nint ld, int kc, int width, float* dst)
    {
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            float* s = src + p;
            var r0 = Sse.LoadVector128(s);
            var r1 = Sse.LoadVector128(s + ld);
            var r2 = Sse.LoadVector128(s + (2 * ld));
            var r3 = Sse.LoadVector128(s + (3 * ld));
            var t0 = Sse.UnpackLow(r0, r1);
            var t1 = Sse.UnpackLow(r2, r3);
            var t2 = Sse.UnpackHigh(r0, r1);
            var t3 = Sse.UnpackHigh(r2, r3);
            float* d = dst + (p * width);
            Sse.Store(d, Sse.MoveLowToHigh(t0, t1));
            Sse.Store(d + width, Sse.MoveHighToLow(t1, t0));
            Sse.Store(d + (2 * width), Sse.MoveLowToHigh(t2, t3));
            Sse.Store(d + (3 * width), Sse.MoveHighToLow(t3, t2));
        }
        for (; p < kc; p++)
        {
            for (int r = 0; r < 4; r++) dst[(p * width) + r] = src[(r * ld) + p];
        }
    }

    /// <summary>dst[0 .. count) = src[0 .. count), dst[count .. width) = 0; count is 12, 6, 32 or 16 but at edges.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyPadded(float* src, float* dst, int count, int width)
    {
        int i = 0;
        for (; i + 8 <= count; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        if (i + 4 <= count)
        {
            Vector128.Store(Vector128.Load(src + i), dst + i);
            i += 4;
        }
        for (; i < count; i++) dst[i] = src[i];
        for (; i < width; i++) dst[i] = 0f;
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
