using System.Numerics;

namespace Nabla.Ops;

internal enum UnaryKind { Neg, Exp, Log, Log1p, Sqrt, Abs, Relu, Sigmoid, Tanh, Erf, Softplus }

internal enum BinaryKind { Add, Sub, Mul, Div, Pow, Maximum, Minimum, Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual, WherePositive }

/// <summary>
/// Forward kernels for elementwise ops on tensors of any layout: contiguous operands go straight to the
/// span kernels; broadcast operands are walked row by row so each row is still one span call.
/// </summary>
internal static class Elementwise
{
    public static Tensor Unary(UnaryKind kind, Tensor x) => x.DType switch
    {
        DType.Float32 => UnaryFloat<float>(kind, x),
        DType.Float64 => UnaryFloat<double>(kind, x),
        _ => kind switch
        {
            UnaryKind.Neg => RunUnary<long, NegOp<long>>(x),
            UnaryKind.Abs => RunUnary<long, AbsOp<long>>(x),
            UnaryKind.Relu => RunUnary<long, ReluOp<long>>(x),
            _ => throw new NotSupportedException($"{kind}: not defined for int64 tensors; convert with .To(DType.Float32) first."),
        },
    };

    private static Tensor UnaryFloat<T>(UnaryKind kind, Tensor x) where T : unmanaged, IFloatingPointIeee754<T> => kind switch
    {
        UnaryKind.Neg => RunUnary<T, NegOp<T>>(x),
        UnaryKind.Exp => RunUnary<T, ExpOp<T>>(x),
        UnaryKind.Log => RunUnary<T, LogOp<T>>(x),
        UnaryKind.Log1p => RunUnary<T, Log1pOp<T>>(x),
        UnaryKind.Sqrt => RunUnary<T, SqrtOp<T>>(x),
        UnaryKind.Abs => RunUnary<T, AbsOp<T>>(x),
        UnaryKind.Relu => RunUnary<T, ReluOp<T>>(x),
        UnaryKind.Sigmoid => RunUnary<T, SigmoidOp<T>>(x),
        UnaryKind.Tanh => RunUnary<T, TanhOp<T>>(x),
        UnaryKind.Erf => RunUnary<T, ErfOp<T>>(x),
        UnaryKind.Softplus => RunUnary<T, SoftplusOp<T>>(x),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Tensor RunUnary<T, TOp>(Tensor x) where T : unmanaged where TOp : IUnaryOp<T>
    {
        var result = Tensor.Empty((int[])x._shape.Clone(), x.DType);
        var dst = ((Storage<T>)result.Storage).Data.AsSpan();
        var src = (Storage<T>)x.Storage;
        if (x.IsContiguous)
            TOp.Apply(src.Data.AsSpan(x.Offset, dst.Length), dst);
        else
        {
            Strided.CopyTo(src.Data, x.Offset, x._shape, x._strides, dst);
            TOp.Apply(dst, dst);
        }
        return result;
    }

    /// <summary>a ∘ b with broadcasting; both operands must already share a dtype.</summary>
    public static Tensor Binary(BinaryKind kind, Tensor a, Tensor b, int[] shape) => a.DType switch
    {
        DType.Float32 => BinaryTyped<float>(kind, a, b, shape),
        DType.Float64 => BinaryTyped<double>(kind, a, b, shape),
        _ => kind switch
        {
            BinaryKind.Add => RunBinary<long, AddOp<long>>(a, b, shape),
            BinaryKind.Sub => RunBinary<long, SubOp<long>>(a, b, shape),
            BinaryKind.Mul => RunBinary<long, MulOp<long>>(a, b, shape),
            BinaryKind.Maximum => RunBinary<long, MaxOp<long>>(a, b, shape),
            BinaryKind.Minimum => RunBinary<long, MinOp<long>>(a, b, shape),
            BinaryKind.Greater => RunBinary<long, CompareOp<long, GreaterOp<long>>>(a, b, shape),
            BinaryKind.GreaterEqual => RunBinary<long, CompareOp<long, GreaterEqualOp<long>>>(a, b, shape),
            BinaryKind.Less => RunBinary<long, CompareOp<long, LessOp<long>>>(a, b, shape),
            BinaryKind.LessEqual => RunBinary<long, CompareOp<long, LessEqualOp<long>>>(a, b, shape),
            BinaryKind.Equal => RunBinary<long, CompareOp<long, EqualOp<long>>>(a, b, shape),
            BinaryKind.NotEqual => RunBinary<long, CompareOp<long, NotEqualOp<long>>>(a, b, shape),
            _ => throw new NotSupportedException($"{kind}: not defined for int64 tensors; convert with .To(DType.Float32) first."),
        },
    };

    private static Tensor BinaryTyped<T>(BinaryKind kind, Tensor a, Tensor b, int[] shape) where T : unmanaged, IFloatingPointIeee754<T> => kind switch
    {
        BinaryKind.Add => RunBinary<T, AddOp<T>>(a, b, shape),
        BinaryKind.Sub => RunBinary<T, SubOp<T>>(a, b, shape),
        BinaryKind.Mul => RunBinary<T, MulOp<T>>(a, b, shape),
        BinaryKind.Div => RunBinary<T, DivOp<T>>(a, b, shape),
        BinaryKind.Pow => RunBinary<T, PowOp<T>>(a, b, shape),
        BinaryKind.Maximum => RunBinary<T, MaxOp<T>>(a, b, shape),
        BinaryKind.Minimum => RunBinary<T, MinOp<T>>(a, b, shape),
        BinaryKind.Greater => RunBinary<T, CompareOp<T, GreaterOp<T>>>(a, b, shape),
        BinaryKind.GreaterEqual => RunBinary<T, CompareOp<T, GreaterEqualOp<T>>>(a, b, shape),
        BinaryKind.Less => RunBinary<T, CompareOp<T, LessOp<T>>>(a, b, shape),
        BinaryKind.LessEqual => RunBinary<T, CompareOp<T, LessEqualOp<T>>>(a, b, shape),
        BinaryKind.Equal => RunBinary<T, CompareOp<T, EqualOp<T>>>(a, b, shape),
        BinaryKind.NotEqual => RunBinary<T, CompareOp<T, NotEqualOp<T>>>(a, b, shape),
        BinaryKind.WherePositive => RunBinary<T, WherePositiveOp<T>>(a, b, shape),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Tensor RunBinary<T, TOp>(Tensor a, Tensor b, int[] shape) where T : unmanaged where TOp : IBinaryOp<T>
    {
        var result = Tensor.Empty(shape, a.DType);
        var dst = ((Storage<T>)result.Storage).Data.AsSpan();
        if (dst.Length == 0) return result;
        if (a.IsContiguous && b.IsContiguous && a.Numel == dst.Length && b.Numel == dst.Length)
        {
            TOp.Apply(Data<T>(a).AsSpan(a.Offset, dst.Length), Data<T>(b).AsSpan(b.Offset, dst.Length), dst);
            return result;
        }
        if (b.Numel == 1 && a.IsContiguous && a.Numel == dst.Length)
        {
            TOp.Apply(Data<T>(a).AsSpan(a.Offset, dst.Length), Data<T>(b)[b.Offset], dst);
            return result;
        }
        if (a.Numel == 1 && b.IsContiguous && b.Numel == dst.Length)
        {
            TOp.Apply(Data<T>(a)[a.Offset], Data<T>(b).AsSpan(b.Offset, dst.Length), dst);
            return result;
        }

        var (cs, st) = Strided.Collapse(shape, ShapeUtil.BroadcastStrides(a, shape), ShapeUtil.BroadcastStrides(b, shape), result._strides);
        int innerA = st[0][^1], innerB = st[1][^1];
        // Rows whose inner stride is neither 0 nor 1 cannot feed a span kernel: gather such operands once.
        if (innerA > 1 || innerB > 1)
            return RunBinary<T, TOp>(innerA > 1 ? a.Materialize() : a, innerB > 1 ? b.Materialize() : b, shape);
        var da = Data<T>(a);
        var db = Data<T>(b);
        int inner = cs[^1];
        int rows = Strided.Rows(cs);
        if (cs.Length == 2 && inner < TileElements / 2 && TryTiledRows<T, TOp>(da, a.Offset, st[0], db, b.Offset, st[1], dst, rows, inner))
            return result;
        var index = new int[cs.Length];
        Span<int> offs = stackalloc int[3] { a.Offset, b.Offset, 0 };
        Span<T> one = stackalloc T[1];
        for (int r = 0; r < rows; r++)
        {
            var d = dst.Slice(offs[2], inner);
            if (innerA == 1 && innerB == 1) TOp.Apply(da.AsSpan(offs[0], inner), db.AsSpan(offs[1], inner), d);
            else if (innerA == 1) TOp.Apply(da.AsSpan(offs[0], inner), db[offs[1]], d);
            else if (innerB == 1) TOp.Apply(da[offs[0]], db.AsSpan(offs[1], inner), d);
            else
            {
                TOp.Apply(da.AsSpan(offs[0], 1), db[offs[1]], one);
                d.Fill(one[0]);
            }
            Strided.Next(index, cs, st, offs);
        }
        return result;
    }

    private static T[] Data<T>(Tensor t) where T : unmanaged => ((Storage<T>)t.Storage).Data;

    private const int TileElements = 2048;

    /// <summary>
    /// (rows, inner) with short rows and one operand repeated on every row, like a bias added to a batch:
    /// one span call per row would cost more than the arithmetic, so the repeated row is tiled into a
    /// block of many rows once and the contiguous operand is processed a block at a time.
    /// </summary>
    private static bool TryTiledRows<T, TOp>(T[] da, int aOffset, int[] aStrides, T[] db, int bOffset, int[] bStrides, Span<T> dst, int rows, int inner)
        where T : unmanaged where TOp : IBinaryOp<T>
    {
        bool aRepeats = aStrides[0] == 0 && aStrides[1] == 1 && bStrides[0] == inner && bStrides[1] == 1;
        bool bRepeats = bStrides[0] == 0 && bStrides[1] == 1 && aStrides[0] == inner && aStrides[1] == 1;
        if (!aRepeats && !bRepeats) return false;
        int blockRows = TileElements / inner;
        Span<T> tile = stackalloc T[blockRows * inner];
        var pattern = aRepeats ? da.AsSpan(aOffset, inner) : db.AsSpan(bOffset, inner);
        for (int r = 0; r < blockRows; r++) pattern.CopyTo(tile.Slice(r * inner, inner));
        for (int r = 0; r < rows; r += blockRows)
        {
            int n = Math.Min(blockRows, rows - r) * inner;
            var d = dst.Slice(r * inner, n);
            if (aRepeats) TOp.Apply(tile[..n], db.AsSpan(bOffset + r * inner, n), d);
            else TOp.Apply(da.AsSpan(aOffset + r * inner, n), tile[..n], d);
        }
        return true;
    }

    /// <summary>cond ? a : b with broadcasting over all three; cond is tested against zero.</summary>
    public static Tensor Where(Tensor cond, Tensor a, Tensor b, int[] shape)
    {
        var c = cond.DType == a.DType ? cond : Cast(cond, a.DType);
        return a.DType switch
        {
            DType.Float32 => WhereTyped<float>(c, a, b, shape),
            DType.Float64 => WhereTyped<double>(c, a, b, shape),
            _ => WhereTyped<long>(c, a, b, shape),
        };
    }

    private static Tensor WhereTyped<T>(Tensor cond, Tensor a, Tensor b, int[] shape) where T : unmanaged, INumber<T>
    {
        var result = Tensor.Empty(shape, a.DType);
        var dst = Data<T>(result);
        if (dst.Length == 0) return result;
        var dc = Data<T>(cond);
        var da = Data<T>(a);
        var db = Data<T>(b);
        var (cs, st) = Strided.Collapse(shape, ShapeUtil.BroadcastStrides(cond, shape), ShapeUtil.BroadcastStrides(a, shape), ShapeUtil.BroadcastStrides(b, shape), result._strides);
        int inner = cs[^1], sc = st[0][^1], sa = st[1][^1], sb = st[2][^1];
        int rows = Strided.Rows(cs);
        var index = new int[cs.Length];
        Span<int> offs = stackalloc int[4] { cond.Offset, a.Offset, b.Offset, 0 };
        for (int r = 0; r < rows; r++)
        {
            int pc = offs[0], pa = offs[1], pb = offs[2], pd = offs[3];
            int j = 0;
            if (sc == 1 && sa <= 1 && sb <= 1 && Vector.IsHardwareAccelerated)
            {
                // The common layouts (contiguous, or a scalar branch) select whole vectors at a time.
                var va0 = new Vector<T>(da[pa]);
                var vb0 = new Vector<T>(db[pb]);
                for (; j <= inner - Vector<T>.Count; j += Vector<T>.Count)
                {
                    var mask = ~Vector.Equals(new Vector<T>(dc.AsSpan(pc + j)), Vector<T>.Zero);
                    var va = sa == 1 ? new Vector<T>(da.AsSpan(pa + j)) : va0;
                    var vb = sb == 1 ? new Vector<T>(db.AsSpan(pb + j)) : vb0;
                    Vector.ConditionalSelect(mask, va, vb).CopyTo(dst.AsSpan(pd + j));
                }
            }
            for (; j < inner; j++)
                dst[pd + j] = dc[pc + j * sc] != T.Zero ? da[pa + j * sa] : db[pb + j * sb];
            Strided.Next(index, cs, st, offs);
        }
        return result;
    }

    /// <summary>Converts every element to <paramref name="dtype"/> (truncating toward zero for floats to int64, like PyTorch).</summary>
    public static Tensor Cast(Tensor x, DType dtype)
    {
        var src = x.Materialize();
        var result = Tensor.Empty((int[])x._shape.Clone(), dtype);
        int n = result.Numel;
        switch (src.Storage, result.Storage)
        {
            case (Storage<float> s, Storage<double> d): for (int i = 0; i < n; i++) d.Data[i] = s.Data[src.Offset + i]; break;
            case (Storage<float> s, Storage<long> d): for (int i = 0; i < n; i++) d.Data[i] = (long)s.Data[src.Offset + i]; break;
            case (Storage<double> s, Storage<float> d): for (int i = 0; i < n; i++) d.Data[i] = (float)s.Data[src.Offset + i]; break;
            case (Storage<double> s, Storage<long> d): for (int i = 0; i < n; i++) d.Data[i] = (long)s.Data[src.Offset + i]; break;
            case (Storage<long> s, Storage<float> d): for (int i = 0; i < n; i++) d.Data[i] = s.Data[src.Offset + i]; break;
            case (Storage<long> s, Storage<double> d): for (int i = 0; i < n; i++) d.Data[i] = s.Data[src.Offset + i]; break;
            default: throw new InvalidOperationException($"Cast: {x.DType.Name()} to {dtype.Name()}.");
        }
        return result;
    }
}
