using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

// The tests drive every vector width through Dispatch, including those this machine would not pick.
[assembly: InternalsVisibleTo("Nabla.Kernels.Tests")]

namespace Nabla.Kernels;

/// <summary>
/// Entry from <see cref="Gemm"/> after validation: pins the spans, settles the trivial cases, and takes the vector
/// kernel and cache blocks of <see cref="GemmConfiguration.Current"/>, then the orientation and tile shape that suit
/// the sizes.
/// </summary>
internal static unsafe class GemmDriver<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Run(int batch, int m, int n, int k, T alpha,
        ReadOnlySpan<T> a, int aBatchStride, int aRowStride, int aColStride,
        ReadOnlySpan<T> b, int bBatchStride, int bRowStride, int bColStride,
        T beta, Span<T> c, int cBatchStride, int cRowStride)
    {
        if (batch == 0 || m == 0 || n == 0)
            return;

        var configuration = GemmConfiguration.Current;
        fixed (T* pa = a, pb = b, pc = c)
        {
            var problem = new GemmProblem<T>
            {
                Batch = batch,
                M = m,
                N = n,
                K = k,
                Alpha = alpha,
                Beta = beta,
                A = pa,
                ABatchStride = aBatchStride,
                ARowStride = aRowStride,
                AColStride = aColStride,
                B = pb,
                BBatchStride = bBatchStride,
                BRowStride = bRowStride,
                BColStride = bColStride,
                C = pc,
                CBatchStride = cBatchStride,
                CRowStride = cRowStride,
                CColStride = 1,
                Blocks = configuration.For<T>(),
            };
            Execute(problem, configuration.VectorBits);
        }
    }

    /// <summary>
    /// C = alpha·A·B + beta·C with B packed beforehand, on the vector width and blocks it was packed for. Shapes are
    /// checked by the caller.
    /// </summary>
    public static void Run(int m, int n, int k, T alpha, ReadOnlySpan<T> a, int aRowStride, int aColStride, GemmPackedB<T> b, T beta, Span<T> c, int cRowStride)
    {
        if (m == 0 || n == 0)
            return;

        fixed (T* pa = a, pb = b.Buffer, pc = c)
        {
            var problem = new GemmProblem<T>
            {
                Batch = 1,
                M = m,
                N = n,
                K = k,
                Alpha = alpha,
                Beta = beta,
                A = pa,
                ARowStride = aRowStride,
                AColStride = aColStride,
                B = pb,
                BRowStride = b.IsPanels ? 0 : n,
                BColStride = b.IsPanels ? 0 : 1,
                PackedB = b.IsPanels ? pb : null,
                C = pc,
                CRowStride = cRowStride,
                CColStride = 1,
                Blocks = b.Blocks,
            };
            Execute(problem, b.VectorBits);
        }
    }

    /// <summary>Packs B for m×n×k products with the vector width and blocks of <see cref="GemmConfiguration.Current"/>.</summary>
    public static GemmPackedB<T> PackB(int m, int n, int k, ReadOnlySpan<T> b, int bRowStride, int bColStride)
    {
        var configuration = GemmConfiguration.Current;
        return PackB(configuration.VectorBits, configuration.For<T>(), m, n, k, b, bRowStride, bColStride);
    }

    /// <summary>Packs B for m×n×k products with the register tile of <paramref name="vectorBits"/> (512, 256 or 128) and <paramref name="blocks"/>.</summary>
    internal static GemmPackedB<T> PackB(int vectorBits, GemmBlocks blocks, int m, int n, int k, ReadOnlySpan<T> b, int bRowStride, int bColStride) =>
        vectorBits switch
        {
            512 => PackB<Vector512Ops<T>, Vector512<T>>(blocks, m, n, k, b, bRowStride, bColStride),
            256 => PackB<Vector256Ops<T>, Vector256<T>>(blocks, m, n, k, b, bRowStride, bColStride),
            _ => PackB<Vector128Ops<T>, Vector128<T>>(blocks, m, n, k, b, bRowStride, bColStride),
        };

    /// <summary>
    /// Packs the k×n operand B of m×n×k products for the register tile of <typeparamref name="TOps"/> and
    /// <paramref name="blocks"/>: into panels, or row-major when the products are computed as their transposes (B then
    /// takes the place of A) or are empty.
    /// </summary>
    internal static GemmPackedB<T> PackB<TOps, TVector>(GemmBlocks blocks, int m, int n, int k, ReadOnlySpan<T> b, int bRowStride, int bColStride)
        where TOps : IVectorOps<TVector, T>
    {
        int bits = TOps.Count * sizeof(T) * 8;
        fixed (T* pb = b)
        {
            var problem = new GemmProblem<T> { Batch = 1, M = m, N = n, K = k, B = pb, BRowStride = bRowStride, BColStride = bColStride, Blocks = blocks };
            if (m == 0 || n == 0 || k == 0 || ComputesTransposed<TOps, TVector>(problem))
            {
                var plain = ArrayPool<T>.Shared.Rent(Math.Max(1, n * k));
                for (int p = 0; p < k; p++)
                {
                    for (int j = 0; j < n; j++)
                        plain[(p * n) + j] = pb[(p * (nint)bRowStride) + (j * (nint)bColStride)];
                }
                return new GemmPackedB<T>(m, n, k, bits, blocks, panels: false, plain);
            }

            var packing = new PanelPacking<TOps, TVector>(problem);
            TileShapes.Select(m, n > TOps.Count, packing);
            return new GemmPackedB<T>(m, n, k, bits, blocks, panels: true, packing.Result.Value!);
        }
    }

    /// <summary>The kernel of the width the configuration or a packed operand names, or C = beta·C when A·B adds nothing.</summary>
    private static void Execute(in GemmProblem<T> problem, int vectorBits)
    {
        if (problem.K == 0 || problem.Alpha == T.Zero)
            ScaleOnly(problem);
        else if (vectorBits == 512)
            Dispatch<Vector512Ops<T>, Vector512<T>>(problem);
        else if (vectorBits == 256)
            Dispatch<Vector256Ops<T>, Vector256<T>>(problem);
        else
            Dispatch<Vector128Ops<T>, Vector128<T>>(problem);
    }

    /// <summary>
    /// Picks the orientation and tile shape from the sizes alone (never from the thread count, which keeps results
    /// reproducible). Vectors run along the columns of C unless C is only a few columns wide, in which case the
    /// product is computed as its transpose so that vectors run down the long side; tiles are cut to the size of C
    /// when it is thinner than a full tile. The cache blocks are the problem's own.
    /// </summary>
    internal static void Dispatch<TOps, TVector>(GemmProblem<T> problem)
        where TOps : IVectorOps<TVector, T>
    {
        if (ComputesTransposed<TOps, TVector>(problem))
            problem = problem.Transposed();

        TileShapes.Select(problem.M, problem.N > TOps.Count, new Blocked<TOps, TVector>(problem));
    }

    /// <summary>Whether the product is computed as Cᵀ = Bᵀ·Aᵀ: C only a few columns wide and taller than wide.</summary>
    private static bool ComputesTransposed<TOps, TVector>(in GemmProblem<T> problem)
        where TOps : IVectorOps<TVector, T>
        => problem.N < TOps.Count / 2 && problem.M > problem.N;

    /// <summary>C = beta·C, the whole product when A·B contributes nothing (k = 0 or alpha = 0, as in BLAS).</summary>
    private static void ScaleOnly(in GemmProblem<T> problem)
    {
        for (int t = 0; t < problem.Batch; t++)
        {
            for (int i = 0; i < problem.M; i++)
            {
                var row = new Span<T>(problem.C + (t * problem.CBatchStride) + (i * problem.CRowStride), problem.N);
                if (problem.Beta == T.Zero)
                {
                    row.Clear();
                }
                else
                {
                    foreach (ref T value in row)
                        value *= problem.Beta;
                }
            }
        }
    }

    /// <summary>Packs all of B into panels for the register tile chosen for the problem's sizes, into a pooled buffer.</summary>
    private readonly struct PanelPacking<TOps, TVector>(GemmProblem<T> problem) : ITileAction
        where TOps : IVectorOps<TVector, T>
    {
        public StrongBox<T[]> Result { get; } = new();

        public void Run<TShape>()
            where TShape : ITileShape
        {
            var buffer = ArrayPool<T>.Shared.Rent(BlockedGemm<TOps, TVector, T, TShape>.PackedBLength(problem.N, problem.K));
            fixed (T* destination = buffer)
                BlockedGemm<TOps, TVector, T, TShape>.PackB(problem, destination);
            Result.Value = buffer;
        }
    }

    /// <summary>The blocked algorithm with the register tile chosen for the problem's sizes.</summary>
    private readonly struct Blocked<TOps, TVector>(GemmProblem<T> problem) : ITileAction
        where TOps : IVectorOps<TVector, T>
    {
        public void Run<TShape>()
            where TShape : ITileShape
            => BlockedGemm<TOps, TVector, T, TShape>.Run(problem);
    }
}
