using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Kefu.Numerics;

/// <summary>
/// The blocked loops around the micro-kernels (see <see cref="Gemm"/> remarks). One driver per calling
/// thread holds two packed-B buffers and the cached loop delegates, so a call allocates nothing once warm;
/// each worker thread packs its A blocks into its own [ThreadStatic] buffer.
/// </summary>
/// <remarks>
/// The (jc, pc) blocks run as a pipeline of parallel steps: step s computes block s−1 from one B buffer
/// and, once its compute items are claimed, the threads pack block s into the other, so B packing is
/// shared out without a barrier of its own and is still warm in cache when step s+1 reads it.
/// </remarks>
internal sealed unsafe class GemmDriver
{
    /// <summary>Cache blocking for a micro-kernel: MR×NR tile, KC depth, MC rows of A per block, NC columns of B.</summary>
    private readonly record struct Blocking(int Mr, int Nr, int Kc, int Mc, int Nc);

    /// <summary>One (jc, pc) block: op(B)[pc : pc+kc, jc : jc+nc] as Panels micro-panels [kc, NR] at PackedB,
    /// PanelStride floats apart (kc·NR when packed per call, K·NR inside a <see cref="PackedMatrix"/>).</summary>
    private struct BlockB
    {
        public int Jc, Nc, Pc, Kc, Panels;
        public float* PackedB;
        public nint PanelStride;
    }

    // Vector512 (Zen 4/5, Skylake-X class, 1-2 MiB L2): A block [MC, KC] = 480 KiB and B micro-panel
    // [KC, NR] = 64 KiB in L2, B block [KC, NC] = 4 MiB in L3. KC = 512 rather than 256 halves the passes
    // over C, whose tile loads miss cache (measured 10-15 % faster at 1024³ on Zen 5; BLIS zen4 uses KC 480).
    // Vector256 (Haswell-class, 32 KiB L1): the classic 6×16 sizes, B micro-panel [256, 16] = 16 KiB in L1.
    private static readonly Blocking Blocking512 = new(GemmMicroKernels.Mr512, GemmMicroKernels.Nr512, 512, 240, 2048);
    private static readonly Blocking Blocking256 = new(GemmMicroKernels.Mr256, GemmMicroKernels.Nr256, 256, 144, 4096);

    [ThreadStatic] private static GemmDriver? t_driver;
    [ThreadStatic] private static AlignedFloatBuffer? t_packA;

    private readonly AlignedFloatBuffer _packB0 = new(), _packB1 = new(), _packSharedA = new();
    private readonly ClaimingParallelFor _parallel = new();
    private readonly Action<int> _stepItem;

    // Per-call state, read by the worker threads.
    private GemmKernelKind _kind;
    private Blocking _blocking;
    private bool _transA, _transB;
    private float* _a, _b, _c;
    private float* _prepackedB; // a PackedMatrix's panels, or null to pack B per call
    private float* _sharedA;    // with a single ic block: A packed once per step by the caller, or null when each item packs its own
    private nint _lda, _ldb, _ldc;
    private int _m, _n, _k, _kcStep, _ncStep, _kBlocks, _mPanels, _icBlocks;
    private float _alpha, _beta;

    // Per-step state: the block being computed (when _computeItems > 0) and the block being packed.
    private BlockB _compute, _pack;
    private int _computeItems, _jrChunks, _packItems;

    private GemmDriver() => _stepItem = StepItem;

    public static void Run(GemmKernelKind kind, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        int threads)
    {
        var driver = t_driver ??= new GemmDriver();
        fixed (float* pa = a, pb = b, pc = c)
        {
            driver._a = pa;
            driver._b = pb;
            driver._c = pc;
            driver._prepackedB = null;
            driver.Execute(kind, transA, transB, m, n, k, alpha, lda, ldb, beta, ldc, threads);
        }
    }

