namespace Kefu.Numerics.Tests;

/// <summary>A pre-packed right-hand operand gives the same bits as packing it on every call, on every kernel.</summary>
public class PackedGemmTests
{
    public static TheoryData<string, bool, bool, int> KernelsVariantsThreads()
    {
        var data = new TheoryData<string, bool, bool, int>();
        foreach (var kind in SupportedKernels())
        {
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    data.Add(kind.ToString(), transA, transB, 1);
                    data.Add(kind.ToString(), transA, transB, 2);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(KernelsVariantsThreads))]
    public void Packed_b_gives_the_unpacked_bits_on_odd_shapes(string kernel, bool transA, bool transB, int threads)
    {
        var kind = Enum.Parse<GemmKernelKind>(kernel);
        var random = new Random(HashCode.Combine(kind, transA, transB, threads, 11));
        (float Alpha, float Beta)[] scalings = [(1f, 0f), (0.5f, 1f), (-1.5f, 0.25f)];
        // tile edges, a few rows against many columns (inference), K deeper than one KC block, N wider than one NC block
        var shapes = new List<(int M, int N, int K)>
        {
            (1, 1, 1), (12, 32, 1), (13, 33, 7), (32, 96, 64), (33, 65, 600), (5, 2100, 3), (250, 40, 20),
        };
        for (int s = 0; s < 16; s++) shapes.Add((random.Next(1, 68), random.Next(1, 68), random.Next(1, 68)));

        for (int s = 0; s < shapes.Count; s++)
        {
            var (m, n, k) = shapes[s];
            var (alpha, beta) = scalings[s % scalings.Length];
            int padding = random.Next(0, 4);
            int lda = (transA ? m : k) + padding, ldb = (transB ? k : n) + padding, ldc = n + padding;
            var a = Fill(random, ((transA ? k : m) - 1) * lda + (transA ? m : k));
            var b = Fill(random, ((transB ? n : k) - 1) * ldb + (transB ? k : n));
            var c = Fill(random, (m - 1) * ldc + n);
            var expected = c.ToArray();
            var actual = c.ToArray();
            Gemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc, kind, threads);
            var packed = Gemm.Pack(transB, k, n, b, ldb, kind);
            Gemm.Sgemm(transA, m, n, k, alpha, a, lda, packed, beta, actual, ldc, threads);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{kind} {(transA ? 'T' : 'N')}{(transB ? 'T' : 'N')} {m}x{n}x{k} alpha={alpha} beta={beta}");
        }
    }

    [Fact]
    public void Public_pack_matches_the_public_unpacked_product()
    {
        var random = new Random(5);
        const int m = 32, n = 768, k = 256;
        var a = Fill(random, m * k);
        var w = Fill(random, n * k); // [out, in], as a Linear weight
        var expected = new float[m * n];
        var actual = new float[m * n];
        Gemm.Sgemm(false, true, m, n, k, 1f, a, k, w, k, 0f, expected, n);
        Gemm.Sgemm(false, m, n, k, 1f, a, k, Gemm.Pack(true, k, n, w, k), 0f, actual, n);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Few_rows_give_the_same_bits_on_one_two_and_three_threads(bool transA)
    {
        // M fits one row block, so the threads split the columns and share one packed A
        var random = new Random(transA ? 13 : 12);
        const int m = 32, n = 200, k = 700;
        int lda = transA ? m : k;
        var a = Fill(random, m * k);
        var b = Fill(random, n * k);
        var c = Fill(random, m * n);
        var packed = Gemm.Pack(true, k, n, b, k);
        float[] Run(int threads, bool usePacked)
        {
            var result = c.ToArray();
            if (usePacked) Gemm.Sgemm(transA, m, n, k, 0.75f, a, lda, packed, 1f, result, n, threads);
            else Gemm.Sgemm(transA, true, m, n, k, 0.75f, a, lda, b, k, 1f, result, n, Gemm.DefaultKernel, threads);
            return result;
        }
        var once = Run(1, usePacked: false);
        Assert.Equal(once, Run(2, usePacked: false));
        Assert.Equal(once, Run(3, usePacked: false));
        Assert.Equal(once, Run(1, usePacked: true));
        Assert.Equal(once, Run(2, usePacked: true));
        Assert.Equal(once, Run(3, usePacked: true));
    }

    [Fact]
    public void A_packed_matrix_keeps_the_values_it_was_packed_from()
    {
        float[] b = [1, 2, 3, 4];
        var packed = Gemm.Pack(false, 2, 2, b, 2);
        b[0] = 100;
        float[] a = [1, 0, 0, 1], c = new float[4];
        Gemm.Sgemm(false, 2, 2, 2, 1f, a, 2, packed, 0f, c, 2);
        Assert.Equal([1f, 2f, 3f, 4f], c);
    }

    [Fact]
    public void Rejects_a_packed_matrix_of_another_shape_and_operands_that_do_not_fit()
    {
        var packed = Gemm.Pack(true, 3, 2, new float[6], 3);
        Assert.Equal(3, packed.K);
        Assert.Equal(2, packed.N);
        Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, 1, 2, 4, 1f, new float[4], 4, packed, 0f, new float[2], 2));
        Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, 2, 2, 3, 1f, new float[3], 3, packed, 0f, new float[4], 2));
        Assert.Throws<ArgumentException>(() => Gemm.Pack(true, 3, 2, new float[5], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Pack(false, 3, 2, new float[6], 1));
    }

    private static float[] Fill(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static IEnumerable<GemmKernelKind> SupportedKernels()
    {
        yield return GemmKernelKind.Scalar;
        var best = Gemm.DetectKernel();
        if (best >= GemmKernelKind.Vector256) yield return GemmKernelKind.Vector256;
        if (best >= GemmKernelKind.Vector512) yield return GemmKernelKind.Vector512;
    }
}
