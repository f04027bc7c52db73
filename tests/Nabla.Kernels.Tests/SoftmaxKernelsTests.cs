using System.Numerics;
using static Nabla.Kernels.Tests.KernelReference;

namespace Nabla.Kernels.Tests;

/// <summary><see cref="SoftmaxKernels"/> row by row against a max-shifted reference in double (tails, large values, −∞ entries), the backward passes against their formulas, and rows split between threads.</summary>
[Collection(nameof(Parallelism))]
public sealed class SoftmaxKernelsTests
{
    [Fact]
    public void RowsOfEveryLengthUpTo257MatchTheReference()
    {
        var random = new Random(1);
        for (int n = 1; n <= 257; n++)
        {
            int rows = 1 + (n % 3);
            Check<float>(Random<float>(random, rows * n, -5, 5), n);
            Check<double>(Random<double>(random, rows * n, -5, 5), n);
        }
    }

    [Fact]
    public void LargeValuesDoNotOverflow()
    {
        var random = new Random(2);
        foreach (double centre in new[] { 1000.0, -1000.0, 3e4, -3e4 })
        {
            foreach (int n in new[] { 1, 2, 9, 300 })
            {
                var x = Random<double>(random, 3 * n, -10, 10).Select(v => v + centre).ToArray();
                Check<double>(x, n);
                Check<float>([.. x.Select(v => (float)v)], n);
            }
        }

        // A row spread over a huge range: the small entries underflow to exactly 0 (and −huge in log space).
        Check<double>([800, 0, -800, 1e300, -1e300, 1], 3);
        Check<float>([80, 0, -80, 1e30f, -1e30f, 1], 3);
    }

    [Fact]
    public void NegativeInfinityEntriesGetZeroProbability()
    {
        double ninf = double.NegativeInfinity;
        double[] x = [ninf, 0, 1, 2, ninf, ninf, ninf, 5, ninf, 3, ninf, 4];
        var p = new double[x.Length];
        SoftmaxKernels.Softmax<double>(x, 4, p);
        Close<double>(Reference(x, 4, log: false), p, 1e-15, 0, "softmax");
        Assert.Equal(0, p[0]);
        Assert.Equal(1, p[7]);
        var lp = new double[x.Length];
        SoftmaxKernels.LogSoftmax<double>(x, 4, lp);
        Close<double>(Reference(x, 4, log: true), lp, 1e-15, 1e-15, "log-softmax");
        Assert.Equal(ninf, lp[0]);
        Assert.Equal(0, lp[7]);
    }

