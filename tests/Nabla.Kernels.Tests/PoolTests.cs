using System.Numerics;

namespace Nabla.Kernels.Tests;

public sealed class PoolTests
{
    /// <summary>N, C, H, W, KH, KW, sH, sW, pH, pW, dH, dW, ceil (0/1).</summary>
    public static TheoryData<int[]> MaxGeometries => new()
    {
        new[] { 2, 3, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, 0 },   // the hot case, 14 outputs per row
        new[] { 2, 3, 14, 14, 2, 2, 2, 2, 0, 0, 1, 1, 0 },   // 7 outputs per row, two rows per vector
        new[] { 1, 2, 7, 9, 2, 2, 2, 2, 0, 0, 1, 1, 0 },     // odd sizes drop the last row and column
        new[] { 1, 2, 4, 34, 2, 2, 2, 2, 0, 0, 1, 1, 0 },    // 17 outputs per row: a full vector and a tail
        new[] { 1, 2, 6, 16, 2, 2, 2, 2, 0, 0, 1, 1, 0 },    // exactly 8 outputs per row
        new[] { 1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 0 },     // a single window
        new[] { 4, 32, 16, 16, 2, 2, 2, 2, 0, 0, 1, 1, 0 },  // large enough to run on threads
        new[] { 2, 2, 7, 7, 2, 2, 2, 2, 0, 0, 1, 1, 1 },     // ceil mode keeps a partial last window
        new[] { 2, 2, 7, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1 },     // 3×3/2 with padding, ceil mode
        new[] { 1, 2, 5, 5, 2, 2, 2, 2, 1, 1, 1, 1, 1 },     // ceil mode drops a window starting in the right padding
        new[] { 2, 3, 6, 7, 3, 3, 1, 1, 1, 1, 1, 1, 0 },     // overlapping 3×3/1 windows
        new[] { 1, 2, 8, 9, 2, 3, 1, 2, 1, 1, 1, 1, 0 },     // non-square kernel and stride
        new[] { 2, 2, 9, 8, 3, 3, 1, 2, 1, 1, 2, 2, 0 },     // dilation 2
        new[] { 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 3, 3, 0 },     // dilation makes a window of padding only
        new[] { 3, 1, 10, 11, 4, 5, 3, 2, 2, 2, 1, 1, 1 },   // large kernel, ceil mode
    };

    /// <summary>N, C, H, W, KH, KW, sH, sW, pH, pW, ceil (0/1).</summary>
    public static TheoryData<int[]> AvgGeometries => new()
    {
        new[] { 2, 3, 28, 28, 2, 2, 2, 2, 0, 0, 0 },
        new[] { 1, 2, 7, 9, 2, 2, 2, 2, 0, 0, 0 },
        new[] { 2, 2, 7, 7, 3, 3, 2, 2, 1, 1, 0 },
        new[] { 2, 2, 7, 7, 3, 3, 2, 2, 1, 1, 1 },
        new[] { 1, 2, 5, 5, 2, 2, 2, 2, 1, 1, 1 },
        new[] { 1, 2, 4, 4, 2, 2, 3, 3, 1, 1, 1 },
        new[] { 2, 3, 6, 7, 3, 3, 1, 1, 1, 1, 0 },
        new[] { 1, 2, 8, 9, 2, 3, 1, 2, 1, 1, 1 },
        new[] { 3, 1, 10, 11, 4, 5, 3, 2, 2, 2, 1 },
        new[] { 4, 32, 16, 16, 3, 3, 2, 2, 1, 1, 1 },
    };

    /// <summary>N, C, H, W, outH, outW.</summary>
    public static TheoryData<int[]> AdaptiveGeometries => new()
    {
        new[] { 2, 3, 5, 7, 3, 4 },
        new[] { 1, 2, 10, 10, 3, 3 },
        new[] { 1, 2, 4, 3, 8, 7 },
        new[] { 2, 2, 6, 6, 6, 6 },
        new[] { 1, 1, 1, 5, 3, 2 },
        new[] { 3, 2, 13, 9, 1, 1 },
        new[] { 4, 64, 14, 14, 5, 5 },
    };

