namespace Kefu.Numerics;

/// <summary>
/// Single-precision GEMM: C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C, row-major.
/// op(A) is A[M,K] (lda ≥ K) or, with transA, Aᵀ where A is stored [K,M] (lda ≥ M); likewise B.
/// NN, NT and TN are the variants the layers use (forward, input gradient, weight gradient).
/// </summary>
public static class Gemm
{
    /// <summary>Worker threads a single GEMM may use; results are bitwise identical for a given count.</summary>
    public static int MaxThreads { get; set; } = Environment.ProcessorCount;

    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        GemmReference.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
