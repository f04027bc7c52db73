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
    private static int Mr => MicroKernel<TOps, TVector, T, TShape>.Mr;

    private static int Nr => MicroKernel<TOps, TVector, T, TShape>.Nr;

    public static void Run(in GemmProblem<T> problem)
    {
        int threads = Parallelism.NumThreads;
        double itemWork = GemmTuning.Work(problem.M, problem.N, problem.K);
        if (threads == 1 || !GemmTuning.WorthSplitting(problem.M, problem.N, problem.K, problem.Batch))
        {
            for (int t = 0; t < problem.Batch; t++)
                Region(problem, t, 0, problem.M, 0, problem.N);

            return;
        }

        // Whole items per thread when they divide evenly or are too small to split; otherwise split each item.
        if (problem.Batch > 1 && (problem.Batch % threads == 0 || problem.Batch >= 4 * threads || itemWork < 4 * GemmTuning.MinTaskWork))
        {
            ParallelJob<Regions>.For(problem.Batch, new Regions(problem, -1, default));
            return;
        }

        var grid = RegionGrid.Choose(problem, (int)Math.Clamp(itemWork / GemmTuning.MinTaskWork, 1, threads));
        for (int t = 0; t < problem.Batch; t++)
            ParallelJob<Regions>.For(grid.Rows * grid.Cols, new Regions(problem, t, grid));
    }

    /// <summary>Computes rows [i0, i1) × columns [j0, j1) of item <paramref name="t"/> of C on the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Region(in GemmProblem<T> problem, int t, int i0, int i1, int j0, int j1)
    {
        int k = problem.K;
        int mr = Mr, nr = Nr;
        var blocks = problem.Blocks;
        int kcMax = SliceDepth(k, blocks);
        int mcMax = RoundUp(Math.Min(blocks.Mc, i1 - i0), mr);
        int ncMax = RoundUp(Math.Min(blocks.Nc, j1 - j0), nr);
        T* prepackedB = problem.PackedB;
        nint paddedN = RoundUp(problem.N, nr);
        T* packA = ScratchBuffer<T, PackedPanels>.Rent((mcMax * kcMax) + (prepackedB == null ? ncMax * kcMax : 0));
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
                Panels panelsB;
                if (prepackedB != null)
                {
                    panelsB = new Panels(null, 0, 0, prepackedB + (pc * paddedN) + (jc * kc), 0, nr);
                }
                else
                {
                    T* blockB = b + (pc * bRowStride) + (jc * bColStride);
                    int packedFromB = inPlaceB ? nc / nr * nr : 0;
                    Packing<T>.Pack(nc - packedFromB, kc, blockB + (packedFromB * bColStride), bColStride, bRowStride, nr, packB + (packedFromB * kc));
                    panelsB = new Panels(inPlaceB ? blockB : null, 1, bRowStride, packB, packedFromB, nr);
                }

                // Later k slices add onto the partial sums the earlier ones left in C.
                T beta = pc == 0 ? problem.Beta : T.One;
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    T* blockA = a + (ic * aRowStride) + (pc * aColStride);
                    int packedFromA = inPlaceA ? mc / mr * mr : 0;
                    Packing<T>.Pack(mc - packedFromA, kc, blockA + (packedFromA * aRowStride), aRowStride, aColStride, mr, packA + (packedFromA * kc));
                    var panelsA = new Panels(inPlaceA ? blockA : null, aLineStride, aStep, packA, packedFromA, mr);
                    Macro(mc, nc, kc, panelsA, panelsB, c + (ic * problem.CRowStride) + (jc * problem.CColStride), problem.CRowStride, problem.CColStride, problem.Alpha, beta);
                }
            }
        }
    }

    /// <summary>The depth of every k slice but the last: k split into as few equal slices as keep each within Kc.</summary>
    private static int SliceDepth(int k, GemmBlocks blocks)
    {
        int slices = (k + blocks.Kc - 1) / blocks.Kc;
        return (k + slices - 1) / slices;
    }

    /// <summary>The elements <see cref="PackB"/> writes for a k×n operand B: ceil(n/NR) panels of NR columns by k steps.</summary>
    public static int PackedBLength(int n, int k) => RoundUp(n, Nr) * k;

    /// <summary>
    /// Packs all of the problem's B into <paramref name="destination"/> in the layout <see cref="Region"/> reads through
    /// <see cref="GemmProblem{T}.PackedB"/>: the k slices one after another, each as the panels of every column, so that
    /// the panels of columns [j, …) of the slice starting at step p begin at p·RoundUp(n, NR) + j·kc.
    /// </summary>
    public static void PackB(in GemmProblem<T> problem, T* destination)
    {
        int k = problem.K, kcMax = SliceDepth(k, problem.Blocks);
        nint paddedN = RoundUp(problem.N, Nr);
        for (int pc = 0; pc < k; pc += kcMax)
            Packing<T>.Pack(problem.N, Math.Min(kcMax, k - pc), problem.B + (pc * problem.BRowStride), problem.BColStride, problem.BRowStride, Nr, destination + (pc * paddedN));
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                    CopyTile(rows, cols, target, rowStride, colStride, tile, nr, 1);

                TileShapes.Select(rows, cols > TOps.Count, new EdgeTile(kc, panelA, aLineStride, aStep, panelB, bStep, output, outputStride, alpha, beta, betaIsZero));
                if (!direct)
                    CopyTile(rows, cols, tile, nr, 1, target, rowStride, colStride);
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
                to[j * destinationColStride] = from[j * sourceColStride];
        }
    }

    /// <summary>
    /// Where the panels of one operand block live: the first <c>packedFrom</c> lines (rows of A, columns of B) are
    /// read in place at <c>inPlace</c>, line r of step p at r·lineStride + p·step; the rest come from the packed
    /// buffer, whose panels hold their lines contiguously, one step every <c>width</c> elements.
    /// </summary>
    private readonly struct Panels(T* inPlace, nint lineStride, nint step, T* packed, int packedFrom, int width)
    {
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

    /// <summary>One edge tile of C through the micro-kernel instantiation whose tile covers it most tightly.</summary>
    private readonly struct EdgeTile(int kc, T* a, nint aLineStride, nint aStep, T* b, nint bStep, T* c, nint ldc, T alpha, T beta, bool betaIsZero) : ITileAction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<TTile>()
            where TTile : ITileShape
            => MicroKernel<TOps, TVector, T, TTile>.Run(kc, a, aLineStride, aStep, b, bStep, c, ldc, alpha, beta, betaIsZero);
    }

    /// <summary>
    /// A split of each item of C into <see cref="Rows"/> × <see cref="Cols"/> regions of up to
    /// <see cref="RowsPerRegion"/> × <see cref="ColsPerRegion"/> elements.
    /// </summary>
    private readonly record struct RegionGrid(int Rows, int Cols, int RowsPerRegion, int ColsPerRegion)
    {
        /// <summary>
        /// Splits C into <paramref name="tasks"/> regions. Each region packs the A rows and B columns it needs, so
        /// splitting columns repeats A's packing and splitting rows repeats B's: picks the grid that packs the least,
        /// counting a transposing copy as twice a straight one and reading in place (or a B packed beforehand) as free.
        /// Ties go to the grid with more row splits, whose regions hold whole rows of C (on the 2-core Zen 4, Aᵀ·B 512³
        /// ran at 194–211 GFLOP/s split by rows against 185–193 split by columns).
        /// </summary>
        public static RegionGrid Choose(in GemmProblem<T> problem, int tasks)
        {
            int rowPanels = (problem.M + Mr - 1) / Mr;
            int colPanels = (problem.N + Nr - 1) / Nr;
            long aCost = ReadsAInPlace(problem, out _, out _) ? 0 : (long)problem.M * (problem.ARowStride == 1 ? 1 : 2);
            long bCost = problem.PackedB != null || ReadsBInPlace(problem) ? 0 : (long)problem.N * (problem.BColStride == 1 ? 1 : 2);
            long best = long.MaxValue;
            int rows = Math.Min(tasks, rowPanels), cols = 1;
            for (int rowsSplit = 1; rowsSplit <= tasks; rowsSplit++)
            {
                int colsSplit = tasks / rowsSplit;
                if (rowsSplit * colsSplit != tasks || rowsSplit > rowPanels || colsSplit > colPanels)
                    continue;

                long packed = (colsSplit * aCost) + (rowsSplit * bCost);
                if (packed <= best)
                {
                    best = packed;
                    rows = rowsSplit;
                    cols = colsSplit;
                }
            }

            return new RegionGrid(rows, cols, (rowPanels + rows - 1) / rows * Mr, (colPanels + cols - 1) / cols * Nr);
        }
    }

    /// <summary>
    /// The parallel part of one call: for a negative item, task t is the whole of item t of the batch; otherwise task
    /// t is region t of that item in the grid.
    /// </summary>
    private readonly struct Regions(GemmProblem<T> problem, int item, RegionGrid grid) : IParallelWork
    {
        public void Run(int task)
        {
            if (item < 0)
            {
                Region(problem, task, 0, problem.M, 0, problem.N);
                return;
            }

            int i0 = task / grid.Cols * grid.RowsPerRegion;
            int j0 = task % grid.Cols * grid.ColsPerRegion;
            if (i0 < problem.M && j0 < problem.N)
                Region(problem, item, i0, Math.Min(problem.M, i0 + grid.RowsPerRegion), j0, Math.Min(problem.N, j0 + grid.ColsPerRegion));
        }
    }
}

/// <summary>Names the per-thread <see cref="ScratchBuffer{T, TUse}"/> that holds a GEMM region's packed panels of A and B.</summary>
internal readonly struct PackedPanels;