    private static PoolGeometry MaxGeometry(int[] a) => new(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12] != 0);

    private static PoolGeometry AvgGeometry(int[] a) => new(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], 1, 1, a[10] != 0);

    [Fact]
    public void OutputSizeFollowsPyTorch()
    {
        var g = new PoolGeometry(1, 1, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, false);
        Assert.Equal((14, 14), (g.OutHeight, g.OutWidth));
        g = g with { InHeight = 7, InWidth = 7 };
        Assert.Equal((3, 3), (g.OutHeight, g.OutWidth));
        g = g with { CeilMode = true };
        Assert.Equal((4, 4), (g.OutHeight, g.OutWidth));

        // ceil((5 + 2 − 2) / 2) + 1 = 4, but the fourth window would start at 6 = H + pad, in the right padding.
        g = new PoolGeometry(1, 1, 5, 5, 2, 2, 2, 2, 1, 1, 1, 1, true);
        Assert.Equal((3, 3), (g.OutHeight, g.OutWidth));
        g = new PoolGeometry(1, 1, 9, 10, 3, 2, 2, 3, 1, 0, 2, 1, false);
        Assert.Equal((4, 3), (g.OutHeight, g.OutWidth));
    }

    [Theory]
    [MemberData(nameof(MaxGeometries))]
    public void MaxPoolFloatMatchesReference(int[] shape) => CheckMax<float>(MaxGeometry(shape), seed: 1);

    [Theory]
    [MemberData(nameof(MaxGeometries))]
    public void MaxPoolDoubleMatchesReference(int[] shape) => CheckMax<double>(MaxGeometry(shape), seed: 2);

    [Fact]
    public void MaxPoolTiesPickTheFirstAndNaNWinsLikePyTorch()
    {
        // Golden values from torch 1.13: F.max_pool2d(x, k, s, p, ceil_mode, return_indices=True).
        double nan = double.NaN;
        double[] x = [1, 1, 2, nan, 2, 0, nan, 1, 3, 3, 0, 0, 3, 1, 0, 0];
        Golden(new PoolGeometry(1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false), x, [2, nan, 3, 0], [4, 6, 8, 10]);
        Golden(new PoolGeometry(1, 1, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, false), x, [2, nan, 3, nan], [4, 6, 8, 6]);
        Golden(new PoolGeometry(1, 1, 4, 4, 2, 2, 2, 2, 1, 1, 1, 1, true), x, [1, 2, nan, 3, nan, 1, 3, 1, 0], [0, 2, 3, 8, 6, 7, 12, 13, 15]);

        static void Golden(PoolGeometry g, double[] x, double[] y, int[] argmax)
        {
            GoldenAs<float>(g, x, y, argmax);
            GoldenAs<double>(g, x, y, argmax);
        }

        static void GoldenAs<T>(PoolGeometry g, double[] x, double[] y, int[] argmax)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var output = new T[y.Length];
            var indices = new int[y.Length];
            PoolKernels.MaxPool2dForward<T>(g, [.. x.Select(T.CreateTruncating)], output, indices);
            Assert.Equal(y, output.Select(double.CreateTruncating));
            Assert.Equal(argmax, indices);
        }
    }

    [Fact]
    public void MaxPoolOfAConstantPicksTheFirstElementOfEachWindow()
    {
        var g = new PoolGeometry(2, 3, 12, 10, 2, 2, 2, 2, 0, 0, 1, 1, false);
        foreach (float value in new[] { 0f, float.NegativeInfinity, 5f })
        {
            var output = new float[2 * 3 * 6 * 5];
            var argmax = new int[output.Length];
            PoolKernels.MaxPool2dForward<float>(g, [.. Enumerable.Repeat(value, 2 * 3 * 12 * 10)], output, argmax);
            for (int i = 0; i < output.Length; i++)
            {
                int oy = (i / 5) % 6, ox = i % 5;
                Assert.Equal(value, output[i]);
                Assert.Equal((2 * oy * 10) + (2 * ox), argmax[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(AvgGeometries))]
    public void AvgPoolFloatMatchesReference(int[] shape)
    {
        CheckAvg<float>(AvgGeometry(shape), countIncludePad: true, seed: 3);
        CheckAvg<float>(AvgGeometry(shape), countIncludePad: false, seed: 4);
    }

    [Theory]
    [MemberData(nameof(AvgGeometries))]
    public void AvgPoolDoubleMatchesReference(int[] shape)
    {
        CheckAvg<double>(AvgGeometry(shape), countIncludePad: true, seed: 5);
        CheckAvg<double>(AvgGeometry(shape), countIncludePad: false, seed: 6);
    }

    [Fact]
    public void AvgPoolDivisorMatchesPyTorch()
    {
        // Golden values from torch 1.13: F.avg_pool2d(arange(1, H·W + 1), k, s, p, ceil_mode=True, count_include_pad).
        double[] x25 = [.. Enumerable.Range(1, 25).Select(i => (double)i)];
        double[] x16 = [.. Enumerable.Range(1, 16).Select(i => (double)i)];
        var a = new PoolGeometry(1, 1, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1, true);
        Golden(a, true, x25, [16.0 / 9, 33.0 / 9, 28.0 / 9, 69.0 / 9, 13, 87.0 / 9, 76.0 / 9, 123.0 / 9, 88.0 / 9]);
        Golden(a, false, x25, [4, 5.5, 7, 11.5, 13, 14.5, 19, 20.5, 22]);
        var b = new PoolGeometry(1, 1, 4, 4, 2, 2, 3, 3, 1, 1, 1, 1, true);
        Golden(b, true, x16, [0.25, 1.75, 5.5, 13.5]);
        Golden(b, false, x16, [1, 3.5, 11, 13.5]);
        var c = new PoolGeometry(1, 1, 5, 5, 2, 3, 2, 2, 1, 1, 1, 1, true);
        Golden(c, true, x25, [0.5, 1.5, 1.5, 6, 10.5, 8, 38.0 / 3, 20.5, 44.0 / 3]);
        Golden(c, false, x25, [1.5, 3, 4.5, 9, 10.5, 12, 19, 20.5, 22]);

        static void Golden(PoolGeometry g, bool countIncludePad, double[] x, double[] y)
        {
            var output = new double[y.Length];
            PoolKernels.AvgPool2dForward<double>(g, countIncludePad, x, output);
            for (int i = 0; i < y.Length; i++)
                Assert.Equal(y[i], output[i], 12);
        }
    }

    [Theory]
    [MemberData(nameof(AdaptiveGeometries))]
    public void AdaptiveAvgPoolMatchesReference(int[] a)
    {
        CheckAdaptive<float>(a[0], a[1], a[2], a[3], a[4], a[5], seed: 7);
        CheckAdaptive<double>(a[0], a[1], a[2], a[3], a[4], a[5], seed: 8);
    }

    [Fact]
    public void AdaptiveAvgPoolMatchesPyTorch()
    {
        // Golden values from torch 1.13: F.adaptive_avg_pool2d(arange(1, 36).reshape(5, 7), (3, 4)).
        double[] x = [.. Enumerable.Range(1, 35).Select(i => (double)i)];
        var y = new double[12];
        PoolKernels.AdaptiveAvgPool2dForward<double>(1, 1, 5, 7, 3, 4, x, y);
        Assert.Equal([5, 6.5, 8.5, 10, 15.5, 17, 19, 20.5, 26, 27.5, 29.5, 31], y);
    }

    [Theory]
    [InlineData(1, 1, 5, 5, 2, 2, 2, 2, 2, 0, 1, 1, "padding (2×0)", "half of the kernel size (2×2)")]
    [InlineData(1, 1, 5, 5, 3, 3, 1, 1, -1, 0, 1, 1, "padding (-1×0)", "non-negative")]
    [InlineData(1, 1, 2, 5, 3, 3, 1, 1, 0, 0, 1, 1, "H=2, W=5", "output 0×3")]
    [InlineData(1, 1, 5, 5, 0, 3, 1, 1, 0, 0, 1, 1, "kernel (0×3)", "must be positive")]
    [InlineData(1, 1, 5, 5, 3, 3, 1, 0, 0, 0, 1, 1, "stride (1×0)", "must be positive")]
    [InlineData(1, 0, 5, 5, 3, 3, 1, 1, 0, 0, 1, 1, "C=0", "positive")]
    public void InvalidGeometryIsRejectedWithTheValues(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, string part1, string part2)
    {
        var g = new PoolGeometry(n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, false);
        var e = Assert.Throws<ArgumentException>(g.Validate);
        Assert.Contains(part1, e.Message);
        Assert.Contains(part2, e.Message);
        Assert.StartsWith("MaxPool2d forward:", Assert.Throws<ArgumentException>(() => PoolKernels.MaxPool2dForward<float>(g, new float[25], new float[9], new int[9])).Message);
        Assert.StartsWith("AvgPool2d backward:", Assert.Throws<ArgumentException>(() => PoolKernels.AvgPool2dBackward<float>(g, true, new float[9], new float[25])).Message);
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        var g = new PoolGeometry(1, 2, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false);
        var x = new float[32];
        var y = new float[8];
        Assert.Contains("output has 7", Assert.Throws<ArgumentException>(() => PoolKernels.MaxPool2dForward<float>(g, x, y.AsSpan(1), new int[8])).Message);
        Assert.Contains("argmax has 9", Assert.Throws<ArgumentException>(() => PoolKernels.MaxPool2dForward<float>(g, x, y, new int[9])).Message);
        Assert.Contains("[-1, 16)", Assert.Throws<ArgumentException>(() => PoolKernels.MaxPool2dBackward<float>(g, y, [0, 1, 2, 16, 0, 0, 0, 0], x)).Message);
        Assert.Contains("[-1, 16)", Assert.Throws<ArgumentException>(() => PoolKernels.MaxPool2dBackward<float>(g, y, [0, 1, 2, -2, 0, 0, 0, 0], x)).Message);
        Assert.Contains("dilation must be 1", Assert.Throws<ArgumentException>(() => PoolKernels.AvgPool2dForward<float>(g with { DilationW = 2, InWidth = 5 }, true, new float[40], y)).Message);
        Assert.Contains("input has 31", Assert.Throws<ArgumentException>(() => PoolKernels.AvgPool2dForward<float>(g, false, x.AsSpan(1), y)).Message);
        Assert.Contains("output 0×2", Assert.Throws<ArgumentException>(() => PoolKernels.AdaptiveAvgPool2dForward<float>(1, 2, 4, 4, 0, 2, x, y)).Message);
        Assert.Contains("gradInput has 8", Assert.Throws<ArgumentException>(() => PoolKernels.AdaptiveAvgPool2dBackward<float>(1, 2, 4, 4, 2, 2, y, y)).Message);
    }

    [Fact]
    public void EmptyBatchIsAccepted()
    {
        var g = new PoolGeometry(0, 2, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false);
        PoolKernels.MaxPool2dForward<float>(g, [], [], []);
        PoolKernels.MaxPool2dBackward<float>(g, [], [], []);
        PoolKernels.AvgPool2dForward<float>(g, true, [], []);
        PoolKernels.AdaptiveAvgPool2dBackward<float>(0, 2, 4, 4, 3, 3, [], []);
    }

    private static T[] RandomTies<T>(Random random, int length)
        where T : IFloatingPointIeee754<T>
    {
        // Few distinct values make ties in most windows, and a sprinkling of −∞ exercises the padding value.
        var a = new T[length];
        for (int i = 0; i < length; i++)
        {
            int r = random.Next(20);
            a[i] = r == 0 ? T.NegativeInfinity : T.CreateTruncating(r % 5) - T.CreateTruncating(2);
        }

        return a;
    }

    private static void CheckMax<T>(PoolGeometry g, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        int oh = g.OutHeight, ow = g.OutWidth, planes = g.Batch * g.Channels, h = g.InHeight, w = g.InWidth;
        T[] x = RandomTies<T>(random, planes * h * w);
        T[] gy = ConvTests.RandomArray<T>(random, planes * oh * ow);
        T[] y = [.. Enumerable.Repeat(T.NaN, gy.Length)];
        int[] argmax = [.. Enumerable.Repeat(-7, gy.Length)];
        T[] gx = [.. Enumerable.Repeat(T.NaN, x.Length)];
        PoolKernels.MaxPool2dForward<T>(g, x, y, argmax);
        PoolKernels.MaxPool2dBackward<T>(g, gy, argmax, gx);

        var expectedGx = new double[x.Length];
        for (int p = 0; p < planes; p++)
        {
            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j++)
                {
                    // PyTorch's loop: start at −∞ with the first in-bounds index, replace on > or NaN.
                    double best = double.NegativeInfinity;
                    int bestIndex = -1;
                    for (int kh = 0; kh < g.KernelH; kh++)
                    {
                        int ih = (i * g.StrideH) - g.PadH + (kh * g.DilationH);
                        for (int kw = 0; kw < g.KernelW; kw++)
                        {
                            int iw = (j * g.StrideW) - g.PadW + (kw * g.DilationW);
                            if (ih < 0 || ih >= h || iw < 0 || iw >= w)
                                continue;

                            double v = double.CreateTruncating(x[(p * h * w) + (ih * w) + iw]);
                            if (bestIndex < 0)
                                bestIndex = (ih * w) + iw;

                            if (v > best || double.IsNaN(v))
                            {
                                best = v;
                                bestIndex = (ih * w) + iw;
                            }
                        }
                    }

                    int o = (p * oh * ow) + (i * ow) + j;
                    Assert.Equal(best, double.CreateTruncating(y[o]));
                    Assert.Equal(bestIndex, argmax[o]);
                    if (bestIndex >= 0)
                        expectedGx[(p * h * w) + bestIndex] += double.CreateTruncating(gy[o]);
                }
            }
        }

        AssertClose(expectedGx, gx, "max pool backward");
    }

    private static void CheckAvg<T>(PoolGeometry g, bool countIncludePad, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        int oh = g.OutHeight, ow = g.OutWidth, planes = g.Batch * g.Channels, h = g.InHeight, w = g.InWidth;
        T[] x = ConvTests.RandomArray<T>(random, planes * h * w);
        T[] gy = ConvTests.RandomArray<T>(random, planes * oh * ow);
        T[] y = [.. Enumerable.Repeat(T.NaN, gy.Length)];
        T[] gx = [.. Enumerable.Repeat(T.NaN, x.Length)];
        PoolKernels.AvgPool2dForward<T>(g, countIncludePad, x, y);
        PoolKernels.AvgPool2dBackward<T>(g, countIncludePad, gy, gx);

        var expectedY = new double[y.Length];
        var expectedGx = new double[x.Length];
        for (int p = 0; p < planes; p++)
        {
            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j++)
                {
                    // The divisor counts the window positions inside the padded input (H + pH, W + pW) or inside the input.
                    int padded = 0, inside = 0;
                    double sum = 0;
                    for (int ih = (i * g.StrideH) - g.PadH; ih < (i * g.StrideH) - g.PadH + g.KernelH; ih++)
                    {
                        for (int iw = (j * g.StrideW) - g.PadW; iw < (j * g.StrideW) - g.PadW + g.KernelW; iw++)
                        {
                            padded += ih < h + g.PadH && iw < w + g.PadW ? 1 : 0;
                            if (ih >= 0 && ih < h && iw >= 0 && iw < w)
                            {
                                inside++;
                                sum += double.CreateTruncating(x[(p * h * w) + (ih * w) + iw]);
                            }
                        }
                    }

                    int o = (p * oh * ow) + (i * ow) + j;
                    int divisor = countIncludePad ? padded : inside;
                    expectedY[o] = inside == 0 ? 0 : sum / divisor;
                    for (int ih = Math.Max(0, (i * g.StrideH) - g.PadH); ih < Math.Min(h, (i * g.StrideH) - g.PadH + g.KernelH); ih++)
                    {
                        for (int iw = Math.Max(0, (j * g.StrideW) - g.PadW); iw < Math.Min(w, (j * g.StrideW) - g.PadW + g.KernelW); iw++)
                            expectedGx[(p * h * w) + (ih * w) + iw] += double.CreateTruncating(gy[o]) / divisor;
                    }
                }
            }
        }

        AssertClose(expectedY, y, "avg pool forward");
        AssertClose(expectedGx, gx, "avg pool backward");
        AssertAdjoint(x, y, gy, gx);
    }

    private static void CheckAdaptive<T>(int n, int c, int h, int w, int oh, int ow, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        T[] x = ConvTests.RandomArray<T>(random, n * c * h * w);
        T[] gy = ConvTests.RandomArray<T>(random, n * c * oh * ow);
        T[] y = [.. Enumerable.Repeat(T.NaN, gy.Length)];
        T[] gx = [.. Enumerable.Repeat(T.NaN, x.Length)];
        PoolKernels.AdaptiveAvgPool2dForward<T>(n, c, h, w, oh, ow, x, y);
        PoolKernels.AdaptiveAvgPool2dBackward<T>(n, c, h, w, oh, ow, gy, gx);

        var expectedY = new double[y.Length];
        var expectedGx = new double[x.Length];
        for (int p = 0; p < n * c; p++)
        {
            for (int i = 0; i < oh; i++)
            {
                int h0 = (int)Math.Floor((double)i * h / oh), h1 = (int)Math.Ceiling((double)(i + 1) * h / oh);
                for (int j = 0; j < ow; j++)
                {
                    int w0 = (int)Math.Floor((double)j * w / ow), w1 = (int)Math.Ceiling((double)(j + 1) * w / ow);
                    int o = (p * oh * ow) + (i * ow) + j;
                    int count = (h1 - h0) * (w1 - w0);
                    for (int ih = h0; ih < h1; ih++)
                    {
                        for (int iw = w0; iw < w1; iw++)
                        {
                            expectedY[o] += double.CreateTruncating(x[(p * h * w) + (ih * w) + iw]) / count;
                            expectedGx[(p * h * w) + (ih * w) + iw] += double.CreateTruncating(gy[o]) / count;
                        }
                    }
                }
            }
        }

        AssertClose(expectedY, y, "adaptive avg pool forward");
        AssertClose(expectedGx, gx, "adaptive avg pool backward");
        AssertAdjoint(x, y, gy, gx);
    }

    /// <summary>Average pooling is linear, so its backward pass is its transpose: &lt;pool(x), gy&gt; = &lt;x, poolBackward(gy)&gt;.</summary>
    private static void AssertAdjoint<T>(T[] x, T[] y, T[] gy, T[] gx)
        where T : IFloatingPointIeee754<T>
    {
        double lhs = y.Zip(gy, (a, b) => double.CreateTruncating(a) * double.CreateTruncating(b)).Sum();
        double rhs = x.Zip(gx, (a, b) => double.CreateTruncating(a) * double.CreateTruncating(b)).Sum();
        double scale = 1 + x.Zip(gx, (a, b) => Math.Abs(double.CreateTruncating(a) * double.CreateTruncating(b))).Sum();
        Assert.True(Math.Abs(lhs - rhs) <= 1e-5 * scale, $"<pool(x), gy> = {lhs} but <x, poolBackward(gy)> = {rhs}");
    }

    private static void AssertClose<T>(double[] expected, T[] actual, string what)
        where T : IFloatingPointIeee754<T>
    {
        double tolerance = typeof(T) == typeof(float) ? 1e-5 : 1e-13;
        for (int i = 0; i < expected.Length; i++)
        {
            double a = double.CreateTruncating(actual[i]);
            Assert.True(Math.Abs(a - expected[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"{what} [{i}]: expected {expected[i]}, got {a}");
        }
    }
}

[Collection(nameof(Parallelism))]
public sealed class PoolDeterminismTests
{
    [Fact]
    public void OneAndTwoThreadsGiveTheSameBits()
    {
        int saved = Parallelism.NumThreads;
        try
        {
            var g = new PoolGeometry(8, 16, 20, 18, 3, 3, 2, 2, 1, 1, 1, 1, true);
            var random = new Random(9);
            float[] x = ConvTests.RandomArray<float>(random, 8 * 16 * 20 * 18);
            float[] gy = ConvTests.RandomArray<float>(random, 8 * 16 * g.OutHeight * g.OutWidth);
            Parallelism.NumThreads = 1;
            float[][] one = Run(g, x, gy);
            Parallelism.NumThreads = 2;
            float[][] two = Run(g, x, gy), again = Run(g, x, gy);
            for (int i = 0; i < one.Length; i++)
            {
                Assert.Equal(one[i], two[i]);
                Assert.Equal(two[i], again[i]);
            }
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }

    private static float[][] Run(PoolGeometry g, float[] x, float[] gy)
    {
        var y = new float[gy.Length];
        var argmax = new int[gy.Length];
        var gx = new float[x.Length];
        var avg = new float[gy.Length];
        var avgGx = new float[x.Length];
        var adaptive = new float[8 * 16 * 5 * 7];
        PoolKernels.MaxPool2dForward<float>(g, x, y, argmax);
        PoolKernels.MaxPool2dBackward<float>(g, gy, argmax, gx);
        PoolKernels.AvgPool2dForward<float>(g, false, x, avg);
        PoolKernels.AvgPool2dBackward<float>(g, false, gy, avgGx);
        PoolKernels.AdaptiveAvgPool2dForward<float>(8, 16, 20, 18, 5, 7, x, adaptive);
        return [y, [.. argmax.Select(i => (float)i)], gx, avg, avgGx, adaptive];
    }
}
