using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// One hardware vector of doubles with the lane operations the elementwise math functions are written in, so that
/// one function source is specialized by the JIT for Vector512, Vector256 and Vector128. A mask is a vector whose
/// lanes are all ones (true) or all zeros (false). The multiply-add is always fused (one rounding): the functions'
/// error-free transformations depend on it.
/// </summary>
/// <typeparam name="TSelf">The implementing vector type.</typeparam>
internal interface IDoubleVector<TSelf>
    where TSelf : struct, IDoubleVector<TSelf>
{
    /// <summary>Gets the number of lanes.</summary>
    static abstract int Count { get; }

    /// <summary>Returns a vector with every lane equal to <paramref name="value"/>.</summary>
    static abstract TSelf Create(double value);

    /// <summary>Returns a vector with every lane holding the bit pattern <paramref name="bits"/>.</summary>
    static abstract TSelf FromBits(long bits);

    /// <summary>Loads <see cref="Count"/> doubles from <paramref name="source"/> + <paramref name="offset"/>.</summary>
    static abstract TSelf Load(ref double source, nuint offset);

    /// <summary>Loads 2·<see cref="Count"/> floats converted to double: the first half returned, the second in <paramref name="upper"/>.</summary>
    static abstract TSelf LoadWidened(ref float source, nuint offset, out TSelf upper);

    /// <summary>Stores the lanes to <paramref name="destination"/> + <paramref name="offset"/>.</summary>
    static abstract void Store(TSelf value, ref double destination, nuint offset);

    /// <summary>Stores the lanes of <paramref name="lower"/> then <paramref name="upper"/> rounded to float.</summary>
    static abstract void StoreNarrowed(TSelf lower, TSelf upper, ref float destination, nuint offset);

    /// <summary>a + b.</summary>
    static abstract TSelf operator +(TSelf a, TSelf b);

    /// <summary>a − b.</summary>
    static abstract TSelf operator -(TSelf a, TSelf b);

    /// <summary>−x.</summary>
    static abstract TSelf operator -(TSelf x);

    /// <summary>a · b.</summary>
    static abstract TSelf operator *(TSelf a, TSelf b);

    /// <summary>a / b.</summary>
    static abstract TSelf operator /(TSelf a, TSelf b);

    /// <summary>The bitwise and of the lanes' bit patterns.</summary>
    static abstract TSelf operator &(TSelf a, TSelf b);

    /// <summary>The bitwise exclusive or of the lanes' bit patterns.</summary>
    static abstract TSelf operator ^(TSelf a, TSelf b);

    /// <summary>a·b + c with one rounding.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>|x|.</summary>
    static abstract TSelf Abs(TSelf x);

    /// <summary>min(limit, x), and x itself where x is NaN: one instruction, where the IEEE minimum needs several.</summary>
    static abstract TSelf Min(TSelf limit, TSelf x);

    /// <summary>max(limit, x), and x itself where x is NaN.</summary>
    static abstract TSelf Max(TSelf limit, TSelf x);

    /// <summary>The mask of lanes where a &gt; b (false where either is NaN).</summary>
    static abstract TSelf GreaterThan(TSelf a, TSelf b);

    /// <summary>The mask of lanes whose bit patterns are equal.</summary>
    static abstract TSelf BitsEqual(TSelf a, TSelf b);

    /// <summary>Per lane, <paramref name="whenTrue"/> where <paramref name="mask"/> is set, else <paramref name="whenFalse"/>.</summary>
    static abstract TSelf Select(TSelf mask, TSelf whenTrue, TSelf whenFalse);

    /// <summary>Whether any lane of <paramref name="mask"/> is set.</summary>
    static abstract bool Any(TSelf mask);

    /// <summary>Each lane's bit pattern shifted left by <paramref name="count"/> bits, as a 64-bit integer.</summary>
    static abstract TSelf ShiftBitsLeft(TSelf x, int count);

    /// <summary>The sum of the lanes' bit patterns as 64-bit integers.</summary>
    static abstract TSelf AddBits(TSelf a, TSelf b);
}

