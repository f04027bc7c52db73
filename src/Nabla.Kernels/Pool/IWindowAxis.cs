namespace Nabla.Kernels;

/// <summary>
/// One axis of an averaging window that is a product of per-axis ranges, as in average and adaptive-average
/// pooling: the window of output (i, j) spans the row range of i times the column range of j.
/// </summary>
internal interface IWindowAxis
{
    /// <summary>
    /// The window of output position <paramref name="o"/> along this axis: input positions [Start, End) (empty when
    /// it covers padding only), and the factor <paramref name="o"/> contributes to the window's divisor.
    /// </summary>
    (int Start, int End, int Count) Window(int o);
}
