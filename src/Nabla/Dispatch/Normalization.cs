using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Dispatch;

/// <summary>
/// Batch, group and layer normalisation on tensors: float inputs of one dtype in (made contiguous), fresh outputs
/// out, computed by <see cref="NormalizationKernels"/>. An (N, C, *) input is (N, C, S) with S the product of the
/// trailing dims; group norm is rows (N·groups, C/groups, S); layer norm over M trailing elements is rows (R, M, 1).
/// </summary>
internal static class Normalization
{
    /// <summary>
    /// Batch norm forward: in training writes the batch <paramref name="mean"/> and biased <paramref name="variance"/>,
    /// otherwise reads them; writes <paramref name="rstd"/>.
    /// </summary>
    public static Tensor BatchNorm(Tensor x, Tensor? w, Tensor? b, bool training, double eps, double[] mean, double[] variance, double[] rstd)
    {
        var (n, c, s) = ChannelLayout(x);
        var y = Tensor.Empty((int[])x.ShapeArray.Clone(), x.DType);
        if (x.DType == DType.Float32) BatchNormForward<float>(n, c, s, x, w, b, training, eps, mean, variance, rstd, y);
        else BatchNormForward<double>(n, c, s, x, w, b, training, eps, mean, variance, rstd, y);
        return y;
    }

    /// <summary>The gradients of batch norm for output gradient <paramref name="g"/>: those asked for, null otherwise.</summary>
    public static (Tensor? Input, Tensor? Weight, Tensor? Bias) BatchNormBackward(Tensor x, Tensor? w, Tensor g, double[] mean, double[] rstd, bool training,
        bool needInput, bool needWeight, bool needBias)
    {
        var (n, c, s) = ChannelLayout(x);
        var gx = needInput ? Tensor.Empty((int[])x.ShapeArray.Clone(), x.DType) : null;
        var gw = needWeight ? Tensor.Empty([c], x.DType) : null;
        var gb = needBias ? Tensor.Empty([c], x.DType) : null;
        if (x.DType == DType.Float32) BatchNormBackward<float>(n, c, s, x, w, g, mean, rstd, training, gx, gw, gb);
        else BatchNormBackward<double>(n, c, s, x, w, g, mean, rstd, training, gx, gw, gb);
        return (gx, gw, gb);
    }

    /// <summary>Row norm forward over (rows, K, S) views of <paramref name="x"/>; writes each row's mean and rstd.</summary>
    public static Tensor RowNorm(Tensor x, Tensor? w, Tensor? b, int rows, int groups, int channelsPerGroup, int spatial, double eps, double[] mean, double[] rstd)
    {
        var y = Tensor.Empty((int[])x.ShapeArray.Clone(), x.DType);
        if (x.DType == DType.Float32)
            NormalizationKernels.RowNormForward(rows, groups, channelsPerGroup, spatial, x.ReadContiguous<float>(), Read<float>(w), Read<float>(b), eps, mean, rstd, y.AsSpan<float>());
        else
            NormalizationKernels.RowNormForward(rows, groups, channelsPerGroup, spatial, x.ReadContiguous<double>(), Read<double>(w), Read<double>(b), eps, mean, rstd, y.AsSpan<double>());
        return y;
    }

    /// <summary>The gradients of a row norm; the weight and bias gradients have <paramref name="affineShape"/>.</summary>
    public static (Tensor? Input, Tensor? Weight, Tensor? Bias) RowNormBackward(Tensor x, Tensor? w, Tensor g, int rows, int groups, int channelsPerGroup, int spatial,
        double[] mean, double[] rstd, int[] affineShape, bool needInput, bool needWeight, bool needBias)
    {
        var gx = needInput ? Tensor.Empty((int[])x.ShapeArray.Clone(), x.DType) : null;
        var gw = needWeight ? Tensor.Empty((int[])affineShape.Clone(), x.DType) : null;
        var gb = needBias ? Tensor.Empty((int[])affineShape.Clone(), x.DType) : null;
        if (x.DType == DType.Float32)
        {
            NormalizationKernels.RowNormBackward(rows, groups, channelsPerGroup, spatial, x.ReadContiguous<float>(), Read<float>(w), Read<float>(g), mean, rstd,
                Write<float>(gx), Write<float>(gw), Write<float>(gb));
        }
        else
        {
            NormalizationKernels.RowNormBackward(rows, groups, channelsPerGroup, spatial, x.ReadContiguous<double>(), Read<double>(w), Read<double>(g), mean, rstd,
                Write<double>(gx), Write<double>(gw), Write<double>(gb));
        }
        return (gx, gw, gb);
    }

    /// <summary>(N, C, S) of an (N, C, *) input.</summary>
    private static (int N, int C, int S) ChannelLayout(Tensor x)
    {
        var shape = x.ShapeArray;
        int s = 1;
        for (int d = 2; d < shape.Length; d++) s *= shape[d];
        return (shape[0], shape[1], s);
    }

    private static void BatchNormForward<T>(int n, int c, int s, Tensor x, Tensor? w, Tensor? b, bool training, double eps,
        double[] mean, double[] variance, double[] rstd, Tensor y)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        NormalizationKernels.BatchNormForward(n, c, s, x.ReadContiguous<T>(), Read<T>(w), Read<T>(b), training, eps, mean, variance, rstd, y.AsSpan<T>());

    private static void BatchNormBackward<T>(int n, int c, int s, Tensor x, Tensor? w, Tensor g, double[] mean, double[] rstd, bool training,
        Tensor? gx, Tensor? gw, Tensor? gb)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        NormalizationKernels.BatchNormBackward(n, c, s, x.ReadContiguous<T>(), Read<T>(w), g.ReadContiguous<T>(), mean, rstd, training,
            Write<T>(gx), Write<T>(gw), Write<T>(gb));

    private static ReadOnlySpan<T> Read<T>(Tensor? t) where T : unmanaged => t is null ? default : t.ReadContiguous<T>();

    private static Span<T> Write<T>(Tensor? t) where T : unmanaged => t is null ? default : t.AsSpan<T>();
}
