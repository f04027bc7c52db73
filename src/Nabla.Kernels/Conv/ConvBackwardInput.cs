using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// The input gradient of a convolution, one image per item: per group, the columns of the gradient are Wᵀ times the
/// output gradient, one row tile at a time, scattered back onto the input by col2im.
/// </summary>
internal readonly unsafe struct ConvBackwardInput<T>(ConvLayout l, T* gy, T* w, T* gx) : IParallelWork
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Run(int n)
    {
        T* cols = l.ColumnTile<T>();
        for (int group = 0; group < l.Groups; group++)
        {
            T* gyg = gy + l.OutputOffset(n, group);
            T* wg = w + l.WeightOffset(group);
            T* gxg = gx + l.InputOffset(n, group);

            // A = Wᵀ is read through swapped strides.
            if (l.Pointwise)
            {
                ConvGemm.Multiply(l.K, l.OutPlane, l.GroupOut, wg, 1, l.K, gyg, l.OutPlane, 1, T.Zero, gxg, l.InPlane);
                continue;
            }

            new Span<T>(gxg, l.GroupIn * l.InPlane).Clear();
            for (int row = 0; row < l.G.OutHeight; row += l.TileRows)
            {
                (int rowEnd, int width) = l.Tile(row);
                ConvGemm.Multiply(l.K, width, l.GroupOut, wg, 1, l.K, gyg + ((nint)row * l.OutWidth), l.OutPlane, 1, T.Zero, cols, width);
                Im2Col.ScatterAdd(l.G, l.GroupIn, cols, row, rowEnd, gxg);
            }
        }
    }
}
