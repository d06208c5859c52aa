using System.Diagnostics;

namespace Kefu.Numerics;

/// <summary>Stand-in for the GEMM branch's GemmBenchmark until it is merged (then this file goes).</summary>
public static class GemmBenchmark
{
    /// <summary>Median GFLOP/s of an n×n×n NN SGEMM over <paramref name="repeats"/> calls after one warm-up.</summary>
    public static double MeasureGflops(int n, int threads, int repeats)
    {
        var rng = new Rng(42);
        float[] a = new float[n * n], b = new float[n * n], c = new float[n * n];
        rng.FillUniform(a, -0.5f, 0.5f);
        rng.FillUniform(b, -0.5f, 0.5f);
        int previousThreads = Gemm.MaxThreads;
        Gemm.MaxThreads = threads;
        try
        {
            Gemm.Sgemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
            var seconds = new double[repeats];
            for (int r = 0; r < repeats; r++)
            {
                long start = Stopwatch.GetTimestamp();
                Gemm.Sgemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
                seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            Array.Sort(seconds);
            return 2.0 * n * n * n / seconds[repeats / 2] / 1e9;
        }
        finally
        {
            Gemm.MaxThreads = previousThreads;
        }
    }
}
