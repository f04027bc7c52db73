namespace Nabla.Kernels.Tests;

/// <summary>The checks every elementwise unary operator passes: lengths and tails, offsets, aliasing, widths.</summary>
internal static class UnaryOperatorChecks
{
    /// <summary>
    /// For every length 0..257 at offsets 0, 1 and 3, each element gets the value it gets in one call over the whole
    /// array (bit for bit, or as <paramref name="same"/> says), nothing past the length is written, the operator works
    /// in place, and a short destination is rejected.
    /// </summary>
    public static void EveryLengthOffsetAndAlias<TOperator, T>(T[] x, Func<T, T, bool>? same = null)
        where TOperator : IUnaryOperator<T>
        where T : unmanaged, IEquatable<T>
    {
        same ??= (a, b) => a.Equals(b);
        var expected = new T[x.Length];
        TOperator.Apply(x, expected);
        var sentinel = x[0];
        for (int length = 0; length <= 257; length++)
        {
            foreach (int offset in new[] { 0, 1, 3 })
            {
                var y = new T[length + 1];
                y[length] = sentinel;
                TOperator.Apply(x.AsSpan(offset, length), y);
                Assert.True(AllSame(expected.AsSpan(offset, length), y.AsSpan(0, length), same), $"length {length}, offset {offset}");
                Assert.Equal(sentinel, y[length]);

                var inPlace = x.AsSpan(offset, length).ToArray();
                TOperator.Apply(inPlace, inPlace);
                Assert.True(AllSame(expected.AsSpan(offset, length), inPlace, same), $"in place, length {length}, offset {offset}");
            }
        }
        Assert.Throws<ArgumentException>(() => TOperator.Apply(new T[17], new T[16]));
    }

    private static bool AllSame<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, Func<T, T, bool> same)
    {
        for (int i = 0; i < expected.Length; i++)
            if (!same(expected[i], actual[i])) return false;
        return true;
    }

    /// <summary>Random arguments of mixed sign over many binades, at least 300 of them.</summary>
    public static double[] MixedArguments(int seed, int minExponent, int maxExponent)
    {
        var rng = new Random(seed);
        var x = new double[300];
        for (int i = 0; i < x.Length; i++) x[i] = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(minExponent, maxExponent + 1));
        return x;
    }

    /// <summary>The function at every vector width, emulated where the hardware lacks it, gives the bits of the dispatched call.</summary>
    public static void EveryWidthGivesTheSameBits<TFunction>(double[] x, double[] expected)
        where TFunction : IVectorFunction
    {
        Assert.Equal(expected, At<TFunction, DoubleVector512>(x));
        Assert.Equal(expected, At<TFunction, DoubleVector256>(x));
        Assert.Equal(expected, At<TFunction, DoubleVector128>(x));
    }

    /// <summary>The float form of <see cref="EveryWidthGivesTheSameBits{TFunction}(double[], double[])"/>.</summary>
    public static void EveryWidthGivesTheSameBits<TFunction>(float[] x, float[] expected)
        where TFunction : ISingleVectorFunction
    {
        Assert.Equal(expected, At<TFunction, DoubleVector512>(x));
        Assert.Equal(expected, At<TFunction, DoubleVector256>(x));
        Assert.Equal(expected, At<TFunction, DoubleVector128>(x));
    }

    private static double[] At<TFunction, TVector>(double[] x)
        where TFunction : IVectorFunction
        where TVector : struct, IDoubleVector<TVector>
    {
        var y = new double[x.Length];
        VectorFunction.Apply<TFunction, TVector>(x, y);
        return y;
    }

    private static float[] At<TFunction, TVector>(float[] x)
        where TFunction : ISingleVectorFunction
        where TVector : struct, IDoubleVector<TVector>
    {
        var y = new float[x.Length];
        VectorFunction.Apply<TFunction, TVector>(x, y);
        return y;
    }
}
