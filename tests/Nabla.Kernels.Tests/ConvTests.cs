using System.Numerics;

namespace Nabla.Kernels.Tests;

public sealed class ConvTests
{
    /// <summary>N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, groups.</summary>
    public static TheoryData<int[]> Geometries => new()
    {
        new[] { 2, 3, 7, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1 },     // 3×3 "same" on odd sizes
        new[] { 1, 2, 8, 8, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1 },     // stride 2, batch 1
        new[] { 3, 4, 9, 7, 6, 3, 3, 1, 1, 2, 2, 2, 2, 1 },     // dilation 2, batch 3
        new[] { 2, 4, 6, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2 },     // groups 2
        new[] { 3, 4, 7, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4 },     // depthwise
        new[] { 3, 3, 5, 6, 6, 3, 3, 2, 1, 0, 1, 1, 1, 3 },     // depthwise with channel multiplier 2
        new[] { 2, 3, 5, 8, 2, 2, 5, 1, 2, 0, 2, 1, 1, 1 },     // non-square kernel, mixed stride and padding
        new[] { 3, 5, 6, 5, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1 },     // pointwise (no im2col)
        new[] { 2, 4, 5, 5, 6, 1, 1, 1, 1, 0, 0, 1, 1, 2 },     // grouped pointwise
        new[] { 1, 3, 9, 9, 2, 1, 1, 2, 2, 0, 0, 1, 1, 1 },     // 1×1 with stride 2
        new[] { 2, 2, 4, 4, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },     // 1×1 with padding
        new[] { 3, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1 },  // like the benchmark CNN's first layer: on threads, weight gradient transposed
        new[] { 3, 6, 11, 13, 4, 4, 3, 3, 2, 1, 0, 2, 1, 2 },  // everything at once
        new[] { 1, 2, 3, 3, 2, 3, 3, 1, 1, 0, 0, 1, 1, 1 },     // kernel as large as the input
        new[] { 1, 1, 2, 2, 1, 3, 3, 1, 1, 2, 2, 1, 1, 1 },     // padding wider than the input
        new[] { 1, 64, 36, 40, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1 },  // im2col cut into several row tiles
    };

