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
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <exception cref="ArgumentException">A size or stride is negative, a span is too short for its extents, or rows of C overlap.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static void Multiply<T>(int m, int n, int k, T alpha, ReadOnlySpan<T> a, int aRowStride, int aColStride,
        ReadOnlySpan<T> b, int bRowStride, int bColStride, T beta, Span<T> c, int cRowStride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmArguments.Validate<T>("Gemm.Multiply", 1, m, n, k, a.Length, 0, aRowStride, aColStride, b.Length, 0, bRowStride, bColStride, c.Length, 0, cRowStride);
        GemmDriver<T>.Run(1, m, n, k, alpha, a, 0, aRowStride, aColStride, b, 0, bRowStride, bColStride, beta, c, 0, cRowStride);
    }

    /// <summary>
    /// Packs the k×n operand B of m×n×k products, laid out as in
    /// <see cref="Multiply{T}(int, int, int, T, ReadOnlySpan{T}, int, int, ReadOnlySpan{T}, int, int, T, Span{T}, int)"/>,
    /// once into the panels the product streams, for products that use it again (see <see cref="GemmPackedB{T}"/>).
    /// Dispose the result to return its buffer to the pool.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <exception cref="ArgumentException">A size or stride is negative, or the span is too short for B's extent.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static GemmPackedB<T> PackB<T>(int m, int n, int k, ReadOnlySpan<T> b, int bRowStride, int bColStride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmArguments.ValidateB<T>("Gemm.PackB", m, n, k, b.Length, bRowStride, bColStride);
        return GemmDriver<T>.PackB(m, n, k, b, bRowStride, bColStride);
    }

    /// <summary>
    /// Computes C = <paramref name="alpha"/>·A·B + <paramref name="beta"/>·C as
    /// <see cref="Multiply{T}(int, int, int, T, ReadOnlySpan{T}, int, int, ReadOnlySpan{T}, int, int, T, Span{T}, int)"/>
    /// does, bit for bit, with B packed beforehand by <see cref="PackB{T}"/> for this m, n and k.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <exception cref="ArgumentException">B was packed for other sizes, a size or stride is negative, a span is too short for its extents, or rows of C overlap.</exception>
    /// <exception cref="ObjectDisposedException">B has been disposed.</exception>
    public static void Multiply<T>(int m, int n, int k, T alpha, ReadOnlySpan<T> a, int aRowStride, int aColStride,
        GemmPackedB<T> b, T beta, Span<T> c, int cRowStride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(b);
        if (b.M != m || b.N != n || b.K != k)
            throw new ArgumentException($"Gemm.Multiply: B was packed for {b.M}×{b.N}×{b.K} products (m×n×k), got {m}×{n}×{k}.", nameof(b));
        GemmArguments.Validate<T>("Gemm.Multiply", 1, m, n, k, a.Length, 0, aRowStride, aColStride, b.Buffer.Length, 0, 0, 0, c.Length, 0, cRowStride);
        GemmDriver<T>.Run(m, n, k, alpha, a, aRowStride, aColStride, b, beta, c, cRowStride);
    }

    /// <summary>
    /// Computes C_t = <paramref name="alpha"/>·A_t·B_t + <paramref name="beta"/>·C_t for every t in [0, batch), where
    /// item t of each operand starts at t times its batch stride and is laid out as in
    /// <see cref="Multiply{T}(int, int, int, T, ReadOnlySpan{T}, int, int, ReadOnlySpan{T}, int, int, T, Span{T}, int)"/>.
    /// A batch stride of 0 for A or B broadcasts that operand over the batch; the items of C must not overlap.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <exception cref="ArgumentException">A size or stride is negative, a span is too short for its extents, or items or rows of C overlap.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static void MultiplyBatched<T>(int batch, int m, int n, int k, T alpha,
        ReadOnlySpan<T> a, int aBatchStride, int aRowStride, int aColStride,
        ReadOnlySpan<T> b, int bBatchStride, int bRowStride, int bColStride,
        T beta, Span<T> c, int cBatchStride, int cRowStride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmArguments.Validate<T>("Gemm.MultiplyBatched", batch, m, n, k, a.Length, aBatchStride, aRowStride, aColStride, b.Length, bBatchStride, bRowStride, bColStride, c.Length, cBatchStride, cRowStride);
        GemmDriver<T>.Run(batch, m, n, k, alpha, a, aBatchStride, aRowStride, aColStride, b, bBatchStride, bRowStride, bColStride, beta, c, cBatchStride, cRowStride);
    }
}