    /// <summary>The same product with op(B) already packed: the (jc, pc) blocks point into it and nothing is packed for B.</summary>
    public static void Run(GemmKernelKind kind, bool transA, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, PackedMatrix b, float beta, Span<float> c, int ldc, int threads)
    {
        Debug.Assert(b.Kind == kind && b.K == k && b.N == n);
        var driver = t_driver ??= new GemmDriver();
        fixed (float* pa = a, pc = c)
        {
            driver._a = pa;
            driver._b = null;
            driver._c = pc;
            driver._prepackedB = b.Data;
            driver.Execute(kind, transA, false, m, n, k, alpha, lda, 0, beta, ldc, threads);
            driver._prepackedB = null;
        }
        GC.KeepAlive(b);
    }

    private void Execute(GemmKernelKind kind, bool transA, bool transB, int m, int n, int k, float alpha,
        nint lda, nint ldb, float beta, nint ldc, int threads)
    {
        var blocking = kind == GemmKernelKind.Vector512 ? Blocking512 : Blocking256;
        (_kind, _blocking, _transA, _transB) = (kind, blocking, transA, transB);
        (_lda, _ldb, _ldc, _m, _n, _k, _alpha, _beta) = (lda, ldb, ldc, m, n, k, alpha, beta);

        // Equal K blocks (700 → 350 + 350, not 512 + 188): the K order depends on k only, never on threads.
        _kBlocks = CeilDiv(k, blocking.Kc);
        _kcStep = CeilDiv(k, _kBlocks);
        _ncStep = Math.Min(blocking.Nc, CeilDiv(n, blocking.Nr) * blocking.Nr);

        // ic blocks of near-equal size (whole micro-panels, at most MC rows), a multiple of the thread count
        // and at least 4 per thread, so a thread the OS stalls leaves work for the others; when M is too
        // short for one block per thread, threads also split the jr loop. An M that fits one block (a few tokens
        // at inference) stays one block, so each B panel is read once, and the threads split the jr loop only.
        _mPanels = CeilDiv(m, blocking.Mr);
        int icBlocks = CeilDiv(m, blocking.Mc);
        if (threads > 1 && m > blocking.Mc) icBlocks = CeilDiv(Math.Max(icBlocks, 4 * threads), threads) * threads;
        _icBlocks = Math.Min(icBlocks, _mPanels);

        nint packBSize = (nint)_kcStep * _ncStep;
        float* buffer0 = _prepackedB is null ? _packB0.Ensure(packBSize) : null;
        float* buffer1 = _prepackedB is null && _kBlocks * CeilDiv(n, _ncStep) > 1 ? _packB1.Ensure(packBSize) : null;

        int blocks = _kBlocks * CeilDiv(n, _ncStep);
        for (int step = 0; step <= blocks; step++)
        {
            _computeItems = 0;
            _sharedA = null;
            if (step > 0)
            {
                _compute = _pack;
                if (_icBlocks == 1 && threads > 1)
                {
                    // few rows: A is packed once here and the jr loop is cut finer, so a helper that starts late
                    // leaves whole chunks to the caller instead of making it wait
                    _jrChunks = Math.Min(_compute.Panels, 3 * threads);
                    _sharedA = _packSharedA.Ensure((nint)_blocking.Mc * _blocking.Kc);
                    GemmPacking.PackA(_transA, _a, _lda, 0, _compute.Pc, _m, _compute.Kc, blocking.Mr, _sharedA);
                }
                else
                {
                    _jrChunks = _icBlocks >= threads ? 1 : Math.Min(_compute.Panels, CeilDiv(threads, _icBlocks));
                }
                _computeItems = _icBlocks * _jrChunks;
            }
            _packItems = 0;
            if (step < blocks)
            {
                _pack = DescribeBlock(step, step % 2 == 0 ? buffer0 : buffer1);
                _packItems = _prepackedB is null ? Math.Min(threads, _pack.Panels) : 0;
            }
            _parallel.Run(_computeItems + _packItems, threads, _stepItem);
        }
    }

