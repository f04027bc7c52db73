using System.Numerics;
using static Nabla.Kernels.Tests.KernelReference;

namespace Nabla.Kernels.Tests;

/// <summary>
/// <see cref="ElementwiseKernels.Unary"/> (every unary operator, contiguous and strided input),
/// <see cref="ElementwiseKernels.Where"/> (broadcast condition and branches) and <see cref="ElementwiseKernels.Convert"/>
/// against plain loops, in float32, float64 and, where the operator supports it, int64.
/// </summary>
public sealed class ElementwiseKernelsTests
{
    /// <summary>(shape, strides) of strided inputs: transposed, broadcast, permuted and chunk-sized rows.</summary>
    private static readonly (int[] Shape, int[] Strides)[] StridedInputs =
    [
        ([3, 700], [1, 3]),
        ([700, 3], [1, 700]),
        ([4, 300], [0, 1]),
        ([300, 4], [1, 0]),
        ([6, 4, 5], [1, 30, 6]),
        ([2, 1, 3, 257], [771, 5, 257, 1]),
        ([1100], [2]),
        ([5], [0]),
    ];

    [Fact]
    public void ExactUnaryOperatorsMatchOnEveryLengthAndLayout()
    {
        ExactOnAllLayouts<float, NegateOperator<float>>(x => -x, -10, 10);
        ExactOnAllLayouts<double, NegateOperator<double>>(x => -x, -10, 10);
        ExactOnAllLayouts<long, NegateOperator<long>>(x => -x, -10, 10);
        ExactOnAllLayouts<float, AbsOperator<float>>(float.Abs, -10, 10);
        ExactOnAllLayouts<double, AbsOperator<double>>(double.Abs, -10, 10);
        ExactOnAllLayouts<long, AbsOperator<long>>(long.Abs, -10, 10);
        ExactOnAllLayouts<float, ReluOperator<float>>(x => float.Max(x, 0), -10, 10);
        ExactOnAllLayouts<double, ReluOperator<double>>(x => double.Max(x, 0), -10, 10);
        ExactOnAllLayouts<long, ReluOperator<long>>(x => long.Max(x, 0), -10, 10);

        // √ is correctly rounded, and rounding the double √ to float is too (53 ≥ 2·24 + 2 bits).
        ExactOnAllLayouts<float, SqrtOperator<float>>(x => (float)Math.Sqrt(x), 0, 100);
        ExactOnAllLayouts<double, SqrtOperator<double>>(Math.Sqrt, 0, 100);
    }

    [Fact]
    public void ReluKeepsNaN()
    {
        float[] x = [float.NaN, -1, float.NegativeInfinity, float.PositiveInfinity, 3];
        var y = new float[x.Length];
        ElementwiseKernels.Unary<float, ReluOperator<float>>(x, [x.Length], [1], y);
        Exact<float>([float.NaN, 0, 0, float.PositiveInfinity, 3], y, "relu");
    }

    [Fact]
    public void TranscendentalOperatorsMatchDoubleReferenceOnEveryLengthAndLayout()
    {
        CloseOnAllLayouts<float, ExpOperator<float>>(Math.Exp, -80, 80, 4);
        CloseOnAllLayouts<double, ExpOperator<double>>(Math.Exp, -700, 700, 4);
        CloseOnAllLayouts<float, LogOperator<float>>(Math.Log, 1e-3, 1e3, 4);
        CloseOnAllLayouts<double, LogOperator<double>>(Math.Log, 1e-3, 1e3, 4);
        CloseOnAllLayouts<float, SigmoidOperator<float>>(x => 1 / (1 + Math.Exp(-x)), -30, 30, 4, fromLength: 1);
        CloseOnAllLayouts<double, SigmoidOperator<double>>(x => 1 / (1 + Math.Exp(-x)), -30, 30, 4, fromLength: 1);
        CloseOnAllLayouts<float, TanhOperator<float>>(Math.Tanh, 0.5, 20, 4, symmetric: true);
        CloseOnAllLayouts<double, TanhOperator<double>>(Math.Tanh, 0.5, 20, 4, symmetric: true);
        CloseOnAllLayouts<float, Log1pOperator<float>>(Log1p, -0.9, 10, 4);
        CloseOnAllLayouts<double, Log1pOperator<double>>(Log1p, -0.9, 10, 4);
        CloseOnAllLayouts<float, SoftplusOperator<float>>(Softplus, -30, 30, 4);
        CloseOnAllLayouts<double, SoftplusOperator<double>>(Softplus, -30, 30, 4);
    }

