using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>
/// The fused batch, group and layer norm primitives against the composed formula (mean, centred square, rsqrt, scale
/// and shift in differentiable ops, evaluated in float64): outputs, first- and second-order gradients and running
/// statistics, on shapes large enough for the kernels' vector loops and thread-pool paths, contiguous or not.
/// </summary>
public sealed class FusedNormalizationTests
{
    private static Tensor Composed(Tensor x, int[] statShape, int[] statDims, Tensor? weight, Tensor? bias, int[] affineShape, double eps)
    {
        var shape = x.Shape.ToArray();
        var grouped = x.Reshape(statShape);
        var centered = grouped - grouped.Mean(statDims, keepDim: true);
        var y = (centered * ((centered * centered).Mean(statDims, keepDim: true) + eps).Rsqrt()).Reshape(shape);
        if (weight is not null) y = y * weight.Reshape(affineShape);
        return bias is null ? y : y + bias.Reshape(affineShape);
    }

    private static int[] ChannelShape(int rank, int c)
    {
        var s = Enumerable.Repeat(1, rank).ToArray();
        s[1] = c;
        return s;
    }

    private static Tensor ComposedBatchNorm(Tensor x, Tensor? w, Tensor? b) =>
        Composed(x, x.Shape.ToArray(), Enumerable.Range(0, x.Rank).Where(d => d != 1).ToArray(), w, b, ChannelShape(x.Rank, x.Shape[1]), 1e-5);

    private static Tensor ComposedGroupNorm(Tensor x, int groups, Tensor? w, Tensor? b) =>
        Composed(x, [x.Shape[0], groups, -1], [2], w, b, ChannelShape(x.Rank, x.Shape[1]), 1e-5);

    private static Tensor ComposedLayerNorm(Tensor x, int[] normalizedShape, Tensor? w, Tensor? b)
    {
        int lead = x.Rank - normalizedShape.Length;
        return Composed(x, [.. x.Shape.ToArray()[..lead], -1], [lead], w, b, normalizedShape, 1e-5);
    }