    private BlockB DescribeBlock(int index, float* packedB)
    {
        int jc = index / _kBlocks * _ncStep;
        int pc = index % _kBlocks * _kcStep;
        int nc = Math.Min(_ncStep, _n - jc), kc = Math.Min(_kcStep, _k - pc), nr = _blocking.Nr;
        var block = new BlockB
        {
            Jc = jc, Nc = nc, Pc = pc, Kc = kc,
            Panels = CeilDiv(nc, nr), PackedB = packedB, PanelStride = (nint)kc * nr,
        };
        if (_prepackedB is not null)
        {
            block.PanelStride = (nint)_k * nr;
            block.PackedB = _prepackedB + ((nint)(jc / nr) * block.PanelStride) + ((nint)pc * nr);
        }
        return block;
    }

    /// <summary>Items [0, computeItems) compute the current block; the rest pack shares of the next B block.</summary>
    private void StepItem(int item)
    {
        if (item < _computeItems)
        {
            ComputeItem(item / _jrChunks, item % _jrChunks);
        }
        else
        {
            item -= _computeItems;
            int first = (int)((long)_pack.Panels * item / _packItems);
            int end = (int)((long)_pack.Panels * (item + 1) / _packItems);
            GemmPacking.PackB(_transB, _b, _ldb, _pack.Pc, _pack.Jc, _pack.Kc, _pack.Nc, _blocking.Nr,
                first, end, _pack.PackedB);
        }
    }

    /// <summary>One ic block of A against a share of the B micro-panels: C[ic : ic+mc, jc + jr range].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private void ComputeItem(int icBlock, int chunk)
    {
        ref readonly var block = ref _compute;
        int mr = _blocking.Mr, nr = _blocking.Nr, kc = block.Kc;
        int ic = (int)((long)_mPanels * icBlock / _icBlocks) * mr;
        int mc = Math.Min((int)((long)_mPanels * (icBlock + 1) / _icBlocks) * mr, _m) - ic;
        float blockBeta = block.Pc == 0 ? _beta : 1f;
        Debug.Assert(CeilDiv(mc, mr) * mr * kc <= _blocking.Mc * _blocking.Kc);
        float* packedA = _sharedA;
        if (packedA is null)
        {
            packedA = (t_packA ??= new AlignedFloatBuffer()).Ensure((nint)_blocking.Mc * _blocking.Kc);
            GemmPacking.PackA(_transA, _a, _lda, ic, block.Pc, mc, kc, mr, packedA);
        }

        int firstPanel = (int)((long)block.Panels * chunk / _jrChunks);
        int endPanel = (int)((long)block.Panels * (chunk + 1) / _jrChunks);
        float* tile = stackalloc float[GemmMicroKernels.Mr512 * GemmMicroKernels.Nr512];
        for (int panel = firstPanel; panel < endPanel; panel++)
        {
            int jr = panel * nr;
            int cols = Math.Min(nr, block.Nc - jr);
            float* bp = block.PackedB + (panel * block.PanelStride);
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* ap = packedA + ((nint)ir * kc);
                float* cTile = _c + ((ic + ir) * _ldc) + block.Jc + jr;
                bool eightRows = _kind == GemmKernelKind.Vector512 && rows <= 8;
                if (cols == nr && (rows == mr || (eightRows && rows == 8)))
                {
                    RunKernel(kc, ap, bp, cTile, _ldc, _alpha, blockBeta, eightRows);
                }
                else
                {
                    RunKernel(kc, ap, bp, tile, nr, _alpha, 0f, eightRows);
                    StoreEdge(tile, nr, cTile, _ldc, rows, cols, blockBeta);
                }
            }
        }
    }

    /// <param name="eightRows">At most 8 rows of the 12×32 tile are wanted (the last panel of a short M).</param>
    private void RunKernel(int kc, float* ap, float* bp, float* c, nint ldc, float alpha, float beta, bool eightRows)
    {
        if (_kind != GemmKernelKind.Vector512) GemmMicroKernels.Kernel6x16(kc, ap, bp, c, ldc, alpha, beta);
        else if (eightRows) GemmMicroKernels.Kernel8x32(kc, ap, bp, c, ldc, alpha, beta);
        else GemmMicroKernels.Kernel12x32(kc, ap, bp, c, ldc, alpha, beta);
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
