using System.Diagnostics;

namespace Kefu.Numerics;

/// <summary>
/// The blocked loops around the micro-kernels (see <see cref="Gemm"/> remarks). One driver per calling
/// thread holds the shared packed-B block and the cached loop delegates, so a call allocates nothing once warm;
/// each worker thread packs its A blocks into its own [ThreadStatic] buffer.
/// </summary>
internal sealed unsafe class GemmDriver
{
    /// <summary>Cache blocking for a micro-kernel: MR×NR tile, KC depth, MC rows of A per block, NC columns of B.</summary>
    private readonly record struct Blocking(int Mr, int Nr, int Kc, int Mc, int Nc);

    // Sized for Zen 4/5 and Skylake-X class cores: B micro-panel [KC, NR] = 32 KiB in L1,
    // A block [MC, KC] ≈ 290 KiB in L2, B block [KC, NC] = 4 MiB in L3.
    private static readonly Blocking Blocking512 = new(GemmMicroKernels.Mr512, GemmMicroKernels.Nr512, 256, 288, 4096);
    private static readonly Blocking Blocking256 = new(GemmMicroKernels.Mr256, GemmMicroKernels.Nr256, 256, 144, 4096);

    [ThreadStatic] private static GemmDriver? t_driver;
    [ThreadStatic] private static AlignedFloatBuffer? t_packA;

    private readonly AlignedFloatBuffer _packB = new();
    private readonly Action<int> _packBChunk;
    private readonly Action<int> _computeItem;
    private readonly ParallelOptions _parallelOptions = new();

    // Per-call state, read by the worker delegates.
    private GemmKernelKind _kind;
    private Blocking _blocking;
    private bool _transA, _transB;
    private float* _a, _b, _c;
    private nint _lda, _ldb, _ldc;
    private int _m;
    private float _alpha, _blockBeta;
    private int _jc, _pc, _kc, _nc, _mc, _bPanels, _jrChunks, _packChunks;
    private float* _packedB;

    private GemmDriver()
    {
        _packBChunk = PackBChunk;
        _computeItem = ComputeItem;
    }

    public static void Run(GemmKernelKind kind, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        int threads)
    {
        var driver = t_driver ??= new GemmDriver();
        fixed (float* pa = a, pb = b, pc = c)
        {
            driver.Execute(kind, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, threads);
        }
    }

    private void Execute(GemmKernelKind kind, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc, int threads)
    {
        var blocking = kind == GemmKernelKind.Vector512 ? Blocking512 : Blocking256;
        int mr = blocking.Mr, nr = blocking.Nr;
        (_kind, _blocking, _transA, _transB) = (kind, blocking, transA, transB);
        _a = a;
        _b = b;
        _c = c;
        (_lda, _ldb, _ldc, _m, _alpha) = (lda, ldb, ldc, m, alpha);

        // Equal K blocks (300 → 150 + 150, not 256 + 44): K order depends on k only, never on threads.
        int kBlocks = CeilDiv(k, blocking.Kc);
        int kcStep = CeilDiv(k, kBlocks);

        // Enough ic blocks for every thread; when M is too short for that, threads split the jr loop too.
        int icBlocks = CeilDiv(m, blocking.Mc);
        if (threads > 1) icBlocks = CeilDiv(icBlocks, threads) * threads;
        _mc = CeilDiv(CeilDiv(m, icBlocks), mr) * mr;
        icBlocks = CeilDiv(m, _mc);

        int ncStep = Math.Min(blocking.Nc, CeilDiv(n, nr) * nr);
        _packedB = _packB.Ensure((nint)kcStep * ncStep);
        _parallelOptions.MaxDegreeOfParallelism = threads;

        for (int jc = 0; jc < n; jc += ncStep)
        {
            _jc = jc;
            _nc = Math.Min(ncStep, n - jc);
            _bPanels = CeilDiv(_nc, nr);
            _jrChunks = icBlocks >= threads ? 1 : Math.Min(_bPanels, CeilDiv(threads, icBlocks));
            _packChunks = Math.Min(threads, _bPanels);
            int items = icBlocks * _jrChunks;
            for (int pc = 0; pc < k; pc += kcStep)
            {
                _pc = pc;
                _kc = Math.Min(kcStep, k - pc);
                _blockBeta = pc == 0 ? beta : 1f;
                if (threads == 1)
                {
                    PackBChunk(0);
                    for (int item = 0; item < items; item++) ComputeItem(item);
                }
                else
                {
                    Parallel.For(0, _packChunks, _parallelOptions, _packBChunk);
                    Parallel.For(0, items, _parallelOptions, _computeItem);
                }
            }
        }
    }

    private void PackBChunk(int chunk)
    {
        int first = (int)((long)_bPanels * chunk / _packChunks);
        int end = (int)((long)_bPanels * (chunk + 1) / _packChunks);
        GemmPacking.PackB(_transB, _b, _ldb, _pc, _jc, _kc, _nc, _blocking.Nr, first, end, _packedB);
    }

    /// <summary>One ic block of A against a range of B micro-panels: C[ic : ic+mc, jc + jr range].</summary>
    private void ComputeItem(int item)
    {
        int mr = _blocking.Mr, nr = _blocking.Nr, kc = _kc;
        int ic = item / _jrChunks * _mc;
        int chunk = item % _jrChunks;
        int mc = Math.Min(_mc, _m - ic);
        float* packedA = (t_packA ??= new AlignedFloatBuffer()).Ensure((nint)_blocking.Mc * _blocking.Kc);
        Debug.Assert(CeilDiv(mc, mr) * mr * kc <= _blocking.Mc * _blocking.Kc);
        GemmPacking.PackA(_transA, _a, _lda, ic, _pc, mc, kc, mr, packedA);

        int firstPanel = (int)((long)_bPanels * chunk / _jrChunks);
        int endPanel = (int)((long)_bPanels * (chunk + 1) / _jrChunks);
        float* tile = stackalloc float[GemmMicroKernels.Mr512 * GemmMicroKernels.Nr512];
        for (int panel = firstPanel; panel < endPanel; panel++)
        {
            int jr = panel * nr;
            int cols = Math.Min(nr, _nc - jr);
            float* bp = _packedB + ((nint)panel * kc * nr);
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* ap = packedA + ((nint)ir * kc);
                float* cTile = _c + ((ic + ir) * _ldc) + _jc + jr;
                if (rows == mr && cols == nr)
                {
                    RunKernel(kc, ap, bp, cTile, _ldc, _alpha, _blockBeta);
                }
                else
                {
                    RunKernel(kc, ap, bp, tile, nr, _alpha, 0f);
                    StoreEdge(tile, nr, cTile, _ldc, rows, cols, _blockBeta);
                }
            }
        }
    }

    private void RunKernel(int kc, float* ap, float* bp, float* c, nint ldc, float alpha, float beta)
    {
        if (_kind == GemmKernelKind.Vector512) GemmMicroKernels.Kernel12x32(kc, ap, bp, c, ldc, alpha, beta);
        else GemmMicroKernels.Kernel6x16(kc, ap, bp, c, ldc, alpha, beta);
    }

    /// <summary>C[rows, cols] = tile + beta·C for a partial tile; tile already carries alpha.</summary>
    private static void StoreEdge(float* tile, nint ldt, float* c, nint ldc, int rows, int cols, float beta)
    {
        for (int r = 0; r < rows; r++, tile += ldt, c += ldc)
        {
            for (int j = 0; j < cols; j++) c[j] = beta == 0f ? tile[j] : tile[j] + (beta * c[j]);
        }
    }

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;
}
