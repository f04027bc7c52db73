using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// General matrix multiplication on strided operands: C = alpha·A·B + beta·C. Transposed operands are expressed by
/// swapping their row and column strides; nothing is ever transposed in memory.
/// </summary>
public static class Gemm
{
    /// <summary>
    /// Computes C = <paramref name="alpha"/>·A·B + <paramref name="beta"/>·C, where A is m×k with A(i,p) at
    /// <c>a[i*aRowStride + p*aColStride]</c>, B is k×n with B(p,j) at <c>b[p*bRowStride + j*bColStride]</c>, and C is
    /// m×n with C(i,j) at <c>c[i*cRowStride + j]</c>. With <paramref name="beta"/> = 0, C is write-only (NaNs in it are
    /// ignored); with k = 0, C = beta·C. Strides may be 0 to broadcast a row or column.
    /// </summary>
    /// <exception cref="ArgumentException">A size or stride is negative, a span is too short for its extents, or rows of C overlap.</exception>
    public static void Multiply(int m, int n, int k, float alpha, ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride, float beta, Span<float> c, int cRowStride)
    {
        GemmArguments.Validate("Gemm.Multiply", 1, m, n, k, a.Length, 0, aRowStride, aColStride, b.Length, 0, bRowStride, bColStride, c.Length, 0, cRowStride);
        GemmDriver<float>.Run(1, m, n, k, alpha, a, 0, aRowStride, aColStride, b, 0, bRowStride, bColStride, beta, c, 0, cRowStride);
    }

    /// <summary>
    /// Computes C = <paramref name="alpha"/>·A·B + <paramref name="beta"/>·C in double precision, with the same
    /// layout rules as the <see cref="float"/> overload.
    /// </summary>
    /// <exception cref="ArgumentException">A size or stride is negative, a span is too short for its extents, or rows of C overlap.</exception>
    public static void Multiply(int m, int n, int k, double alpha, ReadOnlySpan<double> a, int aRowStride, int aColStride,
        ReadOnlySpan<double> b, int bRowStride, int bColStride, double beta, Span<double> c, int cRowStride)
    {
        GemmArguments.Validate("Gemm.Multiply", 1, m, n, k, a.Length, 0, aRowStride, aColStride, b.Length, 0, bRowStride, bColStride, c.Length, 0, cRowStride);
        GemmDriver<double>.Run(1, m, n, k, alpha, a, 0, aRowStride, aColStride, b, 0, bRowStride, bColStride, beta, c, 0, cRowStride);
    }

    /// <summary>
    /// Computes C_t = <paramref name="alpha"/>·A_t·B_t + <paramref name="beta"/>·C_t for every t in [0, batch), where
    /// item t of each operand starts at t times its batch stride and is laid out as in
    /// <see cref="Multiply(int, int, int, float, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, float, Span{float}, int)"/>.
    /// A batch stride of 0 for A or B broadcasts that operand over the batch; the items of C must not overlap.
    /// </summary>
    /// <exception cref="ArgumentException">A size or stride is negative, a span is too short for its extents, or items or rows of C overlap.</exception>
    public static void MultiplyBatched(int batch, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int aBatchStride, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bBatchStride, int bRowStride, int bColStride,
        float beta, Span<float> c, int cBatchStride, int cRowStride)
    {
        GemmArguments.Validate("Gemm.MultiplyBatched", batch, m, n, k, a.Length, aBatchStride, aRowStride, aColStride, b.Length, bBatchStride, bRowStride, bColStride, c.Length, cBatchStride, cRowStride);
        GemmDriver<float>.Run(batch, m, n, k, alpha, a, aBatchStride, aRowStride, aColStride, b, bBatchStride, bRowStride, bColStride, beta, c, cBatchStride, cRowStride);
    }

    /// <summary>
    /// Computes C_t = <paramref name="alpha"/>·A_t·B_t + <paramref name="beta"/>·C_t for every t in [0, batch) in double
    /// precision, with the same layout rules as the <see cref="float"/> overload.
    /// </summary>
    /// <exception cref="ArgumentException">A size or stride is negative, a span is too short for its extents, or items or rows of C overlap.</exception>
    public static void MultiplyBatched(int batch, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int aBatchStride, int aRowStride, int aColStride,
        ReadOnlySpan<double> b, int bBatchStride, int bRowStride, int bColStride,
        double beta, Span<double> c, int cBatchStride, int cRowStride)
    {
        GemmArguments.Validate("Gemm.MultiplyBatched", batch, m, n, k, a.Length, aBatchStride, aRowStride, aColStride, b.Length, bBatchStride, bRowStride, bColStride, c.Length, cBatchStride, cRowStride);
        GemmDriver<double>.Run(batch, m, n, k, alpha, a, aBatchStride, aRowStride, aColStride, b, bBatchStride, bRowStride, bColStride, beta, c, cBatchStride, cRowStride);
    }
}