    private static Conv2dGeometry Geometry(int[] a) => new(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]);

    [Fact]
    public void OutputSizeFollowsPyTorch()
    {
        var g = new Conv2dGeometry(1, 1, 28, 28, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        Assert.Equal((28, 28), (g.OutHeight, g.OutWidth));
        g = g with { StrideH = 2, StrideW = 3 };
        Assert.Equal((14, 10), (g.OutHeight, g.OutWidth));
        g = new Conv2dGeometry(1, 1, 9, 10, 1, 3, 2, 2, 1, 0, 1, 2, 3, 1);
        Assert.Equal((3, 9), (g.OutHeight, g.OutWidth));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void FloatMatchesReference(int[] shape) => Check<float>(Geometry(shape), seed: 1);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void DoubleMatchesReference(int[] shape) => Check<double>(Geometry(shape), seed: 2);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void BackwardIsTheAdjointOfForward(int[] shape)
    {
        Conv2dGeometry g = Geometry(shape);
        var random = new Random(3);
        double[] x = RandomArray<double>(random, g.Batch * g.InChannels * g.InHeight * g.InWidth);
        double[] w = RandomArray<double>(random, g.OutChannels * (g.InChannels / g.Groups) * g.KernelHeight * g.KernelWidth);
        double[] gy = RandomArray<double>(random, g.Batch * g.OutChannels * g.OutHeight * g.OutWidth);
        var y = new double[gy.Length];
        var gx = new double[x.Length];
        var gw = new double[w.Length];
        Conv2dKernels.Forward<double>(g, x, w, [], y);
        Conv2dKernels.BackwardInput<double>(g, gy, w, gx);
        Conv2dKernels.BackwardWeight<double>(g, gy, x, gw);

        // y is bilinear in (x, w), so <y, gy> = <x, Jxᵀ gy> = <w, Jwᵀ gy>.
        double lhs = Dot(y, gy);
        double scale = 1 + AbsDot(y, gy);
        Assert.True(Math.Abs(lhs - Dot(x, gx)) <= 1e-12 * scale * 100, $"<conv(x), gy> = {lhs} but <x, backwardInput(gy)> = {Dot(x, gx)}");
        Assert.True(Math.Abs(lhs - Dot(w, gw)) <= 1e-12 * scale * 100, $"<conv(x), gy> = {lhs} but <w, backwardWeight(gy, x)> = {Dot(w, gw)}");
    }

    [Fact]
    public void EmptyBatchWritesZeroGradients()
    {
        var g = new Conv2dGeometry(0, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var w = new float[3 * 2 * 9];
        float[] gw = [.. Enumerable.Repeat(float.NaN, w.Length)];
        float[] gb = [float.NaN, float.NaN, float.NaN];
        Conv2dKernels.Forward<float>(g, [], w, [], []);
        Conv2dKernels.BackwardInput<float>(g, [], w, []);
        Conv2dKernels.BackwardWeight<float>(g, [], [], gw);
        Conv2dKernels.BackwardBias<float>(g, [], gb);
        Assert.All(gw, v => Assert.Equal(0f, v));
        Assert.All(gb, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(1, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2, "in_channels (3)", "groups (2)")]
    [InlineData(1, 4, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 2, "out_channels (3)", "groups (2)")]
    [InlineData(1, 1, 2, 5, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1, "input 2×5", "output would be 0×3")]
    [InlineData(1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, 3, 1, 1, "dilated by 3×1", "kernel 3×3")]
    [InlineData(1, 1, 5, 5, 1, 3, 3, 0, 1, 0, 0, 1, 1, 1, "stride (0×1)", "must be positive")]
    [InlineData(1, 1, 5, 5, 1, 3, 3, 1, 1, -1, 0, 1, 1, 1, "padding (-1×0)", "non-negative")]
    [InlineData(1, 0, 5, 5, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1, "C=0", "must be positive")]
    [InlineData(1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, 1, 1, 0, "groups (0)", "must be positive")]
    public void InvalidGeometryIsRejectedWithTheValues(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups, string part1, string part2)
    {
        var g = new Conv2dGeometry(n, c, h, w, oc, kh, kw, sh, sw, ph, pw, dh, dw, groups);
        var e = Assert.Throws<ArgumentException>(g.Validate);
        Assert.StartsWith("Conv2d:", e.Message);
        Assert.Contains(part1, e.Message);
        Assert.Contains(part2, e.Message);
        Assert.Throws<ArgumentException>(() => Conv2dKernels.Forward<float>(g, new float[100], new float[100], [], new float[100]));
    }

    [Fact]
    public void WrongSpanLengthsAreRejected()
    {
        var g = new Conv2dGeometry(2, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var x = new float[2 * 3 * 25];
        var w = new float[4 * 3 * 9];
        var y = new float[2 * 4 * 25];
        Assert.Contains("input has 149", Assert.Throws<ArgumentException>(() => Conv2dKernels.Forward<float>(g, x.AsSpan(1), w, [], y)).Message);
        Assert.Contains("bias has 3", Assert.Throws<ArgumentException>(() => Conv2dKernels.Forward<float>(g, x, w, new float[3], y)).Message);
        Assert.Contains("output", Assert.Throws<ArgumentException>(() => Conv2dKernels.Forward<float>(g, x, w, [], new float[10])).Message);
        Assert.Contains("weight", Assert.Throws<ArgumentException>(() => Conv2dKernels.BackwardInput<float>(g, y, new float[5], x)).Message);
        Assert.Contains("gradWeight", Assert.Throws<ArgumentException>(() => Conv2dKernels.BackwardWeight<float>(g, y, x, new float[5])).Message);
        Assert.Contains("gradBias", Assert.Throws<ArgumentException>(() => Conv2dKernels.BackwardBias<float>(g, y, new float[5])).Message);
        Assert.Throws<NotSupportedException>(() => Conv2dKernels.Forward<Half>(g, new Half[x.Length], new Half[w.Length], [], new Half[y.Length]));
    }

    internal static T[] RandomArray<T>(Random random, int length)
        where T : IFloatingPointIeee754<T>
    {
        var a = new T[length];
        for (int i = 0; i < length; i++)
            a[i] = T.CreateTruncating((random.NextDouble() * 2) - 1);

        return a;
    }

    private static void Check<T>(Conv2dGeometry g, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        int cg = g.InChannels / g.Groups;
        T[] x = RandomArray<T>(random, g.Batch * g.InChannels * g.InHeight * g.InWidth);
        T[] w = RandomArray<T>(random, g.OutChannels * cg * g.KernelHeight * g.KernelWidth);
        T[] b = RandomArray<T>(random, g.OutChannels);
        T[] gy = RandomArray<T>(random, g.Batch * g.OutChannels * g.OutHeight * g.OutWidth);

        // Outputs start as NaN: every kernel must overwrite, not accumulate.
        T[] y = Filled(gy.Length, T.NaN), yNoBias = Filled(gy.Length, T.NaN);
        T[] gx = Filled(x.Length, T.NaN), gw = Filled(w.Length, T.NaN), gb = Filled(b.Length, T.NaN);
        Conv2dKernels.Forward<T>(g, x, w, b, y);
        Conv2dKernels.Forward<T>(g, x, w, [], yNoBias);
        Conv2dKernels.BackwardInput<T>(g, gy, w, gx);
        Conv2dKernels.BackwardWeight<T>(g, gy, x, gw);
        Conv2dKernels.BackwardBias<T>(g, gy, gb);

        var r = new Reference(g, ToDouble(x), ToDouble(w), ToDouble(b), ToDouble(gy));
        AssertClose(r.Forward(withBias: true), y, "forward");
        AssertClose(r.Forward(withBias: false), yNoBias, "forward without bias");
        AssertClose(r.BackwardInput(), gx, "backward input");
        AssertClose(r.BackwardWeight(), gw, "backward weight");
        AssertClose(r.BackwardBias(), gb, "backward bias");
    }

    private static T[] Filled<T>(int length, T value) => [.. Enumerable.Repeat(value, length)];

    private static double[] ToDouble<T>(T[] a)
        where T : IFloatingPointIeee754<T>
        => [.. a.Select(double.CreateTruncating)];

    /// <summary>Each value must be within a few rounding errors of the sum of the absolute values of its terms.</summary>
    private static void AssertClose<T>((double[] Value, double[] Magnitude) expected, T[] actual, string what)
        where T : IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Value.Length, actual.Length);
        double eps = typeof(T) == typeof(float) ? 1.1920929e-7 : 2.220446049250313e-16;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = double.CreateTruncating(actual[i]);
            double tolerance = 64 * eps * (expected.Magnitude[i] + 1);
            Assert.True(Math.Abs(a - expected.Value[i]) <= tolerance,
                $"{what} [{i}]: expected {expected.Value[i]}, got {a} (tolerance {tolerance})");
        }
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (u, v) => u * v).Sum();

    private static double AbsDot(double[] a, double[] b) => a.Zip(b, (u, v) => Math.Abs(u * v)).Sum();

    /// <summary>Direct seven-loop convolution in double, returning each result with the sum of its terms' magnitudes.</summary>
    private sealed class Reference(Conv2dGeometry g, double[] x, double[] w, double[] b, double[] gy)
    {
        private readonly int _cg = g.InChannels / g.Groups, _og = g.OutChannels / g.Groups, _oh = g.OutHeight, _ow = g.OutWidth;

        public (double[], double[]) Forward(bool withBias)
        {
            var y = new double[g.Batch * g.OutChannels * _oh * _ow];
            var m = new double[y.Length];
            ForEachTap((yi, xi, wi) =>
            {
                y[yi] += x[xi] * w[wi];
                m[yi] += Math.Abs(x[xi] * w[wi]);
            });
            if (withBias)
            {
                for (int i = 0; i < y.Length; i++)
                {
                    y[i] += b[(i / (_oh * _ow)) % g.OutChannels];
                    m[i] += Math.Abs(b[(i / (_oh * _ow)) % g.OutChannels]);
                }
            }

            return (y, m);
        }

        public (double[], double[]) BackwardInput()
        {
            var gx = new double[x.Length];
            var m = new double[x.Length];
            ForEachTap((yi, xi, wi) =>
            {
                gx[xi] += gy[yi] * w[wi];
                m[xi] += Math.Abs(gy[yi] * w[wi]);
            });
            return (gx, m);
        }

        public (double[], double[]) BackwardWeight()
        {
            var gw = new double[w.Length];
            var m = new double[w.Length];
            ForEachTap((yi, xi, wi) =>
            {
                gw[wi] += gy[yi] * x[xi];
                m[wi] += Math.Abs(gy[yi] * x[xi]);
            });
            return (gw, m);
        }

        public (double[], double[]) BackwardBias()
        {
            var gb = new double[g.OutChannels];
            var m = new double[g.OutChannels];
            for (int i = 0; i < gy.Length; i++)
            {
                gb[(i / (_oh * _ow)) % g.OutChannels] += gy[i];
                m[(i / (_oh * _ow)) % g.OutChannels] += Math.Abs(gy[i]);
            }

            return (gb, m);
        }

        /// <summary>Calls <paramref name="tap"/>(output index, input index, weight index) for every in-bounds product.</summary>
        private void ForEachTap(Action<int, int, int> tap)
        {
            for (int n = 0; n < g.Batch; n++)
            {
                for (int o = 0; o < g.OutChannels; o++)
                {
                    int group = o / _og;
                    for (int y = 0; y < _oh; y++)
                    {
                        for (int xo = 0; xo < _ow; xo++)
                        {
                            int yi = (((n * g.OutChannels) + o) * _oh * _ow) + (y * _ow) + xo;
                            for (int c = 0; c < _cg; c++)
                            {
                                for (int kh = 0; kh < g.KernelHeight; kh++)
                                {
                                    int ih = (y * g.StrideH) - g.PadH + (kh * g.DilationH);
                                    if (ih < 0 || ih >= g.InHeight)
                                        continue;

                                    for (int kw = 0; kw < g.KernelWidth; kw++)
                                    {
                                        int iw = (xo * g.StrideW) - g.PadW + (kw * g.DilationW);
                                        if (iw < 0 || iw >= g.InWidth)
                                            continue;

                                        int xi = ((((n * g.InChannels) + (group * _cg) + c) * g.InHeight) + ih) * g.InWidth + iw;
                                        int wi = ((((o * _cg) + c) * g.KernelHeight) + kh) * g.KernelWidth + kw;
                                        tap(yi, xi, wi);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

[Collection(nameof(Parallelism))]
public sealed class ConvDeterminismTests
{
    [Theory]
    [InlineData(6, 8, 2)]
    [InlineData(1, 16, 1)]
    public void ResultsAreReproducibleAndAgreeAcrossThreadCounts(int channels, int outChannels, int groups)
    {
        int saved = Parallelism.NumThreads;
        try
        {
            var g = new Conv2dGeometry(7, channels, 10, 9, outChannels, 3, 3, 1, 1, 1, 1, 1, 1, groups);
            var random = new Random(4);
            float[] x = ConvTests.RandomArray<float>(random, 7 * channels * 10 * 9);
            float[] w = ConvTests.RandomArray<float>(random, outChannels * (channels / groups) * 9);
            float[] gy = ConvTests.RandomArray<float>(random, 7 * outChannels * 10 * 9);
            Parallelism.NumThreads = 1;
            float[][] one = Run(g, x, w, gy);
            Assert.Equal(one, Run(g, x, w, gy));
            Parallelism.NumThreads = 2;
            float[][] two = Run(g, x, w, gy);
            Assert.Equal(two, Run(g, x, w, gy));

            // Only the weight gradient sums per-thread partials, so only it may round differently with more threads.
            Assert.Equal(one[0], two[0]);
            Assert.Equal(one[1], two[1]);
            Assert.Equal(one[3], two[3]);
            for (int i = 0; i < one[2].Length; i++)
                Assert.True(Math.Abs(one[2][i] - two[2][i]) <= 1e-4f * (1 + Math.Abs(one[2][i])), $"gradWeight [{i}]: {one[2][i]} with 1 thread, {two[2][i]} with 2");
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }

    /// <summary>Output, gradInput, gradWeight and gradBias of one forward and backward pass.</summary>
    private static float[][] Run(Conv2dGeometry g, float[] x, float[] w, float[] gy)
    {
        var y = new float[gy.Length];
        var gx = new float[x.Length];
        var gw = new float[w.Length];
        var gb = new float[g.OutChannels];
        Conv2dKernels.Forward<float>(g, x, w, [], y);
        Conv2dKernels.BackwardInput<float>(g, gy, w, gx);
        Conv2dKernels.BackwardWeight<float>(g, gy, x, gw);
        Conv2dKernels.BackwardBias<float>(g, gy, gb);
        return [y, gx, gw, gb];
    }
}
