using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// The forward convolution, one image per item: per group, the output is the weights times the im2col matrix of the
/// input, built one row tile at a time. The weights come transposed by <see cref="TransposeWeights"/>, and
/// <c>bias</c> is null for none.
/// </summary>
internal readonly unsafe struct ConvForward<T>(ConvLayout l, T* x, T* weightT, T* bias, T* y) : IParallelWork
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Writes each group's weights as K × OC/G. GEMM packs a column-major A with plain copies, so the weights are
    /// transposed once per call rather than by the packing of every image's GEMM.
    /// </summary>
    public static void TransposeWeights(in ConvLayout l, ReadOnlySpan<T> weight, T* weightT)
    {
        for (int group = 0; group < l.Groups; group++)
        {
            int start = group * l.GroupOut * l.K;
            for (int o = 0; o < l.GroupOut; o++)
            {
                for (int k = 0; k < l.K; k++)
                    weightT[start + (k * l.GroupOut) + o] = weight[start + (o * l.K) + k];
            }
        }
    }

    public void Run(int n)
    {
        T* cols = l.ColumnTile<T>();
        for (int group = 0; group < l.Groups; group++)
        {
            T* xg = x + l.InputOffset(n, group);
            T* wg = weightT + l.WeightOffset(group);
            T* yg = y + l.OutputOffset(n, group);
            T beta = T.Zero;
            if (bias != null)
            {
                // Seeding the output with the bias lets the GEMM add onto it (beta = 1) instead of a second pass.
                for (int o = 0; o < l.GroupOut; o++)
                    new Span<T>(yg + ((nint)o * l.OutPlane), l.OutPlane).Fill(bias[(group * l.GroupOut) + o]);

                beta = T.One;
            }

            if (l.Pointwise)
            {
                ConvGemm.Multiply(l.GroupOut, l.OutPlane, l.K, wg, 1, l.GroupOut, xg, l.InPlane, 1, beta, yg, l.OutPlane);
                continue;
            }

            for (int row = 0; row < l.G.OutHeight; row += l.TileRows)
            {
                (int rowEnd, int width) = l.Tile(row);
                Im2Col.Gather(l.G, l.GroupIn, xg, row, rowEnd, cols);
                ConvGemm.Multiply(l.GroupOut, width, l.K, wg, 1, l.GroupOut, cols, width, 1, beta, yg + ((nint)row * l.OutWidth), l.OutPlane);
            }
        }
    }
}
