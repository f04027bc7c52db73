using System.Numerics;
using static Nabla.Kernels.Tests.KernelReference;

namespace Nabla.Kernels.Tests;

/// <summary>
/// <see cref="ReduceKernels.Reduce"/> (sum, max, min over the middle of (outer, reduced, inner)) and
/// <see cref="ReduceKernels.ArgExtreme"/> against plain loops, on each of the kernel's paths: inner = 1 (one span
/// reduction a row), inner ≤ 256 (columns in registers, two chains over even and odd rows) and inner &gt; 256 (whole rows).
/// </summary>
public sealed class ReduceKernelsTests
{
    /// <summary>(outer, reduced, inner) across the three paths, with odd and even reduced counts and vector tails.</summary>
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 3, 1, 5 }, { 1, 2, 1 }, { 4, 7, 1 }, { 2, 300, 1 }, { 3, 1000, 1 },
        { 2, 2, 3 }, { 2, 3, 8 }, { 3, 5, 16 }, { 2, 4, 17 }, { 1, 9, 31 }, { 2, 6, 32 }, { 2, 11, 33 }, { 5, 1000, 16 },
        { 1, 3, 255 }, { 2, 2, 256 }, { 2, 5, 256 }, { 2, 7, 257 }, { 1, 2, 300 }, { 3, 4, 1000 }, { 1, 1, 600 },
        { 0, 5, 4 }, { 3, 5, 0 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SumMaxMinMatchTheReferenceLoop(int outer, int reduced, int inner)
    {
        var random = new Random((outer * 1000) + (reduced * 10) + inner);
        Check<float>(random, outer, reduced, inner);
        Check<double>(random, outer, reduced, inner);
        Check<long>(random, outer, reduced, inner);
    }

    [Fact]
    public void EveryInnerWidthUpTo257MatchesOnOddAndEvenReducedCounts()
    {
        var random = new Random(1);
        for (int inner = 1; inner <= 257; inner++)
        {
            foreach (int reduced in new[] { 1, 2, 3, 6 })
            {
                Check<float>(random, 2, reduced, inner);
                Check<double>(random, 1, reduced, inner);
                Check<long>(random, 1, reduced, inner);
            }
        }
    }

    [Fact]
    public void SumOfArbitraryValuesIsAccurate()
    {
        // Non-integer values: the kernels' summation order differs from the loop's, so compare with a tolerance
        // scaled by Σ|x| (the bound of any summation order).
        var random = new Random(2);
        foreach (var (outer, reduced, inner) in new[] { (2, 1000, 1), (3, 301, 17), (2, 257, 256), (2, 99, 700) })
        {
            var src = Random<double>(random, outer * reduced * inner);
            var dst = new double[outer * inner];
            ReduceKernels.Reduce<double, SumReducer<double>>(src, outer, reduced, inner, dst);
            var f32 = src.Select(v => (float)v).ToArray();
            var dst32 = new float[outer * inner];
            ReduceKernels.Reduce<float, SumReducer<float>>(f32, outer, reduced, inner, dst32);
            for (int o = 0; o < outer; o++)
            {
                for (int j = 0; j < inner; j++)
                {
                    double sum = 0, abs = 0, sum32 = 0;
                    for (int r = 0; r < reduced; r++)
                    {
                        sum += src[(((o * reduced) + r) * inner) + j];
                        abs += Math.Abs(src[(((o * reduced) + r) * inner) + j]);
                        sum32 += f32[(((o * reduced) + r) * inner) + j];
                    }
                    Assert.True(Math.Abs(dst[(o * inner) + j] - sum) <= 1e-15 * reduced * abs, $"double sum ({outer},{reduced},{inner}) at ({o},{j}): {dst[(o * inner) + j]}, expected {sum}.");
                    Assert.True(Math.Abs(dst32[(o * inner) + j] - sum32) <= 1e-7 * reduced * abs, $"float sum ({outer},{reduced},{inner}) at ({o},{j}): {dst32[(o * inner) + j]}, expected {sum32}.");
                }
            }
        }
    }

    [Fact]
    public void SumOverNoElementsIsZero()
    {
        var dst = Enumerable.Repeat(99.0, 12).ToArray();
        ReduceKernels.Reduce<double, SumReducer<double>>([], 3, 0, 4, dst);
        Exact<double>(new double[12], dst, "sum over reduced = 0");
        var dstL = Enumerable.Repeat(7L, 5).ToArray();
        ReduceKernels.Reduce<long, SumReducer<long>>([], 5, 0, 1, dstL);
        Exact<long>(new long[5], dstL, "long sum over reduced = 0");
        Assert.True(SumReducer<double>.HasIdentity);
        Assert.False(MaxReducer<double>.HasIdentity);
        Assert.False(MinReducer<double>.HasIdentity);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MaxAndMinPropagateNaN(int outer, int reduced, int inner)
    {
        var random = new Random(3);
        foreach (int at in new[] { 0, reduced / 2, reduced - 1 })
        {
            if (reduced == 0) break;
            foreach (int column in new[] { 0, inner - 1 })
            {
                if (inner == 0) break;
                var src = Random<double>(random, outer * reduced * inner);
                for (int o = 0; o < outer; o++) src[(((o * reduced) + at) * inner) + column] = double.NaN;
                CheckNaN<double>(src, outer, reduced, inner);
                CheckNaN<float>([.. src.Select(v => (float)v)], outer, reduced, inner);
            }
        }
    }

    [Fact]
    public void MaxAndMinHandleInfinities()
    {
        double[] src = [double.NegativeInfinity, -0.0, double.NegativeInfinity, 0.0, double.NegativeInfinity, double.PositiveInfinity];
        var dst = new double[2];
        ReduceKernels.Reduce<double, MaxReducer<double>>(src, 1, 3, 2, dst);
        Exact<double>([double.NegativeInfinity, double.PositiveInfinity], dst, "max over rows");
        ReduceKernels.Reduce<double, MinReducer<double>>(src, 1, 3, 2, dst);
        Exact<double>([double.NegativeInfinity, -0.0], dst, "min over rows");
        var one = new double[1];
        ReduceKernels.Reduce<double, MaxReducer<double>>([double.NegativeInfinity, double.NegativeInfinity], 1, 2, 1, one);
        Assert.Equal(double.NegativeInfinity, one[0]);
    }

    [Fact]
    public void ArgExtremePicksTheFirstOccurrenceAndNaNWins()
    {
        double nan = double.NaN;

        // (1, 6, 1) rows: ties pick the first; the first NaN wins over everything.
        Arg([3, 1, 3, 0, 3, 1], 1, 6, 1, max: true, [0]);
        Arg([3, 1, 3, 0, 3, 0], 1, 6, 1, max: false, [3]);
        Arg([1, 5, nan, 7, nan, 0], 1, 6, 1, max: true, [2]);
        Arg([1, 5, nan, 7, nan, 0], 1, 6, 1, max: false, [2]);
        Arg([nan, 5], 1, 2, 1, max: true, [0]);
        Arg([double.NegativeInfinity, double.NegativeInfinity], 1, 2, 1, max: true, [0]);
        Arg([7], 1, 1, 1, max: false, [0]);

        // (2, 3, 2): the reduction runs over the middle dim, column by column.
        double[] x = [1, 9, 4, 9, 4, 2, nan, 0, 0, 0, 0, -1];
        Arg(x, 2, 3, 2, max: true, [1, 0, 0, 0]);
        Arg(x, 2, 3, 2, max: false, [0, 2, 0, 2]);
    }

    [Fact]
    public void ArgExtremeMatchesTheReferenceLoopOnRandomTies()
    {
        var random = new Random(4);
        foreach (var (outer, n, inner) in new[] { (1, 1, 1), (3, 17, 1), (2, 9, 5), (1, 300, 3), (4, 2, 257) })
        {
            var x = new double[outer * n * inner];
            for (int i = 0; i < x.Length; i++) x[i] = random.Next(6) == 0 ? double.NaN : random.Next(-3, 4);
            foreach (bool max in new[] { true, false })
            {
                var expected = new long[outer * inner];
                for (int o = 0; o < outer; o++)
                {
                    for (int j = 0; j < inner; j++)
                    {
                        int best = -1;
                        for (int r = 0; r < n && (best < 0 || !double.IsNaN(x[(((o * n) + best) * inner) + j])); r++)
                        {
                            double v = x[(((o * n) + r) * inner) + j];
                            if (best < 0 || double.IsNaN(v) || (max ? v > x[(((o * n) + best) * inner) + j] : v < x[(((o * n) + best) * inner) + j]))
                                best = r;
                        }
                        expected[(o * inner) + j] = best;
                    }
                }

                Arg(x, outer, n, inner, max, expected);
                var asLong = x.Select(v => double.IsNaN(v) ? 0L : (long)v).ToArray();
                var expectedLong = new long[outer * inner];
                var actualLong = new long[outer * inner];
                for (int o = 0; o < outer; o++)
                {
                    for (int j = 0; j < inner; j++)
                    {
                        int best = 0;
                        for (int r = 1; r < n; r++)
                        {
                            long v = asLong[(((o * n) + r) * inner) + j], b = asLong[(((o * n) + best) * inner) + j];
                            if (max ? v > b : v < b) best = r;
                        }
                        expectedLong[(o * inner) + j] = best;
                    }
                }

                ReduceKernels.ArgExtreme<long>(asLong, outer, n, inner, actualLong, max);
                Exact<long>(expectedLong, actualLong, $"long arg{(max ? "max" : "min")} ({outer},{n},{inner})");
            }
        }
    }

    private static void Arg(double[] x, int outer, int n, int inner, bool max, long[] expected)
    {
        var dst = new long[outer * inner];
        ReduceKernels.ArgExtreme<double>(x, outer, n, inner, dst, max);
        Exact<long>(expected, dst, $"arg{(max ? "max" : "min")} ({outer},{n},{inner})");
        var dst32 = new long[outer * inner];
        ReduceKernels.ArgExtreme<float>([.. x.Select(v => (float)v)], outer, n, inner, dst32, max);
        Exact<long>(expected, dst32, $"float arg{(max ? "max" : "min")} ({outer},{n},{inner})");
    }

    /// <summary>
    /// Sum, max and min of small integers (exact in any summation order, so the comparison is exact), in a destination
    /// with slack on both sides that must stay untouched.
    /// </summary>
    private static void Check<T>(Random random, int outer, int reduced, int inner) where T : unmanaged, INumber<T>
    {
        var src = Random<T>(random, outer * reduced * inner, -100, 100);
        if (typeof(T) != typeof(long))
            for (int i = 0; i < src.Length; i++) src[i] = T.CreateTruncating(Math.Floor(double.CreateTruncating(src[i])) / 4);
        string where = $"{typeof(T).Name} ({outer},{reduced},{inner})";
        Run<T, SumReducer<T>>(src, outer, reduced, inner, T.Zero, (a, b) => a + b, $"{where} sum");
        if (reduced == 0) return;
        Run<T, MaxReducer<T>>(src, outer, reduced, inner, null, T.Max, $"{where} max");
        Run<T, MinReducer<T>>(src, outer, reduced, inner, null, T.Min, $"{where} min");
    }

    private static void Run<T, TReducer>(T[] src, int outer, int reduced, int inner, T? identity, Func<T, T, T> combine, string what)
        where T : unmanaged, INumber<T> where TReducer : IReducer<T>
    {
        var expected = new T[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                T acc = identity ?? src[(o * reduced * inner) + j];
                for (int r = identity is null ? 1 : 0; r < reduced; r++) acc = combine(acc, src[(((o * reduced) + r) * inner) + j]);
                expected[(o * inner) + j] = acc;
            }
        }

        var sentinel = T.CreateTruncating(12345);
        var dst = Enumerable.Repeat(sentinel, expected.Length + 8).ToArray();
        ReduceKernels.Reduce<T, TReducer>(src, outer, reduced, inner, dst.AsSpan(4, expected.Length));
        Exact<T>(expected, dst.AsSpan(4, expected.Length), what);
        Exact<T>([.. Enumerable.Repeat(sentinel, 8)], [.. dst[..4], .. dst[^4..]], $"{what}: slack around the destination");
    }

    private static void CheckNaN<T>(T[] src, int outer, int reduced, int inner) where T : unmanaged, INumber<T>
    {
        Run<T, MaxReducer<T>>(src, outer, reduced, inner, null, T.Max, $"{typeof(T).Name} ({outer},{reduced},{inner}) max with NaN");
        Run<T, MinReducer<T>>(src, outer, reduced, inner, null, T.Min, $"{typeof(T).Name} ({outer},{reduced},{inner}) min with NaN");
    }
}
