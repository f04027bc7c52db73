using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// Elementwise operators applied to strided operands. Operands start at their first element and carry one
/// non-negative stride per dimension of the output's shape (0 along broadcast dims, so broadcasting is expressed by
/// strides alone); the output is contiguous. Contiguous operands reach the operator as whole spans; broadcast and
/// strided ones are walked row by row so that every row is still one span call. Large contiguous operands split
/// between threads at multiples of <see cref="SplitAlignment"/> elements, where every element meets the same vector
/// lanes as on one thread, so the results do not depend on the thread count.
/// </summary>
public static unsafe class ElementwiseKernels
{
    /// <summary>The fewest elements of a contiguous operation worth splitting between threads.</summary>
    private const int MinParallelElements = 1 << 17;

    /// <summary>Where the parts of a split operation start: multiples of this many elements, a multiple of every vector width.</summary>
    private const int SplitAlignment = 4096;

    /// <summary>Rows shorter than this many elements are tiled into blocks before an operator sees them.</summary>
    private const int TileElements = 2048;

    /// <summary>Elements of a strided row gathered at a time into a stack buffer.</summary>
    private const int Chunk = 512;

    /// <summary>y = f(x) for x strided as (<paramref name="shape"/>, <paramref name="strides"/>) and y contiguous of the same shape.</summary>
    public static void Unary<T, TOperator>(ReadOnlySpan<T> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, Span<T> y)
        where T : unmanaged where TOperator : IUnaryOperator<T>
    {
        if (Strided.IsContiguous(shape, strides))
        {
            int parts = Parts(y.Length);
            if (parts == 1)
            {
                TOperator.Apply(x[..y.Length], y);
                return;
            }

            fixed (T* px = x, py = y)
                ParallelJob<UnaryParts<T, TOperator>>.For(parts, new UnaryParts<T, TOperator>(px, py, y.Length, parts));
        }
        else
        {
            Strided.Gather(x, shape, strides, y);
            TOperator.Apply(y, y);
        }
    }

    /// <summary>d = f(a, b) over <paramref name="shape"/>, with a and b strided (broadcast by zero strides) and d contiguous.</summary>
    public static void Binary<T, TOperator>(ReadOnlySpan<T> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<T> b, ReadOnlySpan<int> bStrides,
        ReadOnlySpan<int> shape, Span<T> d)
        where T : unmanaged where TOperator : IBinaryOperator<T>
    {
        int n = d.Length;
        if (n == 0) return;
        bool aFull = Strided.IsContiguous(shape, aStrides), bFull = Strided.IsContiguous(shape, bStrides);
        var layout = aFull && bFull ? BinaryLayout.Spans
            : aFull && IsScalar(shape, bStrides) ? BinaryLayout.ScalarB
            : bFull && IsScalar(shape, aStrides) ? BinaryLayout.ScalarA
            : BinaryLayout.Strided;
        if (layout != BinaryLayout.Strided)
        {
            int parts = Parts(n);
            fixed (T* pa = a, pb = b, pd = d)
            {
                ParallelJob<BinaryParts<T, TOperator>>.For(parts, new BinaryParts<T, TOperator>(layout, pa, pb, pd, n, parts));
            }
            return;
        }

        var (cs, st) = Strided.Collapse(shape, aStrides.ToArray(), bStrides.ToArray(), Strided.ContiguousStrides(shape));
        int inner = cs[^1], innerA = st[0][^1], innerB = st[1][^1];
        int rows = Strided.Rows(cs);
        if (cs.Length == 2 && inner < TileElements / 2 && TryTiledRows<T, TOperator>(a, st[0], b, st[1], d, rows, inner))
            return;
        Span<int> index = stackalloc int[cs.Length];
        Span<int> offs = stackalloc int[3];
        Span<T> bufferA = stackalloc T[innerA > 1 ? Chunk : 0];
        Span<T> bufferB = stackalloc T[innerB > 1 ? Chunk : 0];
        for (int r = 0; r < rows; r++)
        {
            var row = d.Slice(offs[2], inner);
            if (innerA <= 1 && innerB <= 1)
            {
                ApplyRow<T, TOperator>(a.Slice(offs[0], innerA == 0 ? 1 : inner), innerA == 0, b.Slice(offs[1], innerB == 0 ? 1 : inner), innerB == 0, row);
            }
            else
            {
                // An operand whose row is strided (a transposed view, say) is gathered a chunk at a time.
                for (int j = 0; j < inner; j += Chunk)
                {
                    int len = Math.Min(Chunk, inner - j);
                    var ra = RowChunk(a, offs[0], innerA, j, len, bufferA);
                    var rb = RowChunk(b, offs[1], innerB, j, len, bufferB);
                    ApplyRow<T, TOperator>(ra, innerA == 0, rb, innerB == 0, row.Slice(j, len));
                }
            }
            Strided.Next(index, cs, st, offs);
        }
    }

