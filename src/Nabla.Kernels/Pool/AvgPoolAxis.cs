using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// One axis of PyTorch's avg_pool2d window: positions [o·stride − pad, +kernel) clipped to the input, with the
/// divisor counting the window clipped to the padded input (size + pad) or, without <paramref name="countIncludePad"/>,
/// clipped to the input.
/// </summary>
internal readonly struct AvgPoolAxis(int kernel, int stride, int pad, int size, bool countIncludePad) : IWindowAxis
{
    /// <summary>The rows of the windows of <paramref name="g"/>.</summary>
    public static AvgPoolAxis Rows(in PoolGeometry g, bool countIncludePad) => new(g.KernelH, g.StrideH, g.PadH, g.InHeight, countIncludePad);

    /// <summary>The columns of the windows of <paramref name="g"/>.</summary>
    public static AvgPoolAxis Columns(in PoolGeometry g, bool countIncludePad) => new(g.KernelW, g.StrideW, g.PadW, g.InWidth, countIncludePad);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (int Start, int End, int Count) Window(int o)
    {
        int start = (o * stride) - pad;
        int end = Math.Min(start + kernel, size + pad);
        int padded = end - start;
        start = Math.Max(start, 0);
        end = Math.Min(end, size);
        return (start, end, countIncludePad ? padded : Math.Max(0, end - start));
    }
}
