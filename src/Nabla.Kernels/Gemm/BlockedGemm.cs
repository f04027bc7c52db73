using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// BLIS-style GEMM: for each NC-wide column block and KC-deep slice of k, B is packed into NR-wide panels, then for
/// each MC-tall row block A is packed into MR-tall panels and every MR×NR tile of C is computed by the micro-kernel.
/// Packing takes any strides, so transposed operands cost nothing extra; small operands already close to the panel
/// layout skip it and are read in place. Work is split across threads by regions of C (never along k), each thread
/// packing what its region needs, so every element of C sees the same sequence of floating-point operations
/// whatever the thread count: results are bitwise reproducible.
/// </summary>
internal static unsafe class BlockedGemm<TOps, TVector, T, TShape>
    where TOps : IVectorOps<TVector, T>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TShape : ITileShape
{
    [ThreadStatic]
    private static Job? cachedJob;

    private static int Mr => MicroKernel<TOps, TVector, T, TShape>.Mr;

    private static int Nr => MicroKernel<TOps, TVector, T, TShape>.Nr;

    public static void Run(in GemmProblem<T> problem)
    {
        int threads = Parallelism.NumThreads;
        double itemWork = GemmTuning.Work(problem.M, problem.N, problem.K);
        if (threads == 1 || !GemmTuning.WorthSplitting(problem.M, problem.N, problem.K, problem.Batch))
        {
            for (int t = 0; t < problem.Batch; t++)
            {
                Region(problem, t, 0, problem.M, 0, problem.N);
            }

            return;
        }

        var job = cachedJob ??= new Job();
        job.Problem = problem;

        // Whole items per thread when they divide evenly or are too small to split; otherwise split each item.
        if (problem.Batch > 1 && (problem.Batch % threads == 0 || problem.Batch >= 4 * threads || itemWork < 4 * GemmTuning.MinTaskWork))
        {
            job.Item = -1;
            Parallelism.For(problem.Batch, job.Body);
            return;
        }

        int tasks = (int)Math.Clamp(itemWork / GemmTuning.MinTaskWork, 1, threads);
        job.Partition(tasks);
        for (int t = 0; t < problem.Batch; t++)
        {
            job.Item = t;
            Parallelism.For(job.TileRows * job.TileCols, job.Body);
        }
    }

    /// <summary>Computes rows [i0, i1) × columns [j0, j1) of item <paramref name="t"/> of C on the calling thread.</summary>
    private static void Region(in GemmProblem<T> problem, int t, int i0, int i1, int j0, int j1)
    {
        int k = problem.K;
        int mr = Mr, nr = Nr;
        int kSlices = (k + GemmTuning.Kc - 1) / GemmTuning.Kc;
        int kcMax = (k + kSlices - 1) / kSlices;
        int mcMax = RoundUp(Math.Min(GemmTuning.Mc, i1 - i0), mr);
        int ncMax = RoundUp(Math.Min(GemmTuning.Nc, j1 - j0), nr);
        T* packA = PackBuffers<T>.Rent((mcMax * kcMax) + (ncMax * kcMax));
        T* packB = packA + (mcMax * kcMax);
        T* a = problem.A + (t * problem.ABatchStride);
        T* b = problem.B + (t * problem.BBatchStride);
        T* c = problem.C + (t * problem.CBatchStride);
        nint aRowStride = problem.ARowStride, aColStride = problem.AColStride;
        nint bRowStride = problem.BRowStride, bColStride = problem.BColStride;

        bool inPlaceA = ReadsAInPlace(problem, out nint aLineStride, out nint aStep);
        bool inPlaceB = ReadsBInPlace(problem);
        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                T* blockB = b + (pc * bRowStride) + (jc * bColStride);
                int packedFromB = inPlaceB ? nc / nr * nr : 0;
                Packing<T>.PackB(kc, nc - packedFromB, blockB + (packedFromB * bColStride), bRowStride, bColStride, nr, packB + (packedFromB * kc));
                var panelsB = new Panels(inPlaceB ? blockB : null, 1, bRowStride, packB, packedFromB, nr);

                // Later k slices add onto the partial sums the earlier ones left in C.
                T beta = pc == 0 ? problem.Beta : T.One;
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    T* blockA = a + (ic * aRowStride) + (pc * aColStride);
                    int packedFromA = inPlaceA ? mc / mr * mr : 0;
                    Packing<T>.PackA(mc - packedFromA, kc, blockA + (packedFromA * aRowStride), aRowStride, aColStride, mr, packA + (packedFromA * kc));
                    var panelsA = new Panels(inPlaceA ? blockA : null, aLineStride, aStep, packA, packedFromA, mr);
                    Macro(mc, nc, kc, panelsA, panelsB, c + (ic * problem.CRowStride) + (jc * problem.CColStride), problem.CRowStride, problem.CColStride, problem.Alpha, beta);
                }
            }
        }
    }

    /// <summary>
    /// Whether A is read in place rather than packed, and if so its strides between rows and between steps of k.
    /// An operand whose elements within a panel sit close together is read in place, because packing it would
    /// cost about as much as the product; for A either layout qualifies, since the kernel broadcasts single
    /// elements. Only a partial last panel is then packed, as reading a whole panel there would run past A.
    /// </summary>
    private static bool ReadsAInPlace(in GemmProblem<T> problem, out nint lineStride, out nint step)
    {
        (lineStride, step) = problem.ARowStride == 1 ? ((nint)1, problem.AColStride) : (problem.ARowStride, (nint)1);
        return (problem.ARowStride == 1 || problem.AColStride == 1) && Math.Max(lineStride, step) * sizeof(T) <= GemmTuning.InPlaceStrideBytes;
    }

    /// <summary>Whether B is read in place: only rows of contiguous columns qualify, as the kernel loads whole vectors.</summary>
    private static bool ReadsBInPlace(in GemmProblem<T> problem) =>
        problem.BColStride == 1 && problem.BRowStride * sizeof(T) <= GemmTuning.InPlaceStrideBytes;

    /// <summary>
    /// All MR×NR tiles of an mc×nc block of C. Tiles at the bottom and right edges run the narrowest kernel that
    /// covers them; tiles that are partial even for that kernel, or whose columns are not contiguous (C computed as
    /// its transpose), go through a scratch tile with unit column stride.
    /// </summary>
    [SkipLocalsInit]
    private static void Macro(int mc, int nc, int kc, Panels panelsA, Panels panelsB, T* c, nint rowStride, nint colStride, T alpha, T beta)
    {
        int mr = Mr, nr = Nr;
        bool betaIsZero = beta == T.Zero;
        T* tile = stackalloc T[mr * nr];
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* panelB = panelsB.Panel(jr, kc, out _, out nint bStep);
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                T* panelA = panelsA.Panel(ir, kc, out nint aLineStride, out nint aStep);
                T* target = c + (ir * rowStride) + (jr * colStride);
                if (rows == mr && cols == nr && colStride == 1)
                {
                    MicroKernel<TOps, TVector, T, TShape>.Run(kc, panelA, aLineStride, aStep, panelB, bStep, target, rowStride, alpha, beta, betaIsZero);
                    continue;
                }

                // Every kernel shape runs the same arithmetic per element, so edge elements round like interior ones.
                int kernelRows = rows > 4 ? mr : rows > 2 ? 4 : rows;
                int kernelCols = cols > TOps.Count ? 2 * TOps.Count : TOps.Count;
                bool direct = rows == kernelRows && cols == kernelCols && colStride == 1;
                T* output = direct ? target : tile;
                nint outputStride = direct ? rowStride : nr;
                if (!direct && !betaIsZero)
                {
                    CopyTile(rows, cols, target, rowStride, colStride, tile, nr, 1);
                }

                switch (kernelRows, kernelCols > TOps.Count)
                {
                    case (1, false):
                        MicroKernel<TOps, TVector, T, OneByOne>.Run(kc, panelA, aLineStride, aStep, panelB, bStep, output, outputStride, alpha, beta, betaIsZero);
                        break;
                    case (1, true):
                        MicroKernel<TOps, TVector, T, OneByTwo>.Run(kc, panelA, aLineStride, aStep, panelB, bStep, output, outputStride, alpha, beta, betaIsZero);
                        break;
                    case (2, false):
                        MicroKernel<TOps, TVector, T, TwoByOne>.Run(kc, panelA, aLineStride, aStep, panelB, bStep, output, outputStride, alpha, beta, betaIsZero);
                        break;
                    case (2, true):
                        MicroKernel<TOps, TVector, T, TwoByTwo>.Run(kc, panelA, aLineStride, aStep, panelB, bStep, output, outputStride, alpha, beta, betaIsZero);
                        break;
                    case (4, false):
                        MicroKernel<TOps, TVector, T, FourByOne>.Run(kc, panelA, aLineStride, aStep, panelB, bStep, output, outputStride, alpha, beta, betaIsZero);
                        break;
                    case (4, true):
                        MicroKernel<TOps, TVector, T, FourByTwo>.Run(kc, panelA, aLineStride, aStep, panelB, bStep, output, outputStride, alpha, beta, betaIsZero);
                        break;
                    case (_, false):
                        MicroKernel<TOps, TVector, T, FullByOne>.Run(kc, panelA, aLineStride, aStep, panelB, bStep, output, outputStride, alpha, beta, betaIsZero);
                        break;
                    default:
                        MicroKernel<TOps, TVector, T, FullByTwo>.Run(kc, panelA, aLineStride, aStep, panelB, bStep, output, outputStride, alpha, beta, betaIsZero);
                        break;
                }

                if (!direct)
                {
                    CopyTile(rows, cols, tile, nr, 1, target, rowStride, colStride);
                }
            }
        }
    }

    private static void CopyTile(int rows, int cols, T* source, nint sourceRowStride, nint sourceColStride, T* destination, nint destinationRowStride, nint destinationColStride)
    {
        for (int r = 0; r < rows; r++)
        {
            T* from = source + (r * sourceRowStride);
            T* to = destination + (r * destinationRowStride);
            for (int j = 0; j < cols; j++)
            {
                to[j * destinationColStride] = from[j * sourceColStride];
            }
        }
    }

    /// <summary>
    /// Where the panels of one operand block live: the first <see cref="packedFrom"/> lines (rows of A, columns of
    /// B) are read in place at <see cref="inPlace"/>, line r of step p at r·lineStride + p·step; the rest come from
    /// the packed buffer, whose panels hold their lines contiguously, one step every <see cref="width"/> elements.
    /// </summary>
    private readonly struct Panels(T* inPlace, nint lineStride, nint step, T* packed, int packedFrom, int width)
    {
        private readonly T* inPlace = inPlace;
        private readonly nint lineStride = lineStride;
        private readonly nint step = step;
        private readonly T* packed = packed;
        private readonly int packedFrom = packedFrom;
        private readonly int width = width;

        /// <summary>Returns the panel starting at line <paramref name="offset"/> of the block, with its strides.</summary>
        public T* Panel(int offset, int kc, out nint panelLineStride, out nint panelStep)
        {
            if (offset < packedFrom)
            {
                panelLineStride = lineStride;
                panelStep = step;
                return inPlace + (offset * lineStride);
            }

            panelLineStride = 1;
            panelStep = width;
            return packed + (offset * kc);
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

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
        /// that packs the least, counting a transposing copy as twice a straight one and reading in place as free.
        /// </summary>
        public void Partition(int tasks)
        {
            int rowPanels = (Problem.M + Mr - 1) / Mr;
            int colPanels = (Problem.N + Nr - 1) / Nr;
            long aCost = ReadsAInPlace(Problem, out _, out _) ? 0 : (long)Problem.M * (Problem.ARowStride == 1 ? 1 : 2);
            long bCost = ReadsBInPlace(Problem) ? 0 : (long)Problem.N * (Problem.BColStride == 1 ? 1 : 2);
            long best = long.MaxValue;
            TileRows = Math.Min(tasks, rowPanels);
            TileCols = 1;
            for (int rowsSplit = 1; rowsSplit <= tasks; rowsSplit++)
            {
                int colsSplit = tasks / rowsSplit;
                if (rowsSplit * colsSplit != tasks || rowsSplit > rowPanels || colsSplit > colPanels)
                {
                    continue;
                }

                long packed = (colsSplit * aCost) + (rowsSplit * bCost);
                if (packed < best)
                {
                    best = packed;
                    TileRows = rowsSplit;
                    TileCols = colsSplit;
                }
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
