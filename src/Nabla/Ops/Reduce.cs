using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Ops;

internal enum ReduceKind { Sum, Max, Min }

/// <summary>
/// Reductions over a set of dims. Runs of adjacent reduced dims are merged, and each run reduces a
/// contiguous (outer, reduced, inner) block: rows with inner = 1 go to one span reduction, otherwise
/// whole inner rows are combined with vector adds (or max/min).
/// </summary>
internal static class Reduce
{
    /// <summary>Reduces <paramref name="x"/> over sorted, distinct <paramref name="dims"/>, keeping them as size 1.</summary>
    public static Tensor Run(ReduceKind kind, Tensor x, int[] dims)
    {
        var current = x.Materialize();
        int i = dims.Length - 1;
        while (i >= 0)
        {
            int hi = dims[i], lo = hi;
            while (i > 0 && dims[i - 1] == lo - 1) { lo--; i--; }
            i--;
            current = ReduceRun(kind, current, lo, hi);
        }
        return current == x ? x.Copy() : current;
    }

    private static Tensor ReduceRun(ReduceKind kind, Tensor x, int lo, int hi)
    {
        var shape = x._shape;
        int outer = 1, reduced = 1, inner = 1;
        for (int d = 0; d < lo; d++) outer *= shape[d];
        for (int d = lo; d <= hi; d++) reduced *= shape[d];
        for (int d = hi + 1; d < shape.Length; d++) inner *= shape[d];
        var outShape = (int[])shape.Clone();
        for (int d = lo; d <= hi; d++) outShape[d] = 1;
        if (reduced == 0 && kind != ReduceKind.Sum)
            throw new ArgumentException($"{kind}: cannot reduce over a dimension of size 0 (input shape {ShapeUtil.Format(shape)}).");
        var result = Tensor.Empty(outShape, x.DType);
        switch (x.Storage)
        {
            case Storage<float> s: Block(kind, s.Data.AsSpan(x.Offset, x.Numel), outer, reduced, inner, ((Storage<float>)result.Storage).Data); break;
            case Storage<double> s: Block(kind, s.Data.AsSpan(x.Offset, x.Numel), outer, reduced, inner, ((Storage<double>)result.Storage).Data); break;
            case Storage<long> s: Block(kind, s.Data.AsSpan(x.Offset, x.Numel), outer, reduced, inner, ((Storage<long>)result.Storage).Data); break;
        }
        return result;
    }