/// <summary>AVX-512: eight doubles.</summary>
internal readonly struct DoubleVector512(Vector512<double> value) : IDoubleVector<DoubleVector512>
{
    private readonly Vector512<double> _value = value;

    public static int Count => Vector512<double>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 Create(double value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 FromBits(long bits) => new(Vector512.Create(bits).AsDouble());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 Load(ref double source, nuint offset) => new(Vector512.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 LoadWidened(ref float source, nuint offset, out DoubleVector512 upper)
    {
        var (lower, high) = Vector512.Widen(Vector512.LoadUnsafe(ref source, offset));
        upper = new(high);
        return new(lower);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(DoubleVector512 value, ref double destination, nuint offset) => value._value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrowed(DoubleVector512 lower, DoubleVector512 upper, ref float destination, nuint offset) =>
        Vector512.Narrow(lower._value, upper._value).StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 operator +(DoubleVector512 a, DoubleVector512 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 operator -(DoubleVector512 a, DoubleVector512 b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 operator -(DoubleVector512 x) => new(-x._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 operator *(DoubleVector512 a, DoubleVector512 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 operator /(DoubleVector512 a, DoubleVector512 b) => new(a._value / b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 operator &(DoubleVector512 a, DoubleVector512 b) => new(a._value & b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 operator ^(DoubleVector512 a, DoubleVector512 b) => new(a._value ^ b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 MultiplyAdd(DoubleVector512 a, DoubleVector512 b, DoubleVector512 c) =>
        new(Vector512.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 Abs(DoubleVector512 x) => new(Vector512.Abs(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 Min(DoubleVector512 limit, DoubleVector512 x) => new(Vector512.MinNative(limit._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 Max(DoubleVector512 limit, DoubleVector512 x) => new(Vector512.MaxNative(limit._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 GreaterThan(DoubleVector512 a, DoubleVector512 b) => new(Vector512.GreaterThan(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 BitsEqual(DoubleVector512 a, DoubleVector512 b) =>
        new(Vector512.Equals(a._value.AsInt64(), b._value.AsInt64()).AsDouble());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 Select(DoubleVector512 mask, DoubleVector512 whenTrue, DoubleVector512 whenFalse) =>
        new(Vector512.ConditionalSelect(mask._value, whenTrue._value, whenFalse._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(DoubleVector512 mask) => mask._value.AsInt64() != Vector512<long>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 ShiftBitsLeft(DoubleVector512 x, int count) => new(Vector512.ShiftLeft(x._value.AsInt64(), count).AsDouble());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector512 AddBits(DoubleVector512 a, DoubleVector512 b) => new((a._value.AsInt64() + b._value.AsInt64()).AsDouble());
}

/// <summary>AVX2: four doubles.</summary>
internal readonly struct DoubleVector256(Vector256<double> value) : IDoubleVector<DoubleVector256>
{
    private readonly Vector256<double> _value = value;

    public static int Count => Vector256<double>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 Create(double value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 FromBits(long bits) => new(Vector256.Create(bits).AsDouble());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 Load(ref double source, nuint offset) => new(Vector256.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 LoadWidened(ref float source, nuint offset, out DoubleVector256 upper)
    {
        var (lower, high) = Vector256.Widen(Vector256.LoadUnsafe(ref source, offset));
        upper = new(high);
        return new(lower);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(DoubleVector256 value, ref double destination, nuint offset) => value._value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrowed(DoubleVector256 lower, DoubleVector256 upper, ref float destination, nuint offset) =>
        Vector256.Narrow(lower._value, upper._value).StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 operator +(DoubleVector256 a, DoubleVector256 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 operator -(DoubleVector256 a, DoubleVector256 b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 operator -(DoubleVector256 x) => new(-x._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 operator *(DoubleVector256 a, DoubleVector256 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 operator /(DoubleVector256 a, DoubleVector256 b) => new(a._value / b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 operator &(DoubleVector256 a, DoubleVector256 b) => new(a._value & b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 operator ^(DoubleVector256 a, DoubleVector256 b) => new(a._value ^ b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 MultiplyAdd(DoubleVector256 a, DoubleVector256 b, DoubleVector256 c) =>
        new(Vector256.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 Abs(DoubleVector256 x) => new(Vector256.Abs(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 Min(DoubleVector256 limit, DoubleVector256 x) => new(Vector256.MinNative(limit._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 Max(DoubleVector256 limit, DoubleVector256 x) => new(Vector256.MaxNative(limit._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 GreaterThan(DoubleVector256 a, DoubleVector256 b) => new(Vector256.GreaterThan(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 BitsEqual(DoubleVector256 a, DoubleVector256 b) =>
        new(Vector256.Equals(a._value.AsInt64(), b._value.AsInt64()).AsDouble());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 Select(DoubleVector256 mask, DoubleVector256 whenTrue, DoubleVector256 whenFalse) =>
        new(Vector256.ConditionalSelect(mask._value, whenTrue._value, whenFalse._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(DoubleVector256 mask) => mask._value.AsInt64() != Vector256<long>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 ShiftBitsLeft(DoubleVector256 x, int count) => new(Vector256.ShiftLeft(x._value.AsInt64(), count).AsDouble());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector256 AddBits(DoubleVector256 a, DoubleVector256 b) => new((a._value.AsInt64() + b._value.AsInt64()).AsDouble());
}

/// <summary>SSE, NEON or software: two doubles; also the path when no wider vector is accelerated.</summary>
internal readonly struct DoubleVector128(Vector128<double> value) : IDoubleVector<DoubleVector128>
{
    private readonly Vector128<double> _value = value;

    public static int Count => Vector128<double>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 Create(double value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 FromBits(long bits) => new(Vector128.Create(bits).AsDouble());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 Load(ref double source, nuint offset) => new(Vector128.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 LoadWidened(ref float source, nuint offset, out DoubleVector128 upper)
    {
        var (lower, high) = Vector128.Widen(Vector128.LoadUnsafe(ref source, offset));
        upper = new(high);
        return new(lower);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(DoubleVector128 value, ref double destination, nuint offset) => value._value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrowed(DoubleVector128 lower, DoubleVector128 upper, ref float destination, nuint offset) =>
        Vector128.Narrow(lower._value, upper._value).StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 operator +(DoubleVector128 a, DoubleVector128 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 operator -(DoubleVector128 a, DoubleVector128 b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 operator -(DoubleVector128 x) => new(-x._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 operator *(DoubleVector128 a, DoubleVector128 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 operator /(DoubleVector128 a, DoubleVector128 b) => new(a._value / b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 operator &(DoubleVector128 a, DoubleVector128 b) => new(a._value & b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 operator ^(DoubleVector128 a, DoubleVector128 b) => new(a._value ^ b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 MultiplyAdd(DoubleVector128 a, DoubleVector128 b, DoubleVector128 c) =>
        new(Vector128.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 Abs(DoubleVector128 x) => new(Vector128.Abs(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 Min(DoubleVector128 limit, DoubleVector128 x) => new(Vector128.MinNative(limit._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 Max(DoubleVector128 limit, DoubleVector128 x) => new(Vector128.MaxNative(limit._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 GreaterThan(DoubleVector128 a, DoubleVector128 b) => new(Vector128.GreaterThan(a._value, b._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 BitsEqual(DoubleVector128 a, DoubleVector128 b) =>
        new(Vector128.Equals(a._value.AsInt64(), b._value.AsInt64()).AsDouble());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 Select(DoubleVector128 mask, DoubleVector128 whenTrue, DoubleVector128 whenFalse) =>
        new(Vector128.ConditionalSelect(mask._value, whenTrue._value, whenFalse._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(DoubleVector128 mask) => mask._value.AsInt64() != Vector128<long>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 ShiftBitsLeft(DoubleVector128 x, int count) => new(Vector128.ShiftLeft(x._value.AsInt64(), count).AsDouble());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DoubleVector128 AddBits(DoubleVector128 a, DoubleVector128 b) => new((a._value.AsInt64() + b._value.AsInt64()).AsDouble());
}
