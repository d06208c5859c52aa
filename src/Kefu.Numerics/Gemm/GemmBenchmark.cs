using System.Diagnostics;

namespace Kefu.Numerics;

/// <summary>SGEMM throughput for `kefu bench numerics` (gemm_gflops_1024, gemm_gflops_2048).</summary>
public static class GemmBenchmark
{
    /// <summary>
    /// Median GFLOP/s of C[n,n] = A[n,n]·B[n,n] (NN, 2n³ flops) over <paramref name="repeats"/> timed calls
    /// after one warm-up, on <paramref name="threads"/> threads (<see cref="Gemm.MaxThreads"/> is left as it is).
    /// </summary>
    public static double MeasureGflops(int n, int threads, int repeats)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        var random = new Random(42);
        var a = new float[n * n];
        var b = new float[n * n];
        var c = new float[n * n];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)(random.NextDouble() - 0.5);
            b[i] = (float)(random.NextDouble() - 0.5);
        }

        var kernel = Gemm.DefaultKernel;
        Gemm.Sgemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n, kernel, threads);
        var seconds = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            Gemm.Sgemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n, kernel, threads);
            seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(seconds);
        return 2.0 * n * n * n / seconds[repeats / 2] / 1e9;
    }
}
