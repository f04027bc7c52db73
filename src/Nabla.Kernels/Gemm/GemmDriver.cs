using System.Numerics;
using System.Runtime.Intrinsics;

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
    public nint CBatchStride, CRowStride;
}

/// <summary>Entry from <see cref="Gemm"/>: pins the spans and picks the widest vector kernel the hardware runs natively.</summary>
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
                C = pc, CBatchStride = cBatchStride, CRowStride = cRowStride,
            };
            if (k == 0 || alpha == T.Zero)
            {
                ScaleOnly(problem);
            }
            else if (Vector512Ops<T>.IsSupported)
            {
                BlockedGemm<Vector512Ops<T>, Vector512<T>, T>.Run(problem);
            }
            else if (Vector256Ops<T>.IsSupported)
            {
                BlockedGemm<Vector256Ops<T>, Vector256<T>, T>.Run(problem);
            }
            else
            {
                BlockedGemm<Vector128Ops<T>, Vector128<T>, T>.Run(problem);
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
