using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// The weight gradient of a convolution, one contiguous range of images per item out of <c>ranges</c>, each range
/// summed into its own buffer: range 0 into the gradient <c>gw</c> itself, range r &gt; 0 into partial buffer r − 1
/// of <c>partials</c>.
/// </summary>
internal readonly unsafe struct ConvBackwardWeight<T>(ConvLayout l, T* gy, T* x, T* gw, T* partials, int ranges) : IParallelWork
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Run(int range)
    {
        (int start, int end) = WorkRanges.Part(l.Batch, ranges, range);
        Images(start, end, range == 0 ? gw : partials + ((nint)(range - 1) * l.G.WeightLength));
    }

    /// <summary>Sums the weight gradient of images [start, end) into <paramref name="sum"/>, which it overwrites.</summary>
    private void Images(int start, int end, T* sum)
    {
        T* cols = l.ColumnTile<T>();
        for (int n = start; n < end; n++)
        {
            for (int group = 0; group < l.Groups; group++)
            {
                T* gyg = gy + l.OutputOffset(n, group);
                T* xg = x + l.InputOffset(n, group);
                T* sumg = sum + l.WeightOffset(group);
                bool accumulate = n != start;
                if (l.Pointwise)
                {
                    WeightProduct(gyg, xg, l.InPlane, l.OutPlane, accumulate, sumg);
                    continue;
                }

                for (int row = 0; row < l.G.OutHeight; row += l.TileRows)
                {
                    (int rowEnd, int width) = l.Tile(row);
                    Im2Col.Gather(l.G, l.GroupIn, xg, row, rowEnd, cols);
                    WeightProduct(gyg + ((nint)row * l.OutWidth), cols, width, width, accumulate, sumg);
                    accumulate = true;
                }
            }
        }
    }

    /// <summary>
    /// g (OC/G × K) = dy·colsᵀ, or g += dy·colsᵀ when <paramref name="accumulate"/>, over <paramref name="width"/>
    /// output positions: dy is OC/G × width with row stride OutPlane, cols is K × width with row stride
    /// <paramref name="colsStride"/>. A GEMM reads colsᵀ through swapped strides.
    /// </summary>
    private void WeightProduct(T* dy, T* cols, int colsStride, int width, bool accumulate, T* g)
    {
        if (l.SmallK)
            DotProducts.Run(l.GroupOut, l.K, width, dy, l.OutPlane, cols, colsStride, accumulate, g);
        else
            ConvGemm.Multiply(l.GroupOut, l.K, width, dy, l.OutPlane, 1, cols, 1, colsStride, accumulate ? T.One : T.Zero, g, l.K);
    }
}