    /// <summary>
    /// d = f(d, b) in place over <paramref name="shape"/>: d is a span from its first element, strided with distinct
    /// elements, and b is strided or broadcast and shares no memory with d. A contiguous d runs as in
    /// <see cref="Binary{T, TOperator}"/>, with b of any layout; any other d runs row by row, its rows split between the
    /// threads when large. False, with nothing written, when d is not contiguous and the rows of d or of b (after
    /// merging dims) are not contiguous either.
    /// </summary>
    public static bool TryBinaryInPlace<T, TOperator>(Span<T> d, ReadOnlySpan<int> dStrides, ReadOnlySpan<T> b, ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape)
        where T : unmanaged where TOperator : IBinaryOperator<T>
    {
        if (Strided.IsContiguous(shape, dStrides))
        {
            int n = 1;
            foreach (int size in shape) n *= size;
            Binary<T, TOperator>(d[..n], dStrides, b, bStrides, shape, d[..n]);
            return true;
        }

        var (cs, st) = Strided.Collapse(shape, dStrides.ToArray(), bStrides.ToArray());
        int inner = cs[^1], innerD = st[0][^1], innerB = st[1][^1];
        if (innerD != 1 || innerB > 1)
            return false;

        int rows = Strided.Rows(cs);
        if (rows == 0 || inner == 0)
            return true;

        int parts = Math.Min(Parts(rows * inner), rows);
        fixed (T* pd = d, pb = b)
        {
            ParallelJob<InPlaceRows<T, TOperator>>.For(parts, new InPlaceRows<T, TOperator>(pd, pb, cs, st, parts));
        }
        return true;
    }

    /// <summary>One range of rows of <see cref="TryBinaryInPlace{T, TOperator}"/> over a strided target.</summary>
    private readonly struct InPlaceRows<T, TOperator>(T* d, T* b, int[] shape, int[][] strides, int parts) : IParallelWork
        where T : unmanaged where TOperator : IBinaryOperator<T>
    {
        public void Run(int part)
        {
            var (start, end) = WorkRanges.Part(Strided.Rows(shape), parts, part);
            int inner = shape[^1];
            bool rowOfB = strides[1][^1] == 1;
            Span<int> index = stackalloc int[shape.Length];
            Span<int> offs = stackalloc int[2];
            Strided.Seek(start, shape, strides, index, offs);
            for (int r = start; r < end; r++)
            {
                var row = new Span<T>(d + offs[0], inner);
                if (rowOfB)
                    TOperator.Apply(row, new ReadOnlySpan<T>(b + offs[1], inner), row);
                else
                    TOperator.Apply(row, b[offs[1]], row);
                Strided.Next(index, shape, strides, offs);
            }
        }
    }

    /// <summary>How many parts a contiguous operation of <paramref name="n"/> elements runs in: one per thread when it is large.</summary>
    private static int Parts(int n) => n < MinParallelElements ? 1 : Math.Clamp(Parallelism.NumThreads, 1, n / SplitAlignment);

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> of [0, <paramref name="n"/>), cut at multiples of <see cref="SplitAlignment"/>.</summary>
    private static (int Start, int Length) Range(int n, int parts, int part)
    {
        var (first, last) = WorkRanges.Part((n + SplitAlignment - 1) / SplitAlignment, parts, part);
        int start = Math.Min(n, first * SplitAlignment);
        return (start, Math.Min(n, last * SplitAlignment) - start);
    }

    private enum BinaryLayout
    {
        Spans,
        ScalarA,
        ScalarB,
        Strided,
    }

