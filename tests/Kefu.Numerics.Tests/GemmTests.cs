namespace Kefu.Numerics.Tests;

/// <summary>Blocked SGEMM against the scalar reference, on every micro-kernel this CPU runs.</summary>
public class GemmTests
{
    private static readonly (bool TransA, bool TransB)[] Variants = [(false, false), (false, true), (true, false), (true, true)];

    public static TheoryData<string, bool, bool, int> KernelsVariantsThreads()
    {
        var data = new TheoryData<string, bool, bool, int>();
        foreach (var kind in SupportedKernels())
        {
            foreach (var (transA, transB) in Variants)
            {
                data.Add(kind.ToString(), transA, transB, 1);
                data.Add(kind.ToString(), transA, transB, 2);
            }
        }
        return data;
    }

    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (var kind in SupportedKernels()) data.Add(kind.ToString());
        return data;
    }

    public static TheoryData<string> SimdKernels()
    {
        var data = new TheoryData<string>();
        foreach (var kind in SupportedKernels().Where(kind => kind != GemmKernelKind.Scalar)) data.Add(kind.ToString());
        return data;
    }

    [Fact]
    public void Reference_multiplies_a_2x2_pair()
    {
        float[] a = [1, 2, 3, 4], b = [5, 6, 7, 8], c = new float[4];
        GemmReference.Sgemm(false, false, 2, 2, 2, 1f, a, 2, b, 2, 0f, c, 2);
        Assert.Equal([19f, 22f, 43f, 50f], c);
    }

    [Theory]
    [MemberData(nameof(KernelsVariantsThreads))]
    public void Matches_reference_on_odd_shapes_with_padded_leading_dimensions(
        string kernel, bool transA, bool transB, int threads)
    {
        var kind = Enum.Parse<GemmKernelKind>(kernel);
        var random = new Random(HashCode.Combine(kind, transA, transB, threads));
        (float Alpha, float Beta)[] scalings = [(1f, 0f), (0.5f, 1f), (-1.5f, 0.25f)];
        // Tile-edge shapes for both kernels (MR 12/6, NR 32/16), then a random sample of 1..67 in each dimension.
        var shapes = new List<(int M, int N, int K)> { (1, 1, 1), (12, 32, 1), (13, 33, 7), (6, 16, 64), (67, 67, 67) };
        for (int s = 0; s < 24; s++) shapes.Add((random.Next(1, 68), random.Next(1, 68), random.Next(1, 68)));

        for (int s = 0; s < shapes.Count; s++)
        {
            var (m, n, k) = shapes[s];
            var (alpha, beta) = scalings[s % scalings.Length];
            var problem = Problem.Random(random, transA, transB, m, n, k, padding: random.Next(0, 5));
            var expected = problem.C.ToArray();
            var actual = problem.C.ToArray();
            GemmReference.Sgemm(transA, transB, m, n, k, alpha, problem.A, problem.Lda, problem.B, problem.Ldb,
                beta, expected, problem.Ldc);
            Gemm.Sgemm(transA, transB, m, n, k, alpha, problem.A, problem.Lda, problem.B, problem.Ldb,
                beta, actual, problem.Ldc, kind, threads);
            AssertClose(expected, actual, k, $"{kind} {Name(transA, transB)} {m}x{n}x{k} alpha={alpha} beta={beta}");
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Matches_reference_on_a_shape_spanning_several_blocks(bool transA, bool transB)
    {
        const int m = 300, n = 257, k = 190;
        var problem = Problem.Random(new Random(7), transA, transB, m, n, k, padding: 3);
        var expected = problem.C.ToArray();
        GemmReference.Sgemm(transA, transB, m, n, k, 0.75f, problem.A, problem.Lda, problem.B, problem.Ldb,
            0.5f, expected, problem.Ldc);
        foreach (var kind in SupportedKernels().Where(kind => kind != GemmKernelKind.Scalar))
        {
            foreach (int threads in new[] { 1, 2 })
            {
                var actual = problem.C.ToArray();
                Gemm.Sgemm(transA, transB, m, n, k, 0.75f, problem.A, problem.Lda, problem.B, problem.Ldb,
                    0.5f, actual, problem.Ldc, kind, threads);
                AssertClose(expected, actual, k, $"{kind} {Name(transA, transB)} {m}x{n}x{k} threads={threads}");
            }
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Deep_k_is_split_into_blocks_that_accumulate_onto_beta_c(bool transA, bool transB)
    {
        const int m = 40, n = 50, k = 1100;
        var problem = Problem.Random(new Random(11), transA, transB, m, n, k, padding: 2);
        var expected = problem.C.ToArray();
        GemmReference.Sgemm(transA, transB, m, n, k, 1f, problem.A, problem.Lda, problem.B, problem.Ldb,
            -2f, expected, problem.Ldc);
        foreach (var kind in SupportedKernels().Where(kind => kind != GemmKernelKind.Scalar))
        {
            foreach (int threads in new[] { 1, 2 })
            {
                var actual = problem.C.ToArray();
                Gemm.Sgemm(transA, transB, m, n, k, 1f, problem.A, problem.Lda, problem.B, problem.Ldb,
                    -2f, actual, problem.Ldc, kind, threads);
                AssertClose(expected, actual, k, $"{kind} {Name(transA, transB)} {m}x{n}x{k} threads={threads}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(SimdKernels))]
    public void Results_are_bitwise_identical_for_a_thread_count_and_across_counts(string kernel)
    {
        var kind = Enum.Parse<GemmKernelKind>(kernel);
        const int m = 300, n = 257, k = 190;
        foreach (var (transA, transB) in Variants)
        {
            var problem = Problem.Random(new Random(3), transA, transB, m, n, k, padding: 1);
            float[] Run(int threads)
            {
                var c = problem.C.ToArray();
                Gemm.Sgemm(transA, transB, m, n, k, 1.25f, problem.A, problem.Lda, problem.B, problem.Ldb,
                    0.5f, c, problem.Ldc, kind, threads);
                return c;
            }
            var once = Run(2);
            Assert.Equal(once, Run(2));
            Assert.Equal(once, Run(1));
            Assert.Equal(once, Run(3));
        }
    }

    [Fact]
    public void Concurrent_callers_each_get_their_own_exact_result()
    {
        // Each calling thread has its own driver and buffers; helper threads may join any caller's loop.
        const int m = 70, n = 90, k = 600, callers = 4, calls = 15;
        var problems = Enumerable.Range(0, callers)
            .Select(i => Problem.Random(new Random(100 + i), i % 2 == 1, i >= 2, m, n, k, padding: 1)).ToArray();
        float[] Run(int i, int threads)
        {
            var p = problems[i];
            var c = p.C.ToArray();
            Gemm.Sgemm(i % 2 == 1, i >= 2, m, n, k, 1f, p.A, p.Lda, p.B, p.Ldb, 0.5f, c, p.Ldc, Gemm.DefaultKernel, threads);
            return c;
        }
        var expected = Enumerable.Range(0, callers).Select(i => Run(i, 1)).ToArray();
        var mismatches = 0;
        Parallel.For(0, callers * calls, new ParallelOptions { MaxDegreeOfParallelism = callers }, call =>
        {
            int i = call % callers;
            if (!Run(i, 2).AsSpan().SequenceEqual(expected[i])) Interlocked.Increment(ref mismatches);
        });
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void Warm_calls_allocate_nothing_on_the_calling_thread()
    {
        const int m = 100, n = 90, k = 700;
        var problem = Problem.Random(new Random(13), false, true, m, n, k, padding: 0);
        var c = new float[m * n];
        void Call() => Gemm.Sgemm(false, true, m, n, k, 1f, problem.A, k, problem.B, k, 0f, c, n, Gemm.DefaultKernel, 1);
        Call();
        var windows = Allocations.PerWindow(Call);
        Assert.True(windows.Min() == 0, $"bytes allocated per 3-call window: {string.Join(", ", windows)}");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Beta_zero_overwrites_nan_in_c(string kernel)
    {
        var kind = Enum.Parse<GemmKernelKind>(kernel);
        const int m = 17, n = 35, k = 9;
        var problem = Problem.Random(new Random(5), false, false, m, n, k, padding: 0);
        var expected = new float[m * n];
        GemmReference.Sgemm(false, false, m, n, k, 1f, problem.A, k, problem.B, n, 0f, expected, n);
        var actual = Enumerable.Repeat(float.NaN, m * n).ToArray();
        Gemm.Sgemm(false, false, m, n, k, 1f, problem.A, k, problem.B, n, 0f, actual, n, kind, 2);
        Assert.DoesNotContain(actual, float.IsNaN);
        AssertClose(expected, actual, k, $"{kind} beta=0 over NaN");
    }

    [Fact]
    public void Columns_past_n_in_a_padded_c_are_left_untouched()
    {
        const int m = 30, n = 45, k = 20, ldc = 50;
        var problem = Problem.Random(new Random(9), false, false, m, n, k, padding: 0);
        var c = Enumerable.Repeat(-7f, (m - 1) * ldc + n).ToArray();
        Gemm.Sgemm(false, false, m, n, k, 1f, problem.A, k, problem.B, n, 0f, c, ldc);
        for (int i = 0; i < m - 1; i++)
        {
            for (int j = n; j < ldc; j++) Assert.Equal(-7f, c[i * ldc + j]);
        }
    }

    [Fact]
    public void Zero_alpha_or_empty_k_only_scales_c()
    {
        float[] a = [float.NaN, 1f], b = [float.NaN, 1f];
        float[] c = [1f, 2f, 3f, 4f];
        Gemm.Sgemm(false, false, 2, 2, 1, 0f, a, 1, b, 2, 3f, c, 2);
        Assert.Equal([3f, 6f, 9f, 12f], c);
        Gemm.Sgemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0f, c, 2);
        Assert.Equal([0f, 0f, 0f, 0f], c);
    }

    [Fact]
    public void Rejects_operands_that_do_not_fit_their_shape()
    {
        var a = new float[6];
        var b = new float[6];
        var c = new float[4];
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2));
        Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, new float[3], 2));
        Assert.Throws<ArgumentException>(() => Gemm.Sgemm(true, false, 3, 2, 3, 1f, a, 3, b, 2, 0f, new float[6], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, -1, 2, 3, 1f, a, 3, b, 2, 0f, c, 2));
    }

    [Fact]
    public void Benchmark_reports_a_positive_rate()
    {
        Assert.True(GemmBenchmark.MeasureGflops(64, 1, 3) > 0);
    }

    private static IEnumerable<GemmKernelKind> SupportedKernels()
    {
        yield return GemmKernelKind.Scalar;
        var best = Gemm.DetectKernel();
        if (best >= GemmKernelKind.Vector256) yield return GemmKernelKind.Vector256;
        if (best >= GemmKernelKind.Vector512) yield return GemmKernelKind.Vector512;
    }

    private static string Name(bool transA, bool transB) => (transA ? "T" : "N") + (transB ? "T" : "N");

    /// <summary>Inputs lie in [-1, 1], so a K-term float sum is off by at most about K·2⁻²⁴ per unit of |alpha|.</summary>
    private static void AssertClose(float[] expected, float[] actual, int k, string what)
    {
        float tolerance = 4e-7f * (k + 8);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
                Assert.Fail($"{what}: element {i} is {actual[i]}, reference {expected[i]} (tolerance {tolerance}).");
        }
    }

    /// <summary>Stored operands for op(A)[m,k]·op(B)[k,n] with leading dimensions padded by <c>padding</c>.</summary>
    private sealed record Problem(float[] A, int Lda, float[] B, int Ldb, float[] C, int Ldc)
    {
        public static Problem Random(Random random, bool transA, bool transB, int m, int n, int k, int padding)
        {
            int lda = (transA ? m : k) + padding, ldb = (transB ? k : n) + padding, ldc = n + padding;
            var a = Fill(random, ((transA ? k : m) - 1) * lda + (transA ? m : k));
            var b = Fill(random, ((transB ? n : k) - 1) * ldb + (transB ? k : n));
            var c = Fill(random, (m - 1) * ldc + n);
            return new Problem(a, lda, b, ldb, c, ldc);
        }

        private static float[] Fill(Random random, int length)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
            return values;
        }
    }
}