    public static TheoryData<string, bool, bool> Cases()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (var kind in new[] { "bn4d", "bn2d", "bn3d-permuted", "bn-large", "gn", "gn-large-permuted", "ln", "ln-large", "ln-2dims" })
        {
            foreach (bool float32 in new[] { false, true })
            {
                data.Add(kind, float32, true);
                data.Add(kind, float32, false);
            }
        }
        return data;
    }

    /// <summary>The op under test, fused and composed (both may read a view of their input), its input shape and its affine shape.</summary>
    private static (Func<Tensor, Tensor?, Tensor?, Tensor> Fused, Func<Tensor, Tensor?, Tensor?, Tensor> Composed, int[] Shape, int[] Affine) Op(string kind) => kind switch
    {
        "bn4d" => ((x, w, b) => Functional.BatchNorm(x, null, null, w, b, training: true), ComposedBatchNorm, [4, 3, 5, 6], [3]),
        "bn2d" => ((x, w, b) => Functional.BatchNorm(x, null, null, w, b, training: true), ComposedBatchNorm, [9, 5], [5]),
        "bn3d-permuted" => ((x, w, b) => Functional.BatchNorm(x.Permute(0, 2, 1), null, null, w, b, training: true),
            (x, w, b) => ComposedBatchNorm(x.Permute(0, 2, 1), w, b), [3, 11, 4], [4]),
        "bn-large" => ((x, w, b) => Functional.BatchNorm(x, null, null, w, b, training: true), ComposedBatchNorm, [8, 16, 18, 17], [16]),
        "gn" => ((x, w, b) => Functional.GroupNorm(x, 2, w, b), (x, w, b) => ComposedGroupNorm(x, 2, w, b), [3, 6, 5], [6]),
        "gn-large-permuted" => ((x, w, b) => Functional.GroupNorm(x.Transpose(2, 3), 4, w, b), (x, w, b) => ComposedGroupNorm(x.Transpose(2, 3), 4, w, b),
            [4, 8, 33, 32], [8]),
        "ln" => ((x, w, b) => Functional.LayerNorm(x, [7], w, b), (x, w, b) => ComposedLayerNorm(x, [7], w, b), [5, 7], [7]),
        "ln-large" => ((x, w, b) => Functional.LayerNorm(x, [128], w, b), (x, w, b) => ComposedLayerNorm(x, [128], w, b), [300, 128], [128]),
        "ln-2dims" => ((x, w, b) => Functional.LayerNorm(x.Transpose(0, 2), [3, 4], w, b), (x, w, b) => ComposedLayerNorm(x.Transpose(0, 2), [3, 4], w, b),
            [4, 3, 6], [3, 4]),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedMatchesTheComposedFormula(string kind, bool float32, bool affine)
    {
        var (fused, composed, shape, affineShape) = Op(kind);
        var dtype = float32 ? DType.Float32 : DType.Float64;
        var g = new Generator(7);
        // An offset far from zero checks that the statistics do not cancel.
        var x64 = Tensor.Randn(shape, DType.Float64, g) * 3.0 + 20.0;
        var w64 = affine ? Tensor.Rand(affineShape, DType.Float64, g) + 0.5 : null;
        var b64 = affine ? Tensor.Rand(affineShape, DType.Float64, g) - 0.5 : null;
        var x = x64.To(dtype).Detach();
        x.RequiresGrad = true;
        var w = w64?.To(dtype).Detach();
        var b = b64?.To(dtype).Detach();
        if (w is not null) { w.RequiresGrad = true; b!.RequiresGrad = true; }

        // The reference reads the same (rounded) values in float64.
        var xr = x.Detach().To(DType.Float64);
        xr.RequiresGrad = true;
        var wr = w?.Detach().To(DType.Float64);
        var br = b?.Detach().To(DType.Float64);
        if (wr is not null) { wr.RequiresGrad = true; br!.RequiresGrad = true; }

        var y = fused(x, w, b);
        var yr = composed(xr, wr, br);
        double tol = float32 ? 2e-5 : 1e-11;
        NNTestUtil.AssertClose(yr, y, tol, kind + " output");

        var go = Tensor.Randn(y.Shape.ToArray(), DType.Float64, g);
        var grads = Autograd.Grad([y], w is null ? [x] : [x, w, b!], [go.To(dtype)]);
        var expected = Autograd.Grad([yr], wr is null ? [xr] : [xr, wr, br!], [go]);
        // Input gradients are differences of O(1) terms; weight and bias gradients are sums over many elements.
        NNTestUtil.AssertClose(expected[0]!, grads[0]!, float32 ? 1e-4 : 1e-10, kind + " grad input");
        for (int i = 1; i < grads.Length; i++)
        {
            double scale = Math.Max(1, expected[i]!.Abs().Max().Item());
            NNTestUtil.AssertClose(expected[i]! / scale, grads[i]! / scale, float32 ? 1e-5 : 1e-11, kind + $" grad of affine input {i}");
        }
    }

    [Theory]
    [InlineData("bn4d")]
    [InlineData("gn")]
    [InlineData("ln-2dims")]
    public void GradientsOfGradientsMatchTheComposedFormula(string kind)
    {
        var (fused, composed, shape, affineShape) = Op(kind);
        var g = new Generator(3);
        var x = Tensor.Randn(shape, DType.Float64, g);
        var w = Tensor.Rand(affineShape, DType.Float64, g) + 0.5;
        var b = Tensor.Rand(affineShape, DType.Float64, g) - 0.5;
        x.RequiresGrad = w.RequiresGrad = b.RequiresGrad = true;
        var go = Tensor.Randn(shape, DType.Float64, g);
        var v = Tensor.Randn(shape, DType.Float64, g);
        Tensor?[] SecondOrder(Func<Tensor, Tensor?, Tensor?, Tensor> f)
        {
            var y = f(x, w, b);
            if (kind is "ln-2dims") y = y.Transpose(0, 2);
            var first = Autograd.Grad([(y * go).Sum()], [x, w], createGraph: true);
            return Autograd.Grad([(first[0]! * v).Sum() + first[1]!.Square().Sum()], [x, w, b], allowUnused: true);
        }
        var actual = SecondOrder(fused);
        var expected = SecondOrder(composed);
        for (int i = 0; i < 3; i++)
        {
            if (expected[i] is null) Assert.True(actual[i] is null || actual[i]!.Abs().Max().Item() < 1e-12, $"{kind} second order {i}");
            else NNTestUtil.AssertClose(expected[i]!, actual[i]!, 1e-10, $"{kind} second order {i}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RunningStatisticsFollowTheBatchMeanAndUnbiasedVariance(bool float32)
    {
        var dtype = float32 ? DType.Float32 : DType.Float64;
        var x = (Tensor.Randn([6, 4, 9, 7], DType.Float64, new Generator(5)) * 2.0 + 3.0).To(dtype);
        var mean = Tensor.Zeros([4], dtype);
        var variance = Tensor.Ones([4], dtype);
        Functional.BatchNorm(x.Permute(0, 1, 3, 2), mean, variance, training: true, momentum: 0.2);
        var xd = x.To(DType.Float64);
        var batchMean = xd.Mean([0, 2, 3]);
        var batchVar = xd.Var([0, 2, 3]);
        double tol = float32 ? 1e-6 : 1e-13;
        NNTestUtil.AssertClose(batchMean * 0.2, mean, tol, "running mean");
        NNTestUtil.AssertClose(batchVar * 0.2 + 0.8, variance, tol, "running var");

        // Evaluation uses them and leaves them unchanged.
        var y = Functional.BatchNorm(x, mean, variance, training: false);
        var expected = (xd - mean.To(DType.Float64).Reshape(1, 4, 1, 1)) * (variance.To(DType.Float64).Reshape(1, 4, 1, 1) + 1e-5).Rsqrt();
        NNTestUtil.AssertClose(expected, y, float32 ? 2e-6 : 1e-13, "evaluation output");
        NNTestUtil.AssertClose(batchMean * 0.2, mean, tol, "running mean after evaluation");
    }

    [Fact]
    public void AffineParametersOfAnotherDtypeAreRefused()
    {
        var x = Tensor.Randn([2, 3, 4]);
        var w = Tensor.Ones([3], DType.Float64);
        var e = Assert.Throws<ArgumentException>(() => Functional.BatchNorm(x, null, null, w, training: true));
        Assert.Contains("BatchNorm", e.Message, StringComparison.Ordinal);
        Assert.Contains("float64", e.Message, StringComparison.Ordinal);
        Assert.Contains("float32", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Functional.LayerNorm(x, [4], Tensor.Ones([4], DType.Float64)));
        Assert.Throws<ArgumentException>(() => Functional.GroupNorm(x, 3, bias: Tensor.Ones([3], DType.Float64)));
    }
}
