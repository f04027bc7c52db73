using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// Inclusive scans along the middle dimension of a contiguous (outer, n, inner) block: running sums and products, from
/// the front or from the back, and the positions of running maxima and minima.
/// </summary>
public static class ScanKernels
{
    /// <summary>
    /// dst[o, r, j] = Σ src[o, s, j] over s ≤ r (or over s ≥ r when <paramref name="reverse"/>), for src and dst of
    /// outer·n·inner elements.
    /// </summary>
    public static void CumSum<T>(ReadOnlySpan<T> src, int outer, int n, int inner, Span<T> dst, bool reverse)
        where T : INumberBase<T> => Scan<T, SumStep<T>>(src, outer, n, inner, dst, reverse);

    /// <summary>dst[o, r, j] = Π src[o, s, j] over s ≤ r (or over s ≥ r when <paramref name="reverse"/>).</summary>
    public static void CumProd<T>(ReadOnlySpan<T> src, int outer, int n, int inner, Span<T> dst, bool reverse)
        where T : INumberBase<T> => Scan<T, ProductStep<T>>(src, outer, n, inner, dst, reverse);

    /// <summary>
    /// dst[o, r, j] = log Σ exp(src[o, s, j]) over s ≤ r (or over s ≥ r when <paramref name="reverse"/>), accumulated as
    /// a running log(exp(a) + exp(b)) = max(a, b) + log1p(exp(−|a − b|)), so that nothing overflows or underflows; −∞
    /// terms contribute nothing and a NaN propagates.
    /// </summary>
    public static void LogCumSumExp<T>(ReadOnlySpan<T> src, int outer, int n, int inner, Span<T> dst, bool reverse)
        where T : IFloatingPointIeee754<T> => Scan<T, LogAddExpStep<T>>(src, outer, n, inner, dst, reverse);

    private static void Scan<T, TStep>(ReadOnlySpan<T> src, int outer, int n, int inner, Span<T> dst, bool reverse)
        where T : INumberBase<T> where TStep : IScanStep<T>
    {
        KernelArguments.CheckLength("Scan", "dst", dst.Length, outer * n * inner);
        for (int o = 0; o < outer; o++)
        {
            var block = src.Slice(o * n * inner, n * inner);
            var output = dst.Slice(o * n * inner, n * inner);
            if (inner == 1)
            {
                if (n == 0) continue;
                int first = reverse ? n - 1 : 0, step = reverse ? -1 : 1;
                T acc = block[first];
                output[first] = acc;
                for (int r = first + step; r >= 0 && r < n; r += step)
                {
                    acc = TStep.Apply(acc, block[r]);
                    output[r] = acc;
                }
                continue;
            }
            for (int k = 0; k < n; k++)
            {
                int r = reverse ? n - 1 - k : k;
                var row = block.Slice(r * inner, inner);
                var outRow = output.Slice(r * inner, inner);
                if (k == 0) row.CopyTo(outRow);
                else TStep.Apply(output.Slice((reverse ? r + 1 : r - 1) * inner, inner), row, outRow);
            }
        }
    }

    /// <summary>
    /// indices[o, r, j] = the position s ≤ r of the running maximum (<paramref name="max"/>) or minimum of src[o, s, j];
    /// a later element equal to the running extremum takes its place, and a NaN, once met, stays the extremum (as in
    /// PyTorch's cummax and cummin).
    /// </summary>
    public static void CumExtremeIndices<T>(ReadOnlySpan<T> src, int outer, int n, int inner, Span<long> indices, bool max)
        where T : INumber<T>
    {
        KernelArguments.CheckLength("CumExtremeIndices", "indices", indices.Length, outer * n * inner);
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                int at = o * n * inner + j;
                if (n == 0) continue;
                T best = src[at];
                int bestIndex = 0;
                indices[at] = 0;
                for (int r = 1; r < n; r++)
                {
                    T v = src[at + r * inner];
                    if (!T.IsNaN(best) && (T.IsNaN(v) || (max ? v >= best : v <= best)))
                    {
                        best = v;
                        bestIndex = r;
                    }
                    indices[at + r * inner] = bestIndex;
                }
            }
        }
    }

    private interface IScanStep<T>
    {
        static abstract T Apply(T acc, T x);

        static abstract void Apply(ReadOnlySpan<T> acc, ReadOnlySpan<T> x, Span<T> dst);
    }

    private readonly struct SumStep<T> : IScanStep<T> where T : INumberBase<T>
    {
        public static T Apply(T acc, T x) => acc + x;

        public static void Apply(ReadOnlySpan<T> acc, ReadOnlySpan<T> x, Span<T> dst) => TensorPrimitives.Add(acc, x, dst);
    }

    private readonly struct ProductStep<T> : IScanStep<T> where T : INumberBase<T>
    {
        public static T Apply(T acc, T x) => acc * x;

        public static void Apply(ReadOnlySpan<T> acc, ReadOnlySpan<T> x, Span<T> dst) => TensorPrimitives.Multiply(acc, x, dst);
    }

    private readonly struct LogAddExpStep<T> : IScanStep<T> where T : IFloatingPointIeee754<T>
    {
        public static T Apply(T acc, T x)
        {
            if (T.IsNaN(acc) || T.IsNaN(x)) return T.NaN;
            T high = T.Max(acc, x);
            if (T.IsInfinity(high)) return high;
            return high + T.LogP1(T.Exp(-T.Abs(acc - x)));
        }

        public static void Apply(ReadOnlySpan<T> acc, ReadOnlySpan<T> x, Span<T> dst)
        {
            for (int i = 0; i < dst.Length; i++) dst[i] = Apply(acc[i], x[i]);
        }
    }
}
