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
            if (k == 0 || alpha == T.Zero)
                ScaleOnly(problem);
            else if (configuration.VectorBits == 512)
                Dispatch<Vector512Ops<T>, Vector512<T>>(problem);
            else if (configuration.VectorBits == 256)
                Dispatch<Vector256Ops<T>, Vector256<T>>(problem);
            else
                Dispatch<Vector128Ops<T>, Vector128<T>>(problem);
        }
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
        if (problem.N < TOps.Count / 2 && problem.M > problem.N)
            problem = problem.Transposed();

        TileShapes.Select(problem.M, problem.N > TOps.Count, new Blocked<TOps, TVector>(problem));
    }

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

    /// <summary>The blocked algorithm with the register tile chosen for the problem's sizes.</summary>
    private readonly struct Blocked<TOps, TVector>(GemmProblem<T> problem) : ITileAction
        where TOps : IVectorOps<TVector, T>
    {
        public void Run<TShape>()
            where TShape : ITileShape
            => BlockedGemm<TOps, TVector, T, TShape>.Run(problem);
    }
}