    [Fact]
    public void Log1pKeepsFullPrecisionForTinyArgumentsAndHandlesTheEnds()
    {
        double[] x = [1e-300, -1e-20, 1e-10, -1e-10, 3e-8, 1e-5, -0.5, 0, double.PositiveInfinity, -1, double.NaN];
        double[] expected = [.. x.Select(v => v == -1 ? double.NegativeInfinity : Log1p(v))];
        foreach (int repeat in new[] { 1, 7, 40 })
        {
            double[] xs = [.. Enumerable.Repeat(x, repeat).SelectMany(v => v)];
            double[] es = [.. Enumerable.Repeat(expected, repeat).SelectMany(v => v)];
            var y = new double[xs.Length];
            Log1pOperator<double>.Apply(xs, y);
            Close<double>(es, y, Ulps<double>(2), 0, $"log1p ×{repeat}");
            var yf = new float[xs.Length];
            Log1pOperator<float>.Apply([.. xs.Select(v => (float)v)], yf);
            Close<float>([.. xs.Select(v => (double)(float)v).Select(v => v == -1 ? double.NegativeInfinity : Log1p(v))], yf, Ulps<float>(2), 0, $"float log1p ×{repeat}");
        }
    }

    [Fact]
    public void SoftplusNeverOverflowsAndKeepsBothTails()
    {
        double[] x = [-800, -40, -1e-8, 0, 1e-8, 40, 800, double.PositiveInfinity, double.NegativeInfinity];
        var y = new double[x.Length];
        SoftplusOperator<double>.Apply(x, y);
        Close<double>([.. x.Select(Softplus)], y, Ulps<double>(2), 0, "softplus");
        Assert.Equal(double.PositiveInfinity, y[7]);
        Assert.Equal(0, y[8]);
        float[] xf = [-120, -40, 0, 40, 120];
        var yf = new float[xf.Length];
        SoftplusOperator<float>.Apply(xf, yf);
        Close<float>([.. xf.Select(v => Softplus(v))], yf, Ulps<float>(2), 0, "float softplus");
    }

    [Fact]
    public void ErfMatchesKnownValues()
    {
        // erf(x) by mpmath at 30 digits, rounded to double: both the series (|x| < 3) and the continued fraction.
        double[] x = [0, 1e-10, -0.1, 0.5, 1, 2, -2.5, 2.9999, 3, 3.5, 4, -5, 6, 30, double.NaN];
        double[] expected =
        [
            0, 1.1283791670955126e-10, -0.1124629160182849, 0.5204998778130465, 0.8427007929497149, 0.9953222650189527,
            -0.999593047982555, 0.9999778955735178, 0.9999779095030014, 0.9999992569016276, 0.9999999845827421,
            -0.9999999999984626, 1, 1, double.NaN,
        ];
        var y = new double[x.Length];
        ElementwiseKernels.Unary<double, ErfOperator<double>>(x, [x.Length], [1], y);
        Close<double>(expected, y, 1e-15, 0, "erf");
        var yf = new float[x.Length];
        ElementwiseKernels.Unary<float, ErfOperator<float>>([.. x.Select(v => (float)v)], [x.Length], [1], yf);
        Close<float>([.. expected.Select(v => (double)(float)v)], yf, Ulps<float>(1), 0, "float erf");
    }

