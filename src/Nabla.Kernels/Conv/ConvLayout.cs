namespace Nabla.Kernels;

/// <summary>Per-call sizes of a convolution, derived once from its geometry.</summary>
internal readonly struct ConvLayout
{
    /// <summary>Most elements of one im2col tile: a whole small image fits, and large images are cut into row tiles.</summary>
    private const int ColumnTileElements = 1 << 17;

    /// <summary>Largest K whose weight gradient is computed by <see cref="DotProducts"/>.</summary>
    private const int SmallKLimit = 32;

    public readonly Conv2dGeometry G;
    public readonly int Batch, Groups, GroupIn, GroupOut, InPlane, OutWidth, OutPlane;

    /// <summary>Rows of the per-group im2col matrix: (C/Groups)·KH·KW.</summary>
    public readonly int K;

    /// <summary>Output rows per im2col tile.</summary>
    public readonly int TileRows;

    /// <summary>1×1 kernel, stride 1, no padding: the input plane already is the im2col matrix.</summary>
    public readonly bool Pointwise;

    /// <summary>
    /// K is small enough for the weight gradient to be computed as blocks of dot products rather than a GEMM,
    /// whose tiles a first layer (K = 9 for one input channel and a 3×3 kernel) would mostly leave empty, and
    /// whose packing would have to transpose both operands.
    /// </summary>
    public readonly bool SmallK;

    public ConvLayout(in Conv2dGeometry g)
    {
        G = g;
        Batch = g.Batch;
        Groups = g.Groups;
        GroupIn = g.InChannels / g.Groups;
        GroupOut = g.OutChannels / g.Groups;
        InPlane = g.InHeight * g.InWidth;
        OutWidth = g.OutWidth;
        OutPlane = g.OutHeight * g.OutWidth;
        K = GroupIn * g.KernelHeight * g.KernelWidth;
        TileRows = Math.Clamp(ColumnTileElements / Math.Max(1, K * OutWidth), 1, g.OutHeight);
        Pointwise = g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;
        SmallK = K <= SmallKLimit;
    }

    /// <summary>Multiply-adds of one image: OC·K·OH·OW.</summary>
    public long WorkPerImage => (long)GroupOut * Groups * K * OutPlane;

    /// <summary>Offset of group <paramref name="group"/> of image <paramref name="n"/> in the input: (n·Groups + group)·(C/G)·H·W.</summary>
    public nint InputOffset(int n, int group) => (((nint)n * Groups) + group) * GroupIn * InPlane;

    /// <summary>Offset of group <paramref name="group"/> of image <paramref name="n"/> in the output: (n·Groups + group)·(OC/G)·OH·OW.</summary>
    public nint OutputOffset(int n, int group) => (((nint)n * Groups) + group) * GroupOut * OutPlane;

    /// <summary>Offset of group <paramref name="group"/> in the weights: group·(OC/G)·K.</summary>
    public nint WeightOffset(int group) => (nint)group * GroupOut * K;

    /// <summary>
    /// The im2col tile that starts at output row <paramref name="row"/> (a multiple of <see cref="TileRows"/>): it ends
    /// at row End and spans Width output positions.
    /// </summary>
    public (int End, int Width) Tile(int row)
    {
        int end = Math.Min(G.OutHeight, row + TileRows);
        return (end, (end - row) * OutWidth);
    }

    /// <summary>The calling thread's im2col tile, K × TileRows·OutWidth, or null for a pointwise convolution.</summary>
    public unsafe T* ColumnTile<T>()
        where T : unmanaged
        => Pointwise ? null : ScratchBuffer<T, Im2ColTile>.Rent(K * TileRows * OutWidth);

    /// <summary>Names the per-thread <see cref="ScratchBuffer{T, TUse}"/> that holds an im2col tile.</summary>
    private readonly struct Im2ColTile;
}