    private static void Block<T>(ReduceKind kind, ReadOnlySpan<T> src, int outer, int reduced, int inner, Span<T> dst) where T : INumber<T>
    {
        if (reduced == 0) { dst.Clear(); return; }
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var row = src.Slice(o * reduced, reduced);
                dst[o] = kind switch
                {
                    ReduceKind.Sum => TensorPrimitives.Sum(row),
                    ReduceKind.Max => TensorPrimitives.Max(row),
                    _ => TensorPrimitives.Min(row),
                };
            }
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            var acc = dst.Slice(o * inner, inner);
            var block = src.Slice(o * reduced * inner, reduced * inner);
            if (inner <= NarrowColumns)
            {
                Columns(kind, block, reduced, inner, acc);
                continue;
            }
            block[..inner].CopyTo(acc);
            for (int r = 1; r < reduced; r++)
            {
                var row = block.Slice(r * inner, inner);
                switch (kind)
                {
                    case ReduceKind.Sum: TensorPrimitives.Add(acc, row, acc); break;
                    case ReduceKind.Max: TensorPrimitives.Max(acc, row, acc); break;
                    default: TensorPrimitives.Min(acc, row, acc); break;
                }
            }
        }
    }

    /// <summary>Widest row reduced column-wise in registers; wider rows are combined a whole row at a time.</summary>
    private const int NarrowColumns = 256;

    /// <summary>
    /// Reduces a (reduced, inner) block over its rows, a few vectors of columns at a time kept in registers,
    /// so that narrow rows (a bias gradient's 1000×16, say) cost one load per element and no per-row calls.
    /// </summary>
    private static void Columns<T>(ReduceKind kind, ReadOnlySpan<T> block, int reduced, int inner, Span<T> acc) where T : INumber<T>
    {
        ref T src = ref MemoryMarshal.GetReference(block);
        ref T dst = ref MemoryMarshal.GetReference(acc);
        int w = Vector<T>.IsSupported && Vector.IsHardwareAccelerated ? Vector<T>.Count : int.MaxValue;
        int j = 0;
        for (; j <= inner - (2 * w); j += 2 * w)
        {
            // Two independent chains per column vector (even and odd rows) halve the add-latency bound.
            var a0 = Vector.LoadUnsafe(ref src, (nuint)j);
            var a1 = Vector.LoadUnsafe(ref src, (nuint)(j + w));
            var b0 = kind == ReduceKind.Sum ? Vector<T>.Zero : a0;
            var b1 = kind == ReduceKind.Sum ? Vector<T>.Zero : a1;
            int r = 1;
            for (; r + 1 < reduced; r += 2)
            {
                nuint at = (nuint)((r * inner) + j);
                a0 = Combine(kind, a0, Vector.LoadUnsafe(ref src, at));
                a1 = Combine(kind, a1, Vector.LoadUnsafe(ref src, at + (nuint)w));
                b0 = Combine(kind, b0, Vector.LoadUnsafe(ref src, at + (nuint)inner));
                b1 = Combine(kind, b1, Vector.LoadUnsafe(ref src, at + (nuint)(inner + w)));
            }
            if (r < reduced)
            {
                nuint at = (nuint)((r * inner) + j);
                a0 = Combine(kind, a0, Vector.LoadUnsafe(ref src, at));
                a1 = Combine(kind, a1, Vector.LoadUnsafe(ref src, at + (nuint)w));
            }
            Combine(kind, a0, b0).StoreUnsafe(ref dst, (nuint)j);
            Combine(kind, a1, b1).StoreUnsafe(ref dst, (nuint)(j + w));
        }
        for (; j <= inner - w; j += w)
        {
            var a = Vector.LoadUnsafe(ref src, (nuint)j);
            for (int r = 1; r < reduced; r++) a = Combine(kind, a, Vector.LoadUnsafe(ref src, (nuint)((r * inner) + j)));
            a.StoreUnsafe(ref dst, (nuint)j);
        }
        for (; j < inner; j++)
        {
            T a = Unsafe.Add(ref src, j);
            for (int r = 1; r < reduced; r++)
            {
                T v = Unsafe.Add(ref src, (r * inner) + j);
                a = kind switch
                {
                    ReduceKind.Sum => a + v,
                    ReduceKind.Max => T.IsNaN(a) || a >= v ? a : v,
                    _ => T.IsNaN(a) || a <= v ? a : v,
                };
            }
            Unsafe.Add(ref dst, j) = a;
        }
    }

    private static Vector<T> Combine<T>(ReduceKind kind, Vector<T> a, Vector<T> b) where T : INumber<T> => kind switch
    {
        ReduceKind.Sum => a + b,
        ReduceKind.Max => Vector.Max(a, b),
        _ => Vector.Min(a, b),
    };

    /// <summary>Index of the first maximum (or minimum) along <paramref name="dim"/>, as int64, keeping the dim.</summary>
    public static Tensor ArgExtreme(Tensor x, int dim, bool max)
    {
        var c = x.Materialize();
        var shape = c._shape;
        int outer = 1, n = shape[dim], inner = 1;
        for (int d = 0; d < dim; d++) outer *= shape[d];
        for (int d = dim + 1; d < shape.Length; d++) inner *= shape[d];
        if (n == 0) throw new ArgumentException($"{(max ? "Argmax" : "Argmin")}: cannot reduce over a dimension of size 0 (input shape {ShapeUtil.Format(shape)}).");
        var outShape = (int[])shape.Clone();
        outShape[dim] = 1;
        var result = Tensor.Empty(outShape, DType.Int64);
        var dst = ((Storage<long>)result.Storage).Data;
        var values = c.ToDoubleArray();
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < inner; j++)
            {
                int best = 0;
                double bestValue = values[o * n * inner + j];
                for (int r = 1; r < n && !double.IsNaN(bestValue); r++)
                {
                    double v = values[(o * n + r) * inner + j];
                    if (double.IsNaN(v) || (max ? v > bestValue : v < bestValue)) { best = r; bestValue = v; }
                }
                dst[o * inner + j] = best;
            }
        return result;
    }

    /// <summary>Softmax or log-softmax along the last dim of a contiguous float tensor.</summary>
    public static Tensor SoftmaxLastDim(Tensor x, bool log)
    {
        var c = x.Materialize();
        var result = Tensor.Empty((int[])c._shape.Clone(), c.DType);
        int n = c._shape.Length == 0 ? 1 : c._shape[^1];
        switch (c.Storage)
        {
            case Storage<float> s: SoftmaxRows(s.Data.AsSpan(c.Offset, c.Numel), n, ((Storage<float>)result.Storage).Data, log); break;
            case Storage<double> s: SoftmaxRows(s.Data.AsSpan(c.Offset, c.Numel), n, ((Storage<double>)result.Storage).Data, log); break;
            default: throw new NotSupportedException($"{(log ? "LogSoftmax" : "Softmax")}: not defined for int64 tensors.");
        }
        return result;
    }

    private static void SoftmaxRows<T>(ReadOnlySpan<T> src, int n, Span<T> dst, bool log) where T : IFloatingPointIeee754<T>
    {
        if (n == 0) return;
        for (int o = 0; o < src.Length / n; o++)
        {
            var row = src.Slice(o * n, n);
            var d = dst.Slice(o * n, n);
            T max = TensorPrimitives.Max(row);
            if (T.IsInfinity(max)) max = T.Zero;
            TensorPrimitives.Subtract(row, max, d);
            if (log)
            {
                // Exp into the output, sum, then recompute the shifted row: avoids a scratch buffer.
                TensorPrimitives.Exp(d, d);
                T logSum = T.Log(TensorPrimitives.Sum<T>(d));
                // (x − max) − log Σ: adding log Σ to max first would round it away when max is large.
                TensorPrimitives.Subtract(row, max, d);
                TensorPrimitives.Subtract(d, logSum, d);
            }
            else
            {
                TensorPrimitives.Exp(d, d);
                T sum = TensorPrimitives.Sum<T>(d);
                TensorPrimitives.Divide(d, sum, d);
            }
        }
    }
}