    [Fact]
    public void TanhKeepsRelativeAccuracyNearZero()
    {
        double[] x = [1e-10, -1e-10, 3e-8, 1e-5, -1e-5, 1e-3, 0.01, 0.1, 0.3];
        double[] xs = [.. Enumerable.Repeat(x, 8).SelectMany(v => v)];
        var y = new double[xs.Length];
        TanhOperator<double>.Apply(xs, y);
        Close<double>([.. xs.Select(Math.Tanh)], y, Ulps<double>(2), 0, "tanh");
        var yf = new float[xs.Length];
        TanhOperator<float>.Apply([.. xs.Select(v => (float)v)], yf);
        Close<float>([.. xs.Select(v => Math.Tanh((float)v))], yf, Ulps<float>(2), 0, "float tanh");
    }

    [Fact]
    public void SigmoidAcceptsEmptySpans()
    {
        ElementwiseKernels.Unary<float, SigmoidOperator<float>>([], [0], [1], []);
        ElementwiseKernels.Unary<double, SigmoidOperator<double>>([], [2, 0], [0, 1], []);
    }

    /// <summary>Contiguous and all-scalar layouts up to 257 elements, where the operators' vector loops leave tails.</summary>
    [Fact]
    public void WhereSelectsOnEveryLengthUpTo257()
    {
        var random = new Random(7);
        for (int n = 0; n <= 257; n++)
        {
            CheckWhere<float>(random, [n], [1], [1], [1]);
            CheckWhere<double>(random, [n], [1], [0], [1]);
            CheckWhere<long>(random, [n], [1], [1], [0]);
            CheckWhere<double>(random, [n], [0], [1], [1]);
        }
    }

    /// <summary>Broadcast conditions and branches, transposed operands and 3-D/4-D shapes with size-1 dims.</summary>
    public static TheoryData<int[], int[], int[], int[]> WhereLayouts => new()
    {
        { [5, 300], [0, 1], [300, 1], [0, 0] },
        { [5, 300], [1, 0], [300, 1], [0, 1] },
        { [5, 300], [300, 1], [0, 1], [1, 0] },
        { [3, 700], [1, 3], [700, 1], [1, 3] },
        { [3, 700], [700, 1], [1, 3], [0, 0] },
        { [2, 3, 4], [0, 4, 1], [12, 4, 1], [0, 0, 1] },
        { [2, 1, 3, 5], [0, 0, 5, 1], [15, 15, 0, 1], [1, 0, 0, 0] },
        { [4, 1, 1, 9], [9, 2, 3, 1], [0, 0, 0, 0], [9, 1, 1, 1] },
        { [2, 0, 3], [0, 3, 1], [0, 3, 1], [0, 3, 1] },
    };

    [Theory]
    [MemberData(nameof(WhereLayouts))]
    public void WhereSelectsOnBroadcastLayouts(int[] shape, int[] cStrides, int[] aStrides, int[] bStrides)
    {
        var random = new Random(8);
        CheckWhere<float>(random, shape, cStrides, aStrides, bStrides);
        CheckWhere<double>(random, shape, cStrides, aStrides, bStrides);
        CheckWhere<long>(random, shape, cStrides, aStrides, bStrides);
    }

    [Fact]
    public void WhereTreatsNaNAsTrueAndNegativeZeroAsFalse()
    {
        double[] c = [double.NaN, -0.0, 0.0, 1e-300, -1, double.NegativeInfinity, 0, double.NaN, 0];
        double[] a = [.. Enumerable.Range(1, c.Length).Select(i => (double)i)];
        double[] b = [.. a.Select(v => -v)];
        var d = new double[c.Length];
        ElementwiseKernels.Where<double>(c, [1], a, [1], b, [1], [c.Length], d);
        Exact<double>([1, -2, -3, 4, 5, 6, -7, 8, -9], d, "where");
    }

