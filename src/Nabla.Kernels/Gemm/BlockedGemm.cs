using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// BLIS-style GEMM: for each NC-wide column block and KC-deep slice of k, B is packed into NR-wide panels, then for
/// each MC-tall row block A is packed into MR-tall panels and every MR×NR tile of C is computed by the micro-kernel.
/// Work is split across threads by tiles of C (never along k), so every element of C sees the same sequence of
/// floating-point operations whatever the thread count: results are bitwise reproducible.
/// </summary>
internal static unsafe class BlockedGemm<TOps, TVector, T>
    where TOps : IVectorOps<TVector, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly int KcMax = Tunable("NABLA_GEMM_KC", 256);
    private static readonly int McMax = Tunable("NABLA_GEMM_MC", 128);
    private static readonly int NcMax = Tunable("NABLA_GEMM_NC", 1024);
    private static readonly int MinTaskFlops = Tunable("NABLA_GEMM_TASKFLOPS", 2 * 32 * 32 * 32);

    [ThreadStatic]
    private static Job? cachedJob;

    private static int Mr => TOps.Rows;

    private static int Nr => 2 * TOps.Count;

    public static void Run(in GemmProblem<T> problem)
    {
        int threads = Parallelism.NumThreads;
        double itemFlops = 2.0 * problem.M * problem.N * problem.K;
        var job = cachedJob ??= new Job();
        job.Problem = problem;
        if (problem.Batch > 1 && threads > 1 && (problem.Batch % threads == 0 || problem.Batch >= 4 * threads || itemFlops * threads < MinTaskFlops * 8))
        {
            job.Item = -1;
            Parallelism.For(problem.Batch, job.Body);
            return;
        }

        for (int t = 0; t < problem.Batch; t++)
        {
            int tasks = (int)Math.Clamp(itemFlops / MinTaskFlops, 1, threads);
            if (tasks == 1)
            {
                Region(problem, t, 0, problem.M, 0, problem.N);
                continue;
            }

            job.Item = t;
            job.Partition(tasks);
            Parallelism.For(job.TileRows * job.TileCols, job.Body);
        }
    }

    /// <summary>Computes rows [i0, i1) × columns [j0, j1) of item <paramref name="t"/> of C on the calling thread.</summary>
    private static void Region(in GemmProblem<T> problem, int t, int i0, int i1, int j0, int j1)
    {
        int k = problem.K;
        int mr = Mr, nr = Nr;
        int kSlices = (k + KcMax - 1) / KcMax;
        int kcMax = (k + kSlices - 1) / kSlices;
        int mcMax = Math.Min(McMax, RoundUp(i1 - i0, mr));
        int ncMax = Math.Min(NcMax, RoundUp(j1 - j0, nr));
        T* packA = PackBuffers<T>.Rent((mcMax * kcMax) + (ncMax * kcMax));
        T* packB = packA + (mcMax * kcMax);
        T* a = problem.A + (t * problem.ABatchStride);
        T* b = problem.B + (t * problem.BBatchStride);
        T* c = problem.C + (t * problem.CBatchStride);
        nint ldc = problem.CRowStride;
        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                Packing<T>.PackB(kc, nc, b + (pc * problem.BRowStride) + (jc * problem.BColStride), problem.BRowStride, problem.BColStride, nr, packB);

                // Later k slices add onto the partial sums the earlier ones left in C.
                T beta = pc == 0 ? problem.Beta : T.One;
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    Packing<T>.PackA(mc, kc, a + (ic * problem.ARowStride) + (pc * problem.AColStride), problem.ARowStride, problem.AColStride, mr, packA);
                    Macro(mc, nc, kc, packA, packB, c + (ic * ldc) + jc, ldc, problem.Alpha, beta);
                }
            }
        }
    }

    /// <summary>All MR×NR tiles of an mc×nc block of C from packed panels; edge tiles go through a scratch tile.</summary>
    private static void Macro(int mc, int nc, int kc, T* packA, T* packB, T* c, nint ldc, T alpha, T beta)
    {
        int mr = Mr, nr = Nr;
        bool betaIsZero = beta == T.Zero;
        T* tile = stackalloc T[mr * nr];
        if (Order == 1) { MacroIrOuter(mc, nc, kc, packA, packB, c, ldc, alpha, beta, tile); return; }
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* panelB = packB + (jr * kc);
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                T* panelA = packA + (ir * kc);
                T* target = c + (ir * ldc) + jr;
                if (rows == mr && cols == nr)
                {
                    MicroKernel<TOps, TVector, T>.Run(kc, panelA, panelB, target, ldc, alpha, beta, betaIsZero);
                    continue;
                }

                // The scratch tile runs the same kernel arithmetic, so edge elements round exactly like interior ones.
                if (!betaIsZero)
                {
                    CopyTile(rows, cols, target, ldc, tile, nr);
                }

                MicroKernel<TOps, TVector, T>.Run(kc, panelA, panelB, tile, nr, alpha, beta, betaIsZero);
                CopyTile(rows, cols, tile, nr, target, ldc);
            }
        }
    }

    private static readonly int Order = Tunable("NABLA_GEMM_ORDER", 0);
    private static void MacroIrOuter(int mc, int nc, int kc, T* packA, T* packB, T* c, nint ldc, T alpha, T beta, T* tile)
    {
        int mr = Mr, nr = Nr;
        bool betaIsZero = beta == T.Zero;
            for (int ir = 0; ir < mc; ir += mr)
        {
                int rows = Math.Min(mr, mc - ir);
                T* panelA = packA + (ir * kc);
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* panelB = packB + (jr * kc);
                T* target = c + (ir * ldc) + jr;
                if (rows == mr && cols == nr)
                {
                    MicroKernel<TOps, TVector, T>.Run(kc, panelA, panelB, target, ldc, alpha, beta, betaIsZero);
                    continue;
                }
                if (!betaIsZero)
                {
                    CopyTile(rows, cols, target, ldc, tile, nr);
                }
                MicroKernel<TOps, TVector, T>.Run(kc, panelA, panelB, tile, nr, alpha, beta, betaIsZero);
                CopyTile(rows, cols, tile, nr, target, ldc);
            }
        }
    }

    private static void CopyTile(int rows, int cols, T* source, nint sourceStride, T* destination, nint destinationStride)
    {
        for (int r = 0; r < rows; r++)
        {
            new ReadOnlySpan<T>(source + (r * sourceStride), cols).CopyTo(new Span<T>(destination + (r * destinationStride), cols));
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static int Tunable(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) && value > 0 ? value : fallback;

    /// <summary>The parallel part of one call, cached per calling thread so that dispatching it allocates nothing.</summary>
    private sealed class Job
    {
        public GemmProblem<T> Problem;
        public int Item;
        public int TileRows, TileCols, RowsPerTile, ColsPerTile;

        public Job() => Body = Execute;

        public Action<int> Body { get; }

        /// <summary>
        /// Splits C into TileRows × TileCols = <paramref name="tasks"/> regions. Each region packs the A rows and B
        /// columns it needs, so splitting columns repeats A's packing and splitting rows repeats B's: pick the grid
        /// that packs the fewest elements.
        /// </summary>
        public void Partition(int tasks)
        {
            int rowPanels = (Problem.M + Mr - 1) / Mr;
            int colPanels = (Problem.N + Nr - 1) / Nr;
            long best = long.MaxValue;
            for (int rowsSplit = 1; rowsSplit <= tasks; rowsSplit++)
            {
                int colsSplit = tasks / rowsSplit;
                if (rowsSplit * colsSplit != tasks || rowsSplit > rowPanels || colsSplit > colPanels)
                {
                    continue;
                }

                long packed = ((long)colsSplit * Problem.M) + ((long)rowsSplit * Problem.N);
                if (packed < best)
                {
                    best = packed;
                    TileRows = rowsSplit;
                    TileCols = colsSplit;
                }
            }

            if (best == long.MaxValue)
            {
                TileRows = Math.Min(tasks, rowPanels);
                TileCols = 1;
            }

            RowsPerTile = (rowPanels + TileRows - 1) / TileRows * Mr;
            ColsPerTile = (colPanels + TileCols - 1) / TileCols * Nr;
        }

        private void Execute(int task)
        {
            if (Item < 0)
            {
                Region(Problem, task, 0, Problem.M, 0, Problem.N);
                return;
            }

            int i0 = task / TileCols * RowsPerTile;
            int j0 = task % TileCols * ColsPerTile;
            if (i0 < Problem.M && j0 < Problem.N)
            {
                Region(Problem, Item, i0, Math.Min(Problem.M, i0 + RowsPerTile), j0, Math.Min(Problem.N, j0 + ColsPerTile));
            }
        }
    }
}
