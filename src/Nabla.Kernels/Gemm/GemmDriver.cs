using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

// The tests drive every vector width through Dispatch, including those this machine would not pick.
[assembly: InternalsVisibleTo("Nabla.Kernels.Tests")]

namespace Nabla.Kernels;

/// <summary>One GEMM call's operands, with pointers into memory pinned for the duration of the call.</summary>
internal unsafe struct GemmProblem<T>
    where T : unmanaged
{
    public int Batch, M, N, K;
    public T Alpha, Beta;
    public T* A, B, C;
    public nint ABatchStride, ARowStride, AColStride;
    public nint BBatchStride, BRowStride, BColStride;
    public nint CBatchStride, CRowStride, CColStride;

    /// <summary>The same product seen as Cᵀ = Bᵀ·Aᵀ: operands swap roles and C is walked by columns.</summary>
    public readonly GemmProblem<T> Transposed() => this with
    {
        M = N, N = M,
        A = B, ABatchStride = BBatchStride, ARowStride = BColStride, AColStride = BRowStride,
        B = A, BBatchStride = ABatchStride, BRowStride = AColStride, BColStride = ARowStride,
        CRowStride = CColStride, CColStride = CRowStride,
    };
}

/// <summary>
/// Entry from <see cref="Gemm"/> after validation: pins the spans, settles the trivial cases, and picks the widest
/// vector kernel the hardware runs natively, then the orientation and tile shape that suit the sizes.
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
        {
            return;
        }

        fixed (T* pa = a, pb = b, pc = c)
        {
            var problem = new GemmProblem<T>
            {
                Batch = batch, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa, ABatchStride = aBatchStride, ARowStride = aRowStride, AColStride = aColStride,
                B = pb, BBatchStride = bBatchStride, BRowStride = bRowStride, BColStride = bColStride,
                C = pc, CBatchStride = cBatchStride, CRowStride = cRowStride, CColStride = 1,
            };
            if (k == 0 || alpha == T.Zero)
            {
                ScaleOnly(problem);
            }
            else if (Vector512Ops<T>.IsSupported)
            {
                Dispatch<Vector512Ops<T>, Vector512<T>>(problem);
            }
            else if (Vector256Ops<T>.IsSupported)
            {
                Dispatch<Vector256Ops<T>, Vector256<T>>(problem);
            }
            else
            {
                Dispatch<Vector128Ops<T>, Vector128<T>>(problem);
            }
        }
    }

    /// <summary>
    /// Picks the orientation and tile shape from the sizes alone (never from the thread count, which keeps results
    /// reproducible). Vectors run along the columns of C unless C is only a few columns wide, in which case the
    /// product is computed as its transpose so that vectors run down the long side; tiles are cut to the size of C
    /// when it is thinner than a full tile.
    /// </summary>
    internal static void Dispatch<TOps, TVector>(GemmProblem<T> problem)
        where TOps : IVectorOps<TVector, T>
    {
        if (problem.N < TOps.Count / 2 && problem.M > problem.N)
        {
            problem = problem.Transposed();
        }

        bool wide = problem.N > TOps.Count;
        switch (problem.M)
        {
            case 1:
                Run<OneByTwo, OneByOne>(problem, wide);
                break;
            case 2:
                Run<TwoByTwo, TwoByOne>(problem, wide);
                break;
            case 3:
            case 4:
                Run<FourByTwo, FourByOne>(problem, wide);
                break;
            default:
                Run<FullByTwo, FullByOne>(problem, wide);
                break;
        }

        static void Run<TWide, TNarrow>(in GemmProblem<T> problem, bool wide)
            where TWide : ITileShape
            where TNarrow : ITileShape
        {
            if (wide)
            {
                BlockedGemm<TOps, TVector, T, TWide>.Run(problem);
            }
            else
            {
                BlockedGemm<TOps, TVector, T, TNarrow>.Run(problem);
            }
        }
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
                    {
                        value *= problem.Beta;
                    }
                }
            }
        }
    }
}