    /// <summary>One part of a contiguous unary operation.</summary>
    private readonly struct UnaryParts<T, TOperator>(T* x, T* y, int n, int parts) : IParallelWork
        where T : unmanaged where TOperator : IUnaryOperator<T>
    {
        public void Run(int part)
        {
            var (start, length) = Range(n, parts, part);
            TOperator.Apply(new ReadOnlySpan<T>(x + start, length), new Span<T>(y + start, length));
        }
    }

    /// <summary>One part of a binary operation on contiguous operands, or on one contiguous operand and a scalar.</summary>
    private readonly struct BinaryParts<T, TOperator>(BinaryLayout layout, T* a, T* b, T* d, int n, int parts) : IParallelWork
        where T : unmanaged where TOperator : IBinaryOperator<T>
    {
        public void Run(int part)
        {
            var (start, length) = Range(n, parts, part);
            var output = new Span<T>(d + start, length);
            switch (layout)
            {
                case BinaryLayout.Spans:
                    TOperator.Apply(new ReadOnlySpan<T>(a + start, length), new ReadOnlySpan<T>(b + start, length), output);
                    break;
                case BinaryLayout.ScalarB:
                    TOperator.Apply(new ReadOnlySpan<T>(a + start, length), *b, output);
                    break;
                default:
                    TOperator.Apply(*a, new ReadOnlySpan<T>(b + start, length), output);
                    break;
            }
        }
    }