    [Fact]
    public void ConvertTruncatesTowardZeroSaturatesAndMapsNaNToZero()
    {
        // Observed behaviour of ConvertTruncating, vector and scalar paths alike (the specials repeat across tails):
        // float → long truncates toward zero, saturates at long.MinValue/MaxValue (±∞ included) and gives 0 for NaN.
        double[] x = [0.5, -0.5, 1.9, -1.9, 2.5, -2.5, -0.0, 1e20, -1e20, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 9007199254740993, -4611686018427387904];
        long[] expected = [0, 0, 1, -1, 2, -2, 0, long.MaxValue, long.MinValue, long.MaxValue, long.MinValue, 0, 9007199254740992, -4611686018427387904];
        foreach (int repeat in new[] { 1, 3, 20 })
        {
            double[] xs = [.. Enumerable.Repeat(x, repeat).SelectMany(v => v)];
            long[] es = [.. Enumerable.Repeat(expected, repeat).SelectMany(v => v)];
            var y = new long[xs.Length];
            ElementwiseKernels.Convert<double, long>(xs, y);
            Exact<long>(es, y, $"double → long ×{repeat}");
            ElementwiseKernels.Convert<float, long>([.. xs.Select(v => (float)v)], y);
            Exact<long>([.. xs.Select(v => (long)(float)v)], y, $"float → long ×{repeat}");
            Assert.Equal(long.MaxValue, y[7]);
            Assert.Equal(0, y[11]);
        }
    }

    [Fact]
    public void ConvertBetweenFloatTypesRoundsToNearest()
    {
        double[] x = [0.1, 1 + 1e-8, 3.4e38, 3.5e38, -1e39, 1e-40, 1e-46, double.NaN, double.NegativeInfinity, -0.0];
        float[] expected = [0.1f, 1.00000001f, 3.4e38f, float.PositiveInfinity, float.NegativeInfinity, 1e-40f, 0, float.NaN, float.NegativeInfinity, -0f];
        foreach (int repeat in new[] { 1, 5, 30 })
        {
            double[] xs = [.. Enumerable.Repeat(x, repeat).SelectMany(v => v)];
            var y = new float[xs.Length];
            ElementwiseKernels.Convert<double, float>(xs, y);
            Exact<float>([.. Enumerable.Repeat(expected, repeat).SelectMany(v => v)], y, $"double → float ×{repeat}");
            Assert.True(float.IsNegative(y[9]), "double → float keeps the sign of −0.");
            var back = new double[xs.Length];
            ElementwiseKernels.Convert<float, double>(y, back);
            Exact<double>([.. y.Select(v => (double)v)], back, $"float → double ×{repeat}");
        }
    }

    [Fact]
    public void ConvertFromLongRoundsToNearestEven()
    {
        long[] x = [0, -7, (1L << 53) + 1, (1L << 53) + 3, (1L << 24) + 1, long.MaxValue, long.MinValue, -(1L << 40) - 1];
        foreach (int repeat in new[] { 1, 9, 33 })
        {
            long[] xs = [.. Enumerable.Repeat(x, repeat).SelectMany(v => v)];
            var d = new double[xs.Length];
            ElementwiseKernels.Convert<long, double>(xs, d);
            Exact<double>([.. xs.Select(v => (double)v)], d, $"long → double ×{repeat}");
            Assert.Equal(9007199254740992.0, d[2]);
            Assert.Equal(9007199254740996.0, d[3]);
            var f = new float[xs.Length];
            ElementwiseKernels.Convert<long, float>(xs, f);
            Exact<float>([.. xs.Select(v => (float)v)], f, $"long → float ×{repeat}");
            Assert.Equal(16777216f, f[4]);
        }
    }

    [Fact]
    public void ConvertMatchesTheScalarCastOnEveryLengthUpTo257()
    {
        var random = new Random(9);
        for (int n = 0; n <= 257; n++)
        {
            var x = Random<double>(random, n, -1e3, 1e3);
            var toLong = new long[n];
            ElementwiseKernels.Convert<double, long>(x, toLong);
            Exact<long>([.. x.Select(v => (long)v)], toLong, $"double → long, n = {n}");
            var toFloat = new float[n];
            ElementwiseKernels.Convert<double, float>(x, toFloat);
            Exact<float>([.. x.Select(v => (float)v)], toFloat, $"double → float, n = {n}");
            var fromLong = new double[n];
            ElementwiseKernels.Convert<long, double>(toLong, fromLong);
            Exact<double>([.. toLong.Select(v => (double)v)], fromLong, $"long → double, n = {n}");
        }
    }

