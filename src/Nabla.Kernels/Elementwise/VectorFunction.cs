using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>A function of one double, written once over the lanes of any <see cref="IDoubleVector{TSelf}"/>.</summary>
internal interface IVectorFunction
{
    /// <summary>f(x) in every lane, accurate to double precision.</summary>
    static abstract TVector Evaluate<TVector>(TVector x)
        where TVector : struct, IDoubleVector<TVector>;
}

/// <summary>
/// A function with a cheaper evaluation for float results: computed in double lanes from widened floats, it needs only
/// enough accuracy that rounding to float is unaffected.
/// </summary>
internal interface ISingleVectorFunction
{
    /// <summary>f(x) in every lane, accurate to well below float precision (x is a float widened to double).</summary>
    static abstract TVector EvaluateForSingle<TVector>(TVector x)
        where TVector : struct, IDoubleVector<TVector>;
}

/// <summary>The library's scalar form of a function, for the rare lanes a vector function does not cover.</summary>
internal interface IScalarFunction
{
    /// <summary>f(x).</summary>
    static abstract double Invoke(double x);
}

/// <summary>
/// Runs a vector function over contiguous spans at the widest accelerated vector width. A tail shorter than one
/// vector is evaluated in a padded copy, so every element takes the same lane code and the results do not depend on
/// the length or on the element's position; x and y may be the same span.
/// </summary>
internal static class VectorFunction
{
    /// <summary>The most doubles in one vector, which sizes the tail buffer.</summary>
    private const int MaxDoubles = 8;

    /// <summary>Writes f(x[i]) to y[i] for every i.</summary>
    public static void Apply<TFunction>(ReadOnlySpan<double> x, Span<double> y)
        where TFunction : IVectorFunction
    {
        CheckLengths(x.Length, y.Length, nameof(y));
        if (Vector512.IsHardwareAccelerated)
            Apply<TFunction, DoubleVector512>(x, y);
        else if (Vector256.IsHardwareAccelerated)
            Apply<TFunction, DoubleVector256>(x, y);
        else
            Apply<TFunction, DoubleVector128>(x, y);
    }

    /// <summary>Writes f(x[i]) to y[i] for every i, evaluating in double and rounding once to float.</summary>
    public static void Apply<TFunction>(ReadOnlySpan<float> x, Span<float> y)
        where TFunction : ISingleVectorFunction
    {
        CheckLengths(x.Length, y.Length, nameof(y));
        if (Vector512.IsHardwareAccelerated)
            Apply<TFunction, DoubleVector512>(x, y);
        else if (Vector256.IsHardwareAccelerated)
            Apply<TFunction, DoubleVector256>(x, y);
        else
            Apply<TFunction, DoubleVector128>(x, y);
    }

    /// <summary><paramref name="result"/> with the lanes set in <paramref name="mask"/> replaced by the scalar function of x's lane.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static TVector Patch<TScalar, TVector>(TVector x, TVector result, TVector mask)
        where TScalar : IScalarFunction
        where TVector : struct, IDoubleVector<TVector>
    {
        Span<double> lanes = stackalloc double[3 * MaxDoubles];
        ref double xs = ref MemoryMarshal.GetReference(lanes);
        TVector.Store(x, ref xs, 0);
        TVector.Store(result, ref xs, MaxDoubles);
        TVector.Store(mask, ref xs, 2 * MaxDoubles);
        for (int i = 0; i < TVector.Count; i++)
        {
            if (BitConverter.DoubleToInt64Bits(lanes[2 * MaxDoubles + i]) != 0)
                lanes[MaxDoubles + i] = TScalar.Invoke(lanes[i]);
        }

        return TVector.Load(ref xs, MaxDoubles);
    }

    private static void CheckLengths(int source, int destination, string paramName)
    {
        if (destination < source)
            throw new ArgumentException($"The destination ({destination} elements) is shorter than the source ({source}).", paramName);
    }

    /// <summary>
    /// <see cref="Apply{TFunction}(ReadOnlySpan{double}, Span{double})"/> at the width of <typeparamref name="TVector"/>,
    /// emulated where the hardware lacks it; the lengths must already be checked.
    /// </summary>
    internal static void Apply<TFunction, TVector>(ReadOnlySpan<double> x, Span<double> y)
        where TFunction : IVectorFunction
        where TVector : struct, IDoubleVector<TVector>
    {
        ref double xs = ref MemoryMarshal.GetReference(x);
        ref double ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0, count = TVector.Count;
        for (; i <= n - 2 * count; i += 2 * count)
        {
            var a = TFunction.Evaluate(TVector.Load(ref xs, (nuint)i));
            var b = TFunction.Evaluate(TVector.Load(ref xs, (nuint)(i + count)));
            TVector.Store(a, ref ys, (nuint)i);
            TVector.Store(b, ref ys, (nuint)(i + count));
        }
        for (; i <= n - count; i += count)
            TVector.Store(TFunction.Evaluate(TVector.Load(ref xs, (nuint)i)), ref ys, (nuint)i);
        if (i < n)
            ApplyTail<TFunction, TVector>(x[i..], y[i..]);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ApplyTail<TFunction, TVector>(ReadOnlySpan<double> x, Span<double> y)
        where TFunction : IVectorFunction
        where TVector : struct, IDoubleVector<TVector>
    {
        Span<double> buffer = stackalloc double[MaxDoubles];
        x.CopyTo(buffer);
        ref double b = ref MemoryMarshal.GetReference(buffer);
        TVector.Store(TFunction.Evaluate(TVector.Load(ref b, 0)), ref b, 0);
        buffer[..x.Length].CopyTo(y);
    }

    /// <summary>
    /// <see cref="Apply{TFunction}(ReadOnlySpan{float}, Span{float})"/> at the width of <typeparamref name="TVector"/>,
    /// emulated where the hardware lacks it; the lengths must already be checked.
    /// </summary>
    internal static void Apply<TFunction, TVector>(ReadOnlySpan<float> x, Span<float> y)
        where TFunction : ISingleVectorFunction
        where TVector : struct, IDoubleVector<TVector>
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0, step = 2 * TVector.Count;
        for (; i <= n - step; i += step)
        {
            var lower = TVector.LoadWidened(ref xs, (nuint)i, out var upper);
            TVector.StoreNarrowed(TFunction.EvaluateForSingle(lower), TFunction.EvaluateForSingle(upper), ref ys, (nuint)i);
        }
        if (i < n)
            ApplyTail<TFunction, TVector>(x[i..], y[i..]);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ApplyTail<TFunction, TVector>(ReadOnlySpan<float> x, Span<float> y)
        where TFunction : ISingleVectorFunction
        where TVector : struct, IDoubleVector<TVector>
    {
        Span<float> buffer = stackalloc float[2 * MaxDoubles];
        x.CopyTo(buffer);
        ref float b = ref MemoryMarshal.GetReference(buffer);
        var lower = TVector.LoadWidened(ref b, 0, out var upper);
        TVector.StoreNarrowed(TFunction.EvaluateForSingle(lower), TFunction.EvaluateForSingle(upper), ref b, 0);
        buffer[..x.Length].CopyTo(y);
    }
}
