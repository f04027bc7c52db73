using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nabla.Ops;

/// <summary>A unary elementwise kernel over contiguous spans (in place allowed: x and y may be the same span).</summary>
internal interface IUnaryOp<T>
{
    static abstract void Apply(ReadOnlySpan<T> x, Span<T> y);
}

/// <summary>A binary elementwise kernel in its three contiguous forms: span∘span, span∘scalar, scalar∘span.</summary>
internal interface IBinaryOp<T>
{
    static abstract void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d);
    static abstract void Apply(ReadOnlySpan<T> a, T b, Span<T> d);
    static abstract void Apply(T a, ReadOnlySpan<T> b, Span<T> d);
}

internal readonly struct AddOp<T> : IBinaryOp<T> where T : INumberBase<T>
{
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Add(a, b, d);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Add(a, b, d);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Add(b, a, d);
}

internal readonly struct SubOp<T> : IBinaryOp<T> where T : INumberBase<T>
{
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Subtract(a, b, d);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Subtract(a, b, d);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Subtract(a, b, d);
}

internal readonly struct MulOp<T> : IBinaryOp<T> where T : INumberBase<T>
{
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Multiply(a, b, d);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Multiply(a, b, d);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Multiply(b, a, d);
}

internal readonly struct DivOp<T> : IBinaryOp<T> where T : INumberBase<T>
{
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Divide(a, b, d);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Divide(a, b, d);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Divide(a, b, d);
}

internal readonly struct PowOp<T> : IBinaryOp<T> where T : IPowerFunctions<T>
{
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Pow(a, b, d);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Pow(a, b, d);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Pow(a, b, d);
}

internal readonly struct MaxOp<T> : IBinaryOp<T> where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Max(a, b, d);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Max(a, b, d);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Max(b, a, d);
}

internal readonly struct MinOp<T> : IBinaryOp<T> where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Min(a, b, d);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Min(a, b, d);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Min(b, a, d);
}

/// <summary>Comparison predicates; results are 1 where true and 0 where false, in the operands' dtype.</summary>
internal interface IPredicate<T> where T : struct
{
    static abstract bool Test(T a, T b);
    static abstract Vector<T> Test(Vector<T> a, Vector<T> b);
}

internal readonly struct GreaterOp<T> : IPredicate<T> where T : struct, INumber<T>
{
    public static bool Test(T a, T b) => a > b;
    public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.GreaterThan(a, b);
}

internal readonly struct GreaterEqualOp<T> : IPredicate<T> where T : struct, INumber<T>
{
    public static bool Test(T a, T b) => a >= b;
    public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.GreaterThanOrEqual(a, b);
}

internal readonly struct LessOp<T> : IPredicate<T> where T : struct, INumber<T>
{
    public static bool Test(T a, T b) => a < b;
    public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.LessThan(a, b);
}

internal readonly struct LessEqualOp<T> : IPredicate<T> where T : struct, INumber<T>
{
    public static bool Test(T a, T b) => a <= b;
    public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.LessThanOrEqual(a, b);
}

internal readonly struct EqualOp<T> : IPredicate<T> where T : struct, INumber<T>
{
    public static bool Test(T a, T b) => a == b;
    public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.Equals(a, b);
}

internal readonly struct NotEqualOp<T> : IPredicate<T> where T : struct, INumber<T>
{
    public static bool Test(T a, T b) => a != b;
    public static Vector<T> Test(Vector<T> a, Vector<T> b) => ~Vector.Equals(a, b);
}