    /// <summary>d = c ≠ 0 ? a : b over <paramref name="shape"/>, all three strided (broadcast by zero strides), d contiguous.</summary>
    public static void Where<T>(ReadOnlySpan<T> c, ReadOnlySpan<int> cStrides, ReadOnlySpan<T> a, ReadOnlySpan<int> aStrides,
        ReadOnlySpan<T> b, ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<T> d)
        where T : unmanaged, INumber<T>
    {
        if (d.Length == 0) return;
        var (cs, st) = Strided.Collapse(shape, cStrides.ToArray(), aStrides.ToArray(), bStrides.ToArray(), Strided.ContiguousStrides(shape));
        int inner = cs[^1], sc = st[0][^1], sa = st[1][^1], sb = st[2][^1];
        int rows = Strided.Rows(cs);
        Span<int> index = stackalloc int[cs.Length];
        Span<int> offs = stackalloc int[4];
        for (int r = 0; r < rows; r++)
        {
            int pc = offs[0], pa = offs[1], pb = offs[2], pd = offs[3];
            int j = 0;
            if (sc == 1 && sa <= 1 && sb <= 1 && Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            {
                // The common layouts (contiguous, or a scalar branch) select whole vectors at a time.
                var va0 = new Vector<T>(a[pa]);
                var vb0 = new Vector<T>(b[pb]);
                for (; j <= inner - Vector<T>.Count; j += Vector<T>.Count)
                {
                    var mask = ~Vector.Equals(new Vector<T>(c.Slice(pc + j)), Vector<T>.Zero);
                    var va = sa == 1 ? new Vector<T>(a.Slice(pa + j)) : va0;
                    var vb = sb == 1 ? new Vector<T>(b.Slice(pb + j)) : vb0;
                    Vector.ConditionalSelect(mask, va, vb).CopyTo(d.Slice(pd + j));
                }
            }
            for (; j < inner; j++)
                d[pd + j] = c[pc + (j * sc)] != T.Zero ? a[pa + (j * sa)] : b[pb + (j * sb)];
            Strided.Next(index, cs, st, offs);
        }
    }

    /// <summary>
    /// d = c ≠ 0 ? a : b over <paramref name="shape"/> for elements of any type (moved, never read), with a byte
    /// condition; all three strided (broadcast by zero strides), d contiguous.
    /// </summary>
    public static void Select<T>(ReadOnlySpan<byte> c, ReadOnlySpan<int> cStrides, ReadOnlySpan<T> a, ReadOnlySpan<int> aStrides,
        ReadOnlySpan<T> b, ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<T> d)
        where T : unmanaged
    {
        if (d.Length == 0) return;
        var (cs, st) = Strided.Collapse(shape, cStrides.ToArray(), aStrides.ToArray(), bStrides.ToArray(), Strided.ContiguousStrides(shape));
        int inner = cs[^1], sc = st[0][^1], sa = st[1][^1], sb = st[2][^1];
        int rows = Strided.Rows(cs);
        Span<int> index = stackalloc int[cs.Length];
        Span<int> offs = stackalloc int[4];
        for (int r = 0; r < rows; r++)
        {
            int pc = offs[0], pa = offs[1], pb = offs[2], pd = offs[3];
            for (int j = 0; j < inner; j++)
                d[pd + j] = c[pc + (j * sc)] != 0 ? a[pa + (j * sa)] : b[pb + (j * sb)];
            Strided.Next(index, cs, st, offs);
        }
    }

    /// <summary>
    /// Converts every element of <paramref name="x"/> to <typeparamref name="TTo"/>: floats round to the nearest
    /// representable value, and a float converted to an integer type is truncated toward zero (saturating; NaN gives 0).
    /// </summary>
    public static void Convert<TFrom, TTo>(ReadOnlySpan<TFrom> x, Span<TTo> y)
        where TFrom : INumberBase<TFrom> where TTo : INumberBase<TTo> =>
        TensorPrimitives.ConvertTruncating(x, y);

    /// <summary>True when the operand repeats one element over the whole shape.</summary>
    private static bool IsScalar(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] != 1 && strides[i] != 0) return false;
        return true;
    }

    private static ReadOnlySpan<T> RowChunk<T>(ReadOnlySpan<T> x, int offset, int stride, int start, int length, Span<T> buffer)
    {
        if (stride == 0) return x.Slice(offset, 1);
        if (stride == 1) return x.Slice(offset + start, length);
        var chunk = buffer[..length];
        for (int j = 0, p = offset + (start * stride); j < length; j++, p += stride) chunk[j] = x[p];
        return chunk;
    }

    private static void ApplyRow<T, TOperator>(ReadOnlySpan<T> a, bool aScalar, ReadOnlySpan<T> b, bool bScalar, Span<T> d)
        where T : unmanaged where TOperator : IBinaryOperator<T>
    {
        if (!aScalar && !bScalar)
        {
            TOperator.Apply(a[..d.Length], b[..d.Length], d);
        }
        else if (!aScalar)
        {
            TOperator.Apply(a[..d.Length], b[0], d);
        }
        else if (!bScalar)
        {
            TOperator.Apply(a[0], b[..d.Length], d);
        }
        else
        {
            Span<T> one = stackalloc T[1];
            TOperator.Apply(a[..1], b[0], one);
            d.Fill(one[0]);
        }
    }

    /// <summary>
    /// (rows, inner) with short rows and one operand repeated on every row, like a bias added to a batch: one span call
    /// per row would cost more than the arithmetic, so the repeated row is tiled into a block of many rows once and the
    /// contiguous operand is processed a block at a time.
    /// </summary>
    private static bool TryTiledRows<T, TOperator>(ReadOnlySpan<T> a, int[] aStrides, ReadOnlySpan<T> b, int[] bStrides, Span<T> d, int rows, int inner)
        where T : unmanaged where TOperator : IBinaryOperator<T>
    {
        bool aRepeats = aStrides[0] == 0 && aStrides[1] == 1 && bStrides[0] == inner && bStrides[1] == 1;
        bool bRepeats = bStrides[0] == 0 && bStrides[1] == 1 && aStrides[0] == inner && aStrides[1] == 1;
        if (!aRepeats && !bRepeats) return false;
        int blockRows = TileElements / inner;
        Span<T> tile = stackalloc T[blockRows * inner];
        var pattern = aRepeats ? a[..inner] : b[..inner];
        for (int r = 0; r < blockRows; r++) pattern.CopyTo(tile.Slice(r * inner, inner));
        for (int r = 0; r < rows; r += blockRows)
        {
            int n = Math.Min(blockRows, rows - r) * inner;
            var block = d.Slice(r * inner, n);
            if (aRepeats) TOperator.Apply(tile[..n], b.Slice(r * inner, n), block);
            else TOperator.Apply(a.Slice(r * inner, n), tile[..n], block);
        }
        return true;
    }
}
