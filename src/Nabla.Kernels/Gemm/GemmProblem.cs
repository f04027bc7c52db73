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

    /// <summary>The cache blocks, from <see cref="GemmConfiguration"/> or set by the caller.</summary>
    public GemmBlocks Blocks;

    /// <summary>
    /// All of B already packed into panels for this problem's tile and blocks (see <see cref="GemmPackedB{T}"/>), or null
    /// to pack B from <see cref="B"/> as the product goes.
    /// </summary>
    public T* PackedB;

    /// <summary>The same product seen as Cᵀ = Bᵀ·Aᵀ: operands swap roles and C is walked by columns.</summary>
    public readonly GemmProblem<T> Transposed() => this with
    {
        M = N,
        N = M,
        A = B,
        ABatchStride = BBatchStride,
        ARowStride = BColStride,
        AColStride = BRowStride,
        B = A,
        BBatchStride = ABatchStride,
        BRowStride = AColStride,
        BColStride = ARowStride,
        CRowStride = CColStride,
        CColStride = CRowStride,
    };
}
