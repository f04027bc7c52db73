using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// Walks strided operands row by row. An operand is a span that starts at its first element, a shape shared by all
/// operands, and one non-negative stride per dimension (0 repeats an element along a broadcast dimension). Dimensions
/// that are laid out contiguously in every operand are merged first, so most real layouts become one long row
/// (contiguous operands) or a few rows (broadcast operands).
/// </summary>
public static class Strided
{
    /// <summary>The row-major strides of a contiguous tensor of <paramref name="shape"/> (size-0 dims count as 1).</summary>
    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    /// <summary>True when (<paramref name="shape"/>, <paramref name="strides"/>) lays its elements out row-major without gaps.</summary>
    public static bool IsContiguous(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        int expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 0) return true;
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /// <summary>
    /// Merges adjacent dims that are laid out contiguously in every stride set and drops size-1 dims. The result has
    /// at least one dim; its last dim is the row that callers process with one span call.
    /// </summary>
    public static (int[] Shape, int[][] Strides) Collapse(ReadOnlySpan<int> shape, params int[][] strides)
    {
        var outShape = new List<int>(shape.Length);
        var outStrides = new List<int>[strides.Length];
        for (int k = 0; k < strides.Length; k++) outStrides[k] = new List<int>(shape.Length);
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            int last = outShape.Count - 1;
            bool merge = last >= 0;
            for (int k = 0; k < strides.Length && merge; k++)
                merge = outStrides[k][last] == strides[k][i] * shape[i];
            if (merge)
            {
                outShape[last] *= shape[i];
                for (int k = 0; k < strides.Length; k++) outStrides[k][last] = strides[k][i];
            }
            else
            {
                outShape.Add(shape[i]);
                for (int k = 0; k < strides.Length; k++) outStrides[k].Add(strides[k][i]);
            }
        }
        if (outShape.Count == 0)
        {
            outShape.Add(1);
            for (int k = 0; k < strides.Length; k++) outStrides[k].Add(1);
        }
        var result = new int[strides.Length][];
        for (int k = 0; k < strides.Length; k++) result[k] = outStrides[k].ToArray();
        return (outShape.ToArray(), result);
    }

    /// <summary>Advances a multi-index over all but the last dim, moving every operand's offset with it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Next(Span<int> index, ReadOnlySpan<int> shape, int[][] strides, Span<int> offsets)
    {
        for (int d = shape.Length - 2; d >= 0; d--)
        {
            index[d]++;
            for (int k = 0; k < offsets.Length; k++) offsets[k] += strides[k][d];
            if (index[d] < shape[d]) return;
            for (int k = 0; k < offsets.Length; k++) offsets[k] -= strides[k][d] * shape[d];
            index[d] = 0;
        }
    }

    /// <summary>The number of rows of a collapsed shape: the product of all but its last dim.</summary>
    public static int Rows(ReadOnlySpan<int> shape)
    {
        int rows = 1;
        for (int i = 0; i < shape.Length - 1; i++) rows *= shape[i];
        return rows;
    }

    /// <summary>Copies the strided view (<paramref name="src"/>, <paramref name="shape"/>, <paramref name="strides"/>) into the contiguous <paramref name="dst"/> in row-major order.</summary>
    public static void Gather<T>(ReadOnlySpan<T> src, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, Span<T> dst)
        where T : unmanaged =>
        Copy(src, strides, dst, ContiguousStrides(shape), shape);

    /// <summary>Copies the contiguous <paramref name="src"/> into the strided view (<paramref name="dst"/>, <paramref name="shape"/>, <paramref name="strides"/>), whose elements must not overlap.</summary>
    public static void Scatter<T>(ReadOnlySpan<T> src, Span<T> dst, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
        where T : unmanaged =>
        Copy(src, ContiguousStrides(shape), dst, strides, shape);

    /// <summary>
    /// Copies every element of <paramref name="shape"/> from <paramref name="src"/> laid out by <paramref name="srcStrides"/>
    /// to <paramref name="dst"/> laid out by <paramref name="dstStrides"/> (whose elements must not overlap). Large
    /// copies split their rows between the threads.
    /// </summary>
    public static unsafe void Copy<T>(ReadOnlySpan<T> src, ReadOnlySpan<int> srcStrides, Span<T> dst, ReadOnlySpan<int> dstStrides, ReadOnlySpan<int> shape)
        where T : unmanaged
    {
        foreach (int d in shape)
            if (d == 0) return;
        if (Extent(shape, srcStrides) > src.Length || Extent(shape, dstStrides) > dst.Length)
            throw new ArgumentException($"Strided.Copy: a span is shorter than its layout of shape [{string.Join(", ", shape.ToArray())}] needs.");
        var (cs, cstr) = Collapse(shape, srcStrides.ToArray(), dstStrides.ToArray());
        int rows = Rows(cs);
        int parts = rows < 2 || (long)rows * cs[^1] < MinParallelElements ? 1 : Math.Clamp(Parallelism.NumThreads, 1, rows);
        fixed (T* pSrc = src, pDst = dst)
        {
            ParallelJob<RowCopy<T>>.For(parts, new RowCopy<T>(pSrc, pDst, cs, cstr, parts));
        }
    }

    /// <summary>
    /// Sets <paramref name="index"/> and <paramref name="offsets"/> (one per stride set) to row <paramref name="row"/> of
    /// a collapsed shape, the position <see cref="Next"/> reaches after that many rows.
    /// </summary>
    public static void Seek(int row, ReadOnlySpan<int> shape, int[][] strides, Span<int> index, Span<int> offsets)
    {
        offsets.Clear();
        index[^1] = 0;
        for (int d = shape.Length - 2; d >= 0; d--)
        {
            index[d] = row % shape[d];
            row /= shape[d];
            for (int k = 0; k < offsets.Length; k++) offsets[k] += index[d] * strides[k][d];
        }
    }

    /// <summary>The fewest elements worth splitting a copy or a row fill between threads.</summary>
    private const int MinParallelElements = 1 << 17;

    /// <summary>One range of rows of <see cref="Copy{T}"/>.</summary>
    private readonly unsafe struct RowCopy<T>(T* src, T* dst, int[] shape, int[][] strides, int parts) : IParallelWork
        where T : unmanaged
    {
        public void Run(int part)
        {
            var (start, end) = WorkRanges.Part(Rows(shape), parts, part);
            int inner = shape[^1], srcStep = strides[0][^1], dstStep = strides[1][^1];
            Span<int> index = stackalloc int[shape.Length];
            Span<int> offs = stackalloc int[2];
            Seek(start, shape, strides, index, offs);
            for (int r = start; r < end; r++)
            {
                T* s = src + offs[0];
                T* d = dst + offs[1];
                if (srcStep == 1 && dstStep == 1)
                {
                    new ReadOnlySpan<T>(s, inner).CopyTo(new Span<T>(d, inner));
                }
                else if (srcStep == 0 && dstStep == 1)
                {
                    new Span<T>(d, inner).Fill(*s);
                }
                else
                {
                    for (int j = 0; j < inner; j++) d[(nint)j * dstStep] = s[(nint)j * srcStep];
                }
                Next(index, shape, strides, offs);
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="row"/> into every row of <paramref name="destination"/> (whose length is a multiple of the
    /// row's) by doubling copies; large destinations split their rows between the threads.
    /// </summary>
    public static unsafe void FillRows<T>(ReadOnlySpan<T> row, Span<T> destination)
        where T : unmanaged
    {
        int width = row.Length;
        if (width == 0 || destination.IsEmpty)
            return;

        int rows = destination.Length / width;
        int parts = destination.Length < MinParallelElements ? 1 : Math.Clamp(Parallelism.NumThreads, 1, rows);
        fixed (T* pRow = row, pDestination = destination)
        {
            ParallelJob<RowFill<T>>.For(parts, new RowFill<T>(pRow, width, pDestination, rows, parts));
        }
    }

    /// <summary>One range of rows of <see cref="FillRows{T}"/>: the row copied once, then the filled part doubled.</summary>
    private readonly unsafe struct RowFill<T>(T* row, int width, T* destination, int rows, int parts) : IParallelWork
        where T : unmanaged
    {
        public void Run(int part)
        {
            var (start, end) = WorkRanges.Part(rows, parts, part);
            if (start == end)
                return;

            var range = new Span<T>(destination + ((long)start * width), (end - start) * width);
            new ReadOnlySpan<T>(row, width).CopyTo(range);
            for (int filled = width; filled < range.Length; filled *= 2)
                range[..Math.Min(filled, range.Length - filled)].CopyTo(range[filled..]);
        }
    }

    /// <summary>One past the furthest element a layout reaches (for a shape with no zero dims).</summary>
    private static long Extent(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        long last = 0;
        for (int i = 0; i < shape.Length; i++) last += (long)(shape[i] - 1) * strides[i];
        return last + 1;
    }
}
