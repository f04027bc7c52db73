using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// Sorting of every line along the middle dimension of a contiguous (outer, n, inner) block: each line is gathered
/// into per-thread scratch as (value, position) pairs, sorted, and written back as values and int64 positions. The
/// order is PyTorch's: NaN sorts above every number, and equal values keep their original order (a stable sort),
/// ascending or descending. Lines are spread over threads when there is enough work.
/// </summary>
public static unsafe class SortKernels
{
    /// <summary>Below this many elements in total a sort runs on the calling thread.</summary>
    private const long ParallelThreshold = 1 << 14;

    /// <summary>
    /// Sorts src (outer·n·inner elements) along its middle dimension into <paramref name="values"/> and the
    /// original positions of those values into <paramref name="indices"/>, both of the same layout.
    /// </summary>
    public static void Sort<T>(ReadOnlySpan<T> src, int outer, int n, int inner, Span<T> values, Span<long> indices, bool descending)
        where T : unmanaged, INumber<T>
    {
        int total = outer * n * inner;
        KernelArguments.CheckLengths("Sort", [("values", values.Length, total), ("indices", indices.Length, total)]);
        int lines = outer * inner;
        if (lines == 0 || n == 0) return;
        fixed (T* ps = src)
        fixed (T* pv = values)
        fixed (long* pi = indices)
        {
            int threads = Parallelism.NumThreads;
            if (threads == 1 || lines == 1 || (long)total < ParallelThreshold)
            {
                new Lines<T>(ps, pv, pi, n, inner, lines, descending, 1).Run(0);
                return;
            }
            int ranges = (int)Math.Clamp(total / (ParallelThreshold / 2), 2, Math.Min(lines, 4L * threads));
            ParallelJob<Lines<T>>.For(ranges, new Lines<T>(ps, pv, pi, n, inner, lines, descending, ranges));
        }
    }

    /// <summary>
    /// For every line of an ascending sorted (outer, n, inner) block (n ≥ 1), positions[o, j] receives the position of
    /// the last element of the first longest run of equal values: the smallest most frequent value, and, with a stable
    /// sort, its last occurrence (PyTorch's mode).
    /// </summary>
    public static void ModePositions<T>(ReadOnlySpan<T> sorted, int outer, int n, int inner, Span<long> positions) where T : INumber<T>
    {
        KernelArguments.CheckLength("ModePositions", "positions", positions.Length, outer * inner);
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                int at = o * n * inner + j;
                int best = 0, bestLength = 0, length = 0;
                for (int r = 0; r < n; r++)
                {
                    length++;
                    if (r == n - 1 || CompareValues(sorted[at + r * inner], sorted[at + (r + 1) * inner]) != 0)
                    {
                        if (length > bestLength)
                        {
                            best = r;
                            bestLength = length;
                        }
                        length = 0;
                    }
                }
                positions[o * inner + j] = best;
            }
        }
    }

    /// <summary>Sorts one line of (value, position) pairs in PyTorch's order (NaN largest, ties by position).</summary>
    internal static void SortLine<T>(Span<Entry<T>> line, bool descending) where T : INumber<T>
    {
        if (descending) line.Sort(new Descending<T>());
        else line.Sort(new Ascending<T>());
    }

    /// <summary>A value and its position in the line.</summary>
    internal struct Entry<T>
    {
        public T Value;
        public int Index;
    }

    private readonly struct Lines<T>(T* src, T* values, long* indices, int n, int inner, int count, bool descending, int ranges) : IParallelWork
        where T : unmanaged, INumber<T>
    {
        public void Run(int item)
        {
            (int start, int end) = WorkRanges.Part(count, ranges, item);
            var line = new Span<Entry<T>>(ScratchBuffer<Entry<T>, Lines<T>>.Rent(n), n);
            for (int l = start; l < end; l++)
            {
                int o = l / inner, j = l % inner;
                long at = ((long)o * n * inner) + j;
                for (int r = 0; r < n; r++)
                {
                    line[r].Value = src[at + ((long)r * inner)];
                    line[r].Index = r;
                }
                SortLine(line, descending);
                for (int r = 0; r < n; r++)
                {
                    values[at + ((long)r * inner)] = line[r].Value;
                    indices[at + ((long)r * inner)] = line[r].Index;
                }
            }
        }
    }

    private readonly struct Ascending<T> : IComparer<Entry<T>> where T : INumber<T>
    {
        public int Compare(Entry<T> a, Entry<T> b)
        {
            int byValue = CompareValues(a.Value, b.Value);
            return byValue != 0 ? byValue : a.Index.CompareTo(b.Index);
        }
    }

    private readonly struct Descending<T> : IComparer<Entry<T>> where T : INumber<T>
    {
        public int Compare(Entry<T> a, Entry<T> b)
        {
            int byValue = CompareValues(b.Value, a.Value);
            return byValue != 0 ? byValue : a.Index.CompareTo(b.Index);
        }
    }

    /// <summary>The total order PyTorch sorts by: numbers as usual (−0 equal to +0), every NaN above every number and equal to another NaN.</summary>
    internal static int CompareValues<T>(T a, T b) where T : INumber<T>
    {
        bool aNaN = T.IsNaN(a), bNaN = T.IsNaN(b);
        if (aNaN || bNaN) return aNaN == bNaN ? 0 : aNaN ? 1 : -1;
        return a < b ? -1 : a > b ? 1 : 0;
    }
}
