using System.Globalization;
using System.Numerics;

namespace Nabla.Kernels.Tests;

/// <summary>
/// Plain loops that the kernel tests compare against: row-major walks over a shape, strided element offsets,
/// reproducible random data and element-by-element assertions whose messages name the failing position.
/// </summary>
internal static class KernelReference
{
    /// <summary>The number of elements of <paramref name="shape"/>.</summary>
    public static int Count(ReadOnlySpan<int> shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }

    /// <summary>Every multi-index of <paramref name="shape"/> in row-major order (none when a dim is 0).</summary>
    public static IEnumerable<int[]> Indices(int[] shape)
    {
        if (Count(shape) == 0) yield break;
        var index = new int[shape.Length];
        while (true)
        {
            yield return (int[])index.Clone();
            int d = shape.Length - 1;
            for (; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
            if (d < 0) yield break;
        }
    }

    /// <summary>Σ index[i]·strides[i]: where a strided operand keeps the element at <paramref name="index"/>.</summary>
    public static int Offset(int[] index, int[] strides)
    {
        int offset = 0;
        for (int i = 0; i < index.Length; i++) offset += index[i] * strides[i];
        return offset;
    }

    /// <summary>The offset of every element of a strided operand, in row-major order of <paramref name="shape"/>.</summary>
    public static int[] Offsets(int[] shape, int[] strides)
    {
        var offsets = new int[Count(shape)];
        if (offsets.Length == 0) return offsets;
        var index = new int[shape.Length];
        for (int flat = 0, offset = 0; flat < offsets.Length; flat++)
        {
            offsets[flat] = offset;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                offset += strides[d];
                if (++index[d] < shape[d]) break;
                offset -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
        return offsets;
    }

    /// <summary>The number of elements a strided operand spans: 1 + Σ (shape[i] − 1)·strides[i], or 0 for an empty shape.</summary>
    public static int Extent(int[] shape, int[] strides)
    {
        if (Count(shape) == 0) return 0;
        int extent = 1;
        for (int i = 0; i < shape.Length; i++) extent += (shape[i] - 1) * strides[i];
        return extent;
    }

    /// <summary>Row-major strides, written out by hand so that the tests do not rely on the kernels' own helper.</summary>
    public static int[] RowMajor(params int[] shape)
    {
        var strides = new int[shape.Length];
        for (int i = shape.Length - 1, s = 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    /// <summary>
    /// <paramref name="n"/> values drawn uniformly from [lo, hi): integers for an integer <typeparamref name="T"/>,
    /// otherwise doubles rounded to <typeparamref name="T"/>.
    /// </summary>
    public static T[] Random<T>(Random random, int n, double lo = -10, double hi = 10) where T : INumberBase<T>
    {
        bool integer = typeof(T) == typeof(long) || typeof(T) == typeof(int);
        var data = new T[n];
        for (int i = 0; i < n; i++)
        {
            double v = lo + ((hi - lo) * random.NextDouble());
            data[i] = T.CreateTruncating(integer ? Math.Floor(v) : v);
        }
        return data;
    }

    /// <summary>Like <see cref="Random{T}"/> but never 0 (divisors).</summary>
    public static T[] NonZero<T>(Random random, int n) where T : INumberBase<T>
    {
        var data = Random<T>(random, n, 1, 10);
        for (int i = 0; i < n; i += 2) data[i] = -data[i];
        return data;
    }

    /// <summary>Asserts element-wise equality, NaN equal to NaN, naming the first position that differs.</summary>
    public static void Exact<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(expected[i], actual[i]))
                Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{what}: element {i} is {actual[i]}, expected {expected[i]}."));
        }
    }

    /// <summary>
    /// Asserts |actual − expected| ≤ rtol·|expected| + atol element-wise, with the exact expected value first rounded to
    /// <typeparamref name="T"/> (so that underflow and overflow count as right); equal infinities and NaN against NaN pass.
    /// </summary>
    public static void Close<T>(ReadOnlySpan<double> expected, ReadOnlySpan<T> actual, double rtol, double atol, string what)
        where T : INumberBase<T>
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateTruncating(T.CreateTruncating(expected[i])), a = double.CreateTruncating(actual[i]);
            if (e.Equals(a)) continue;
            if (!(Math.Abs(a - e) <= (rtol * Math.Abs(e)) + atol))
            {
                Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"{what}: element {i} is {a:R}, expected {e:R} (|error| {Math.Abs(a - e):G3}, rtol {rtol:G2}, atol {atol:G2})."));
            }
        }
    }

    /// <summary>The relative tolerance that a few ulps of <typeparamref name="T"/> amount to (float32 or float64).</summary>
    public static double Ulps<T>(int ulps) => ulps * (typeof(T) == typeof(float) ? 1.2e-7 : 2.3e-16);

    /// <summary>ln(1 + x) to about an ulp of double: its Taylor series where 1 + x would lose digits of x.</summary>
    public static double Log1p(double x)
    {
        if (Math.Abs(x) >= 0.25) return Math.Log(1 + x);
        double term = x, sum = 0;
        for (int n = 1; n < 60; n++)
        {
            sum += term / n;
            term *= -x;
        }
        return sum;
    }
}