    private static double Softplus(double x) => Math.Max(x, 0) + Log1p(Math.Exp(-Math.Abs(x)));

    private static void ExactOnAllLayouts<T, TOperator>(Func<T, T> f, double lo, double hi)
        where T : unmanaged, INumber<T> where TOperator : IUnaryOperator<T>
    {
        var random = new Random(10);
        foreach (var (shape, strides) in Layouts(0))
        {
            var x = Random<T>(random, Extent(shape, strides), lo, hi);
            var y = new T[Count(shape)];
            ElementwiseKernels.Unary<T, TOperator>(x, shape, strides, y);
            Exact<T>([.. Offsets(shape, strides).Select(o => f(x[o]))], y, Describe<T, TOperator>(shape, strides));
        }
    }

    private static void CloseOnAllLayouts<T, TOperator>(Func<double, double> f, double lo, double hi, int ulps, bool symmetric = false, int fromLength = 0)
        where T : unmanaged, INumber<T> where TOperator : IUnaryOperator<T>
    {
        var random = new Random(11);
        foreach (var (shape, strides) in Layouts(fromLength))
        {
            var x = Random<T>(random, Extent(shape, strides), lo, hi);
            if (symmetric)
                for (int i = 0; i < x.Length; i += 2) x[i] = -x[i];
            var y = new T[Count(shape)];
            ElementwiseKernels.Unary<T, TOperator>(x, shape, strides, y);
            double[] expected = [.. Offsets(shape, strides).Select(o => f(double.CreateTruncating(x[o])))];
            Close<T>(expected, y, Ulps<T>(ulps), 0, Describe<T, TOperator>(shape, strides));
        }
    }

    private static IEnumerable<(int[] Shape, int[] Strides)> Layouts(int fromLength)
    {
        for (int n = fromLength; n <= 257; n++) yield return ([n], [1]);
        foreach (var layout in StridedInputs) yield return layout;
    }

    private static string Describe<T, TOperator>(int[] shape, int[] strides) =>
        $"{typeof(TOperator).Name.Split('`')[0]}<{typeof(T).Name}> [{string.Join(",", shape)}]·[{string.Join(",", strides)}]";

    private static void CheckWhere<T>(Random random, int[] shape, int[] cStrides, int[] aStrides, int[] bStrides)
        where T : unmanaged, INumber<T>
    {
        T[] choices = typeof(T) == typeof(long)
            ? [T.Zero, T.One, T.CreateTruncating(-3)]
            : [T.Zero, -T.Zero, T.One, T.CreateTruncating(-2.5), T.CreateTruncating(double.NaN)];
        var c = new T[Extent(shape, cStrides)];
        for (int i = 0; i < c.Length; i++) c[i] = choices[random.Next(choices.Length)];
        var a = Random<T>(random, Extent(shape, aStrides));
        var b = Random<T>(random, Extent(shape, bStrides));
        var d = new T[Count(shape)];
        ElementwiseKernels.Where<T>(c, cStrides, a, aStrides, b, bStrides, shape, d);
        int[] oc = Offsets(shape, cStrides), oa = Offsets(shape, aStrides), ob = Offsets(shape, bStrides);
        var expected = new T[d.Length];
        for (int i = 0; i < d.Length; i++) expected[i] = c[oc[i]] != T.Zero ? a[oa[i]] : b[ob[i]];
        Exact<T>(expected, d, $"where<{typeof(T).Name}> [{string.Join(",", shape)}] c·[{string.Join(",", cStrides)}] a·[{string.Join(",", aStrides)}] b·[{string.Join(",", bStrides)}]");
    }
}
