using System.Buffers;
using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// The B operand of one shape of product, packed once into the panels the GEMM streams (see <see cref="Gemm.PackB{T}"/>),
/// for products that use the same B again and again, such as a recurrent weight at every step of a sequence. Each
/// product with it then skips the copy of B it would otherwise make; the results are bitwise those of
/// <see cref="Gemm.Multiply{T}(int, int, int, T, ReadOnlySpan{T}, int, int, ReadOnlySpan{T}, int, int, T, Span{T}, int)"/>
/// on the original B. The buffer comes from the shared array pool and goes back on <see cref="Dispose"/>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class GemmPackedB<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _buffer;

    internal GemmPackedB(int m, int n, int k, int vectorBits, GemmBlocks blocks, bool panels, T[] buffer)
    {
        M = m;
        N = n;
        K = k;
        VectorBits = vectorBits;
        Blocks = blocks;
        IsPanels = panels;
        _buffer = buffer;
    }

    /// <summary>Gets the rows of A and C of the products this operand was packed for.</summary>
    public int M { get; }

    /// <summary>Gets the columns of B and C.</summary>
    public int N { get; }

    /// <summary>Gets the rows of B, the depth of the products.</summary>
    public int K { get; }

    /// <summary>The vector width of the register tile the panels were cut for.</summary>
    internal int VectorBits { get; }

    /// <summary>The cache blocks the panels were cut for; the products with this operand use them.</summary>
    internal GemmBlocks Blocks { get; }

    /// <summary>
    /// Whether the buffer holds panels: every Kc-deep slice of k in turn, each as ceil(N/NR) panels of Kc×NR. Otherwise
    /// (a product thin enough to be computed as its transpose, where B takes the place of A) it holds B row-major.
    /// </summary>
    internal bool IsPanels { get; }

    /// <summary>The packed elements.</summary>
    internal T[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(GemmPackedB<T>));

    /// <summary>Returns the buffer to the pool; the operand cannot be used afterwards.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
            ArrayPool<T>.Shared.Return(buffer);
    }
}
