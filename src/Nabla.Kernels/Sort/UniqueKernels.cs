using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// The distinct rows of a (rows, width) block, in ascending lexicographic order (NaN above every number) or as runs
/// of equal consecutive rows; and counting kernels: bincount and histc.
/// </summary>
public static class UniqueKernels
{
    /// <summary>
    /// Groups the equal rows of src (rows·width elements): <paramref name="inverse"/>[r] receives the group of row r,
    /// <paramref name="representative"/>[g] the first row of group g and <paramref name="counts"/>[g] its size; the
    /// number of groups is returned. Groups are the distinct rows in ascending order, or with
    /// <paramref name="consecutive"/> the runs of equal adjacent rows in their order. The group spans need room for
    /// <paramref name="rows"/> entries.
    /// </summary>
    public static int Unique<T>(ReadOnlySpan<T> src, int rows, int width, bool consecutive, Span<long> inverse, Span<int> representative, Span<long> counts)
        where T : INumber<T>
    {
        KernelArguments.CheckLengths("Unique", [("src", src.Length, rows * width), ("inverse", inverse.Length, rows)]);
        var order = new int[rows];
        for (int r = 0; r < rows; r++) order[r] = r;
        if (!consecutive)
        {
            var block = src.ToArray();
            Array.Sort(order, (a, b) =>
            {
                int c = CompareRows(block, a, b, width);
                return c != 0 ? c : a.CompareTo(b);
            });
        }
        int groups = 0;
        for (int k = 0; k < rows; k++)
        {
            int r = order[k];
            if (k == 0 || CompareRows(src, order[k - 1], r, width) != 0)
            {
                representative[groups] = r;
                counts[groups] = 0;
                groups++;
            }
            counts[groups - 1]++;
            inverse[r] = groups - 1;
        }
        return groups;
    }

    private static int CompareRows<T>(ReadOnlySpan<T> src, int a, int b, int width) where T : INumber<T>
    {
        for (int i = 0; i < width; i++)
        {
            int c = SortKernels.CompareValues(src[(a * width) + i], src[(b * width) + i]);
            if (c != 0) return c;
        }
        return 0;
    }

    /// <summary>
    /// dst[v] = the number of occurrences of v in <paramref name="values"/> (all in [0, dst.Length)), or the sum of
    /// their <paramref name="weights"/> when those are given (one per value).
    /// </summary>
    public static void Bincount<T>(ReadOnlySpan<long> values, ReadOnlySpan<T> weights, Span<T> dst) where T : INumberBase<T>
    {
        dst.Clear();
        bool weighted = !weights.IsEmpty;
        if (weighted) KernelArguments.CheckLength("Bincount", "weights", weights.Length, values.Length);
        for (int i = 0; i < values.Length; i++) dst[(int)values[i]] += weighted ? weights[i] : T.One;
    }

    /// <summary>
    /// dst[b] = the number of elements of src in bin b of dst.Length equal bins over [min, max]; the last bin includes
    /// max, elements outside [min, max] (and NaN) are not counted. An element goes to bin ⌊(x − min)·bins / (max − min)⌋,
    /// computed in <typeparamref name="T"/>, as in PyTorch.
    /// </summary>
    public static void Histc<T>(ReadOnlySpan<T> src, T min, T max, Span<T> dst) where T : IFloatingPoint<T>
    {
        dst.Clear();
        int bins = dst.Length;
        T scale = T.CreateChecked(bins);
        T width = max - min;
        foreach (T x in src)
        {
            if (!(x >= min && x <= max)) continue;
            long pos = long.CreateTruncating((x - min) * scale / width);
            if (pos >= bins) pos = bins - 1;
            dst[(int)pos] += T.One;
        }
    }
}
