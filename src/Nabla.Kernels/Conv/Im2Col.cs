using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// The im2col matrix of one group of one image, a row tile at a time: row (c·KH + kh)·KW + kw, column
/// (y − row0)·OW + x holds input[c, y·sH − pH + kh·dH, x·sW − pW + kw·dW], or 0 where that tap falls outside the
/// input. <see cref="Gather{T}"/> builds it; <see cref="ScatterAdd{T}"/> is its adjoint (col2im). Both walk the
/// taps the same way and differ only in the direction each entry moves.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>Writes the im2col matrix of output rows [row0, row1) of <paramref name="channels"/> input planes at <paramref name="x"/>.</summary>
    public static void Gather<T>(in Conv2dGeometry g, int channels, T* x, int row0, int row1, T* cols)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Walk<T, Gathering<T>>(g, channels, x, row0, row1, cols);

    /// <summary>
    /// Adds every entry of the im2col matrix of output rows [row0, row1) back onto the input position it was read
    /// from. The entries that fell on padding are zeroed in <paramref name="cols"/> on the way.
    /// </summary>
    public static void ScatterAdd<T>(in Conv2dGeometry g, int channels, T* cols, int row0, int row1, T* x)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Walk<T, Scattering<T>>(g, channels, x, row0, row1, cols);

    private static void Walk<T, TDirection>(in Conv2dGeometry g, int channels, T* x, int row0, int row1, T* cols)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TDirection : struct, IDirection<T>
    {
        int h = g.InHeight, w = g.InWidth, ow = g.OutWidth, sw = g.StrideW;
        int length = (row1 - row0) * ow;
        bool contiguous = g.StrideH == 1 && g.StrideW == 1 && g.OutWidth == g.InWidth;
        T* column = cols;
        for (int c = 0; c < channels; c++)
        {
            T* plane = x + ((nint)c * h * w);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int rowShift = (kh * g.DilationH) - g.PadH;
                (int yLo, int yHi) = ValidRange(rowShift, g.StrideH, h, g.OutHeight);
                yLo = Math.Clamp(yLo, row0, row1);
                yHi = Math.Clamp(yHi, yLo, row1);
                for (int kw = 0; kw < g.KernelWidth; kw++, column += length)
                {
                    int shift = (kw * g.DilationW) - g.PadW;
                    (int lo, int hi) = ValidRange(shift, sw, w, ow);
                    if (!TDirection.Adds)
                    {
                        new Span<T>(column, (yLo - row0) * ow).Clear();
                        new Span<T>(column + ((yHi - row0) * ow), (row1 - yHi) * ow).Clear();
                    }

                    if (contiguous)
                    {
                        // With stride 1 and OW = W, the valid rows are one run of the plane shifted by a constant.
                        // The entries of the run that wrapped around from a neighbouring row are padding: zeroed
                        // after a gather, and before an add so that they add exactly nothing.
                        (int from, int to, nint offset) = ContiguousSpan(h * w, ((row0 + rowShift) * w) + shift, yLo - row0, yHi - row0, w);
                        if (TDirection.Adds)
                            ClearEdges(column, yLo - row0, yHi - row0, lo, hi, ow);

                        TDirection.Run(plane + from + offset, column + from, to - from);
                        if (!TDirection.Adds)
                            ClearEdges(column, yLo - row0, yHi - row0, lo, hi, ow);

                        continue;
                    }

                    for (int oy = yLo; oy < yHi; oy++)
                    {
                        T* entries = column + ((oy - row0) * ow);
                        T* input = plane + ((nint)((oy * g.StrideH) + rowShift) * w) + shift;
                        if (sw == 1)
                            TDirection.Run(input + lo, entries + lo, hi - lo);
                        else
                            TDirection.Strided(input, sw, entries, lo, hi);

                        if (!TDirection.Adds)
                            ClearEdges(entries, lo, hi, ow);
                    }
                }
            }
        }
    }

    /// <summary>Output positions [lo, hi) whose tap i = o·stride + shift lies inside [0, size); the others read padding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Lo, int Hi) ValidRange(int shift, int stride, int size, int outSize)
    {
        int lo = shift >= 0 ? 0 : Math.Min(outSize, (-shift + stride - 1) / stride);
        int hi = shift >= size ? 0 : Math.Min(outSize, ((size - 1 - shift) / stride) + 1);
        return (lo, Math.Max(lo, hi));
    }

    /// <summary>
    /// For an im2col row whose entry i reads plane[i + offset], the range [from, to) of entries in the valid output
    /// rows [yLo, yHi) whose source lies inside the plane; entries cut off at either end are padding columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int From, int To, nint Offset) ContiguousSpan(int planeSize, int offset, int yLo, int yHi, int width)
    {
        int from = Math.Max(yLo * width, -offset);
        int to = Math.Min(yHi * width, planeSize - offset);
        return (from, Math.Max(from, to), offset);
    }

    /// <summary>Zeroes columns [0, lo) and [hi, width) of output rows [rowLo, rowHi) of one tap's entries.</summary>
    private static void ClearEdges<T>(T* column, int rowLo, int rowHi, int lo, int hi, int width)
        where T : unmanaged
    {
        for (int oy = rowLo; oy < rowHi; oy++)
            ClearEdges(column + (oy * width), lo, hi, width);
    }

    /// <summary>Zeroes columns [0, lo) and [hi, width) of one output row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ClearEdges<T>(T* row, int lo, int hi, int width)
        where T : unmanaged
    {
        for (int ox = 0; ox < lo; ox++)
            row[ox] = default;

        for (int ox = hi; ox < width; ox++)
            row[ox] = default;
    }

    /// <summary>Which way entries move between the input and the im2col matrix.</summary>
    private interface IDirection<T>
        where T : unmanaged
    {
        /// <summary>Gets whether entries are added back onto the input (col2im) rather than read from it (im2col).</summary>
        static abstract bool Adds { get; }

        /// <summary>Moves <paramref name="count"/> consecutive entries.</summary>
        static abstract void Run(T* input, T* entries, int count);

        /// <summary>Moves entries [lo, hi) of one row, entry i at input[i·stride].</summary>
        static abstract void Strided(T* input, nint stride, T* entries, int lo, int hi);
    }

    /// <summary>im2col: the entries are copied from the input.</summary>
    private readonly struct Gathering<T> : IDirection<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static bool Adds => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run(T* input, T* entries, int count)
            => new ReadOnlySpan<T>(input, count).CopyTo(new Span<T>(entries, count));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Strided(T* input, nint stride, T* entries, int lo, int hi)
        {
            for (int i = lo; i < hi; i++)
                entries[i] = input[i * stride];
        }
    }

    /// <summary>col2im: the entries are added onto the input.</summary>
    private readonly struct Scattering<T> : IDirection<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static bool Adds => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run(T* input, T* entries, int count)
            => TensorPrimitives.Add(new ReadOnlySpan<T>(input, count), new ReadOnlySpan<T>(entries, count), new Span<T>(input, count));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Strided(T* input, nint stride, T* entries, int lo, int hi)
        {
            for (int i = lo; i < hi; i++)
                input[i * stride] += entries[i];
        }
    }
}