/// <summary>Adapts a predicate to the binary-op shape, producing 1/0 masks with SIMD.</summary>
internal readonly struct CompareOp<T, TPred> : IBinaryOp<T> where T : struct, INumber<T> where TPred : IPredicate<T>
{
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => Run(a, false, b, false, d);
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => Run(a, false, [b], true, d);
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => Run([a], true, b, false, d);

    private static void Run(ReadOnlySpan<T> a, bool aScalar, ReadOnlySpan<T> b, bool bScalar, Span<T> d)
    {
        int n = d.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var one = Vector<T>.One;
            var va0 = aScalar ? new Vector<T>(a[0]) : default;
            var vb0 = bScalar ? new Vector<T>(b[0]) : default;
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                var va = aScalar ? va0 : new Vector<T>(a.Slice(i));
                var vb = bScalar ? vb0 : new Vector<T>(b.Slice(i));
                (TPred.Test(va, vb) & one).CopyTo(d.Slice(i));
            }
        }
        for (; i < n; i++)
            d[i] = TPred.Test(aScalar ? a[0] : a[i], bScalar ? b[0] : b[i]) ? T.One : T.Zero;
    }
}

/// <summary>a where b &gt; 0, else 0: the ReLU backward (gradient a, output b) in one pass.</summary>
internal readonly struct WherePositiveOp<T> : IBinaryOp<T> where T : struct, INumber<T>
{
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d)
    {
        int n = d.Length, i = 0;
        if (a.Length < n || b.Length < n) throw new ArgumentException("WherePositive: operands shorter than the destination.");
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref MemoryMarshal.GetReference(b);
        ref T rd = ref MemoryMarshal.GetReference(d);
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var mask = Vector512.GreaterThan(Vector512.LoadUnsafe(ref rb, (nuint)i), Vector512<T>.Zero);
                (Vector512.LoadUnsafe(ref ra, (nuint)i) & mask).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var mask = Vector256.GreaterThan(Vector256.LoadUnsafe(ref rb, (nuint)i), Vector256<T>.Zero);
                (Vector256.LoadUnsafe(ref ra, (nuint)i) & mask).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++) Unsafe.Add(ref rd, i) = Unsafe.Add(ref rb, i) > T.Zero ? Unsafe.Add(ref ra, i) : T.Zero;
    }

    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d)
    {
        if (b > T.Zero) a.CopyTo(d);
        else d.Clear();
    }

    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = b[i] > T.Zero ? a : T.Zero;
    }
}

internal readonly struct NegOp<T> : IUnaryOp<T> where T : INumberBase<T>
{
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Negate(x, y);
}

internal readonly struct ExpOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => Nabla.Kernels.ExpOperator<T>.Apply(x, y);
}

internal readonly struct LogOp<T> : IUnaryOp<T> where T : ILogarithmicFunctions<T>
{
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Log(x, y);
}

/// <summary>ln(1 + x), exact to rounding even where 1 + x has lost most of x's digits.</summary>
internal readonly struct Log1pOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => Nabla.Kernels.Log1pOperator<T>.Apply(x, y);
}

internal readonly struct SqrtOp<T> : IUnaryOp<T> where T : IRootFunctions<T>
{
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sqrt(x, y);
}

internal readonly struct AbsOp<T> : IUnaryOp<T> where T : INumberBase<T>
{
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Abs(x, y);
}

internal readonly struct ReluOp<T> : IUnaryOp<T> where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Max(x, T.Zero, y);
}

internal readonly struct SigmoidOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => Nabla.Kernels.SigmoidOperator<T>.Apply(x, y);
}

internal readonly struct TanhOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => Nabla.Kernels.TanhOperator<T>.Apply(x, y);
}

/// <summary>log(1 + eˣ) as max(x, 0) + log1p(e^(−|x|)), which never overflows and keeps full precision in both tails.</summary>
internal readonly struct SoftplusOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Block = 256;

    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        Span<T> t = stackalloc T[Block];
        for (int i = 0; i < x.Length; i += Block)
        {
            int n = Math.Min(Block, x.Length - i);
            var xs = x.Slice(i, n);
            var ys = y.Slice(i, n);
            var ts = t[..n];
            TensorPrimitives.Abs(xs, ts);
            TensorPrimitives.Negate(ts, ts);
            TensorPrimitives.Exp(ts, ts);
            Log1pOp<T>.Apply(ts, ts);
            TensorPrimitives.Max(xs, T.Zero, ys);
            TensorPrimitives.Add(ys, ts, ys);
        }
    }
}

internal readonly struct ErfOp<T> : IUnaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(x[i])));
    }
}
