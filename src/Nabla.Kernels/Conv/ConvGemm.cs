using System.Numerics;

namespace Nabla.Kernels;

/// <summary>The GEMMs of a convolution, on operands its kernels hold as pointers into pinned memory.</summary>
internal static unsafe class ConvGemm
{
    /// <summary>
    /// C = A·B + beta·C through <see cref="Gemm.Multiply{T}(int, int, int, T, ReadOnlySpan{T}, int, int, ReadOnlySpan{T}, int, int, T, Span{T}, int)"/>,
    /// with each operand's span covering exactly its strided extent.
    /// </summary>
    public static void Multiply<T>(int m, int n, int k, T* a, int aRowStride, int aColStride,
        T* b, int bRowStride, int bColStride, T beta, T* c, int cRowStride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var aSpan = new ReadOnlySpan<T>(a, Extent(m, k, aRowStride, aColStride));
        var bSpan = new ReadOnlySpan<T>(b, Extent(k, n, bRowStride, bColStride));
        var cSpan = new Span<T>(c, Extent(m, n, cRowStride, 1));
        Gemm.Multiply(m, n, k, T.One, aSpan, aRowStride, aColStride, bSpan, bRowStride, bColStride, beta, cSpan, cRowStride);
    }

    private static int Extent(int rows, int cols, int rowStride, int colStride)
        => rows == 0 || cols == 0 ? 0 : ((rows - 1) * rowStride) + ((cols - 1) * colStride) + 1;
}