    [Fact]
    public void RowsOfOnlyNegativeInfinityGiveNaNAsInPyTorch()
    {
        double ninf = double.NegativeInfinity;
        var p = new double[3];
        SoftmaxKernels.Softmax<double>([ninf, ninf, ninf], 3, p);
        Assert.All(p, v => Assert.True(double.IsNaN(v)));
        SoftmaxKernels.LogSoftmax<double>([ninf, ninf, ninf], 3, p);
        Assert.All(p, v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public void RowsHoldingPositiveInfinityAreNaNAsInPyTorch()
    {
        var p = new double[3];
        SoftmaxKernels.Softmax<double>([double.PositiveInfinity, 1, 2], 3, p);
        Assert.All(p, v => Assert.True(double.IsNaN(v)));
        SoftmaxKernels.LogSoftmax<double>([double.PositiveInfinity, 1, 2], 3, p);
        Assert.All(p, v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public void LogSoftmaxOfADominantEntryKeepsItsRelativePrecision()
    {
        // log Σ = log1p(e^−10), and x − max is exact, so both outputs are exact to a few roundings.
        double logSum = Log1p(Math.Exp(-10));
        foreach (double top in new[] { 100.0, 1000.0, -50.0, 0.0 })
        {
            var d = new double[2];
            SoftmaxKernels.LogSoftmax<double>([top, top - 10], 2, d);
            Close<double>([-logSum, -10 - logSum], d, Ulps<double>(4), 0, $"log-softmax [{top}, {top - 10}]");
            var f = new float[2];
            SoftmaxKernels.LogSoftmax<float>([(float)top, (float)(top - 10)], 2, f);
            Close<float>([-logSum, -10 - logSum], f, Ulps<float>(4), 0, $"float log-softmax [{top}, {top - 10}]");
        }
    }

    [Fact]
    public void EmptyRowsAndEmptyInputWriteNothing()
    {
        var dst = new[] { 7.0 };
        SoftmaxKernels.Softmax<double>([], 0, dst);
        SoftmaxKernels.LogSoftmax<double>([], 0, dst);
        SoftmaxKernels.Softmax<double>([], 5, dst.AsSpan(0, 0));
        Assert.Equal(7.0, dst[0]);
    }

    [Fact]
    public void SoftmaxMayWriteInPlace()
    {
        var random = new Random(3);
        var x = Random<double>(random, 4 * 33);
        var expected = Reference(x, 33, log: false);
        SoftmaxKernels.Softmax<double>(x, 33, x);
        Close<double>(expected, x, 1e-15, 1e-17, "in-place softmax");
    }

    [Fact]
    public void BackwardPassesMatchTheirFormulasRowByRow()
    {
        // y·(g − Σ g·y) and g − e^y·Σ g in double against the fused passes, on rows of every length up to 65.
        var random = new Random(4);
        for (int n = 1; n <= 65; n++)
        {
            int rows = 1 + (n % 4);
            var x = Random<double>(random, rows * n, -4, 4);
            var g = Random<double>(random, rows * n, -2, 2);
            var p = Reference(x, n, log: false);
            var lp = Reference(x, n, log: true);
            var expected = new double[x.Length];
            var expectedLog = new double[x.Length];
            for (int r = 0; r < rows; r++)
            {
                double dot = 0, sum = 0;
                for (int j = 0; j < n; j++)
                {
                    dot += g[(r * n) + j] * p[(r * n) + j];
                    sum += g[(r * n) + j];
                }
                for (int j = 0; j < n; j++)
                {
                    expected[(r * n) + j] = p[(r * n) + j] * (g[(r * n) + j] - dot);
                    expectedLog[(r * n) + j] = g[(r * n) + j] - (Math.Exp(lp[(r * n) + j]) * sum);
                }
            }
            var d = new double[x.Length];
            SoftmaxKernels.SoftmaxBackward<double>(p, g, n, d);
            Close<double>(expected, d, 1e-13, 1e-15, $"softmax backward n = {n}");
            SoftmaxKernels.LogSoftmaxBackward<double>(lp, g, n, d);
            Close<double>(expectedLog, d, 1e-13, 1e-15, $"log-softmax backward n = {n}");
            var f = new float[x.Length];
            SoftmaxKernels.SoftmaxBackward<float>([.. p.Select(v => (float)v)], [.. g.Select(v => (float)v)], n, f);
            Close<float>(expected, f, 1e-5, 1e-6, $"float softmax backward n = {n}");
        }
    }

    [Fact]
    public void RowsSplitBetweenThreadsGiveTheSameBits()
    {
        var random = new Random(5);
        const int N = 96, Rows = 700;
        var x = Random<float>(random, Rows * N, -6, 6);
        var g = Random<float>(random, Rows * N, -1, 1);
        float[][]? first = null;
        int saved = Parallelism.NumThreads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Parallelism.NumThreads = threads;
                var results = new float[4][];
                for (int i = 0; i < 4; i++) results[i] = new float[x.Length];
                SoftmaxKernels.Softmax<float>(x, N, results[0]);
                SoftmaxKernels.LogSoftmax<float>(x, N, results[1]);
                SoftmaxKernels.SoftmaxBackward<float>(results[0], g, N, results[2]);
                SoftmaxKernels.LogSoftmaxBackward<float>(results[1], g, N, results[3]);
                if (first is not null)
                {
                    for (int i = 0; i < 4; i++) Assert.Equal(first[i], results[i]);
                }
                first = results;
            }
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }

    private static void Check<T>(T[] x, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] xd = [.. x.Select(double.CreateTruncating)];
        var p = new T[x.Length];
        SoftmaxKernels.Softmax<T>(x, n, p);
        double eps = Ulps<T>(1);

        // Each probability carries a few roundings of exp and of the sum of n terms.
        Close<T>(Reference(xd, n, log: false), p, eps * (8 + Math.Log2(n)), eps * 1e-3, $"softmax<{typeof(T).Name}> n = {n}");
        var lp = new T[x.Length];
        SoftmaxKernels.LogSoftmax<T>(x, n, lp);
        double scale = xd.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(1).Max();

        // The floor scales with |x| because the kernel subtracts max + log Σ in one step, which rounds log Σ to the
        // ulp of max (LogSoftmaxOfADominantEntryKeepsItsRelativePrecision shows the cost).
        Close<T>(Reference(xd, n, log: true), lp, eps * 8, eps * (4 + Math.Log2(n)) * Math.Max(scale, 1), $"log-softmax<{typeof(T).Name}> n = {n}");
    }

    private static double[] Reference(double[] x, int n, bool log)
    {
        var y = new double[x.Length];
        for (int o = 0; o < x.Length / n; o++)
        {
            var row = x.AsSpan(o * n, n);
            double max = double.NegativeInfinity;
            foreach (double v in row) max = Math.Max(max, v);
            double sum = 0;
            foreach (double v in row) sum += Math.Exp(v - max);
            for (int j = 0; j < n; j++)
                y[(o * n) + j] = log ? row[j] - max - Math.Log(sum) : Math.Exp(row[j] - max) / sum;
        }
        return y;
    }
}
