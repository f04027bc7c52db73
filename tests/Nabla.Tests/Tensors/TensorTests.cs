using Nabla.Tests.Data;

namespace Nabla.Tests.Tensors;

/// <summary>Creation, conversion, random generation, comparisons and printing of tensors.</summary>
[Collection(GlobalGeneratorCollection.Name)]
public sealed class TensorTests
{
    [Fact]
    public void ZerosOnesAndFullHaveTheRequestedShapeDTypeAndValue()
    {
        var z = Tensor.Zeros(2, 3);
        Assert.Equal([2, 3], z.Shape);
        Assert.Equal(DType.Float32, z.DType);
        Assert.All(z.ToArray<float>(), v => Assert.Equal(0f, v));

        var o = Tensor.Ones([4], DType.Float64, requiresGrad: true);
        Assert.True(o.RequiresGrad);
        Assert.Equal([1.0, 1.0, 1.0, 1.0], o.ToArray<double>());

        var f = Tensor.Full([2, 2], 7, DType.Int64);
        Assert.Equal([7L, 7L, 7L, 7L], f.ToArray<long>());

        var s = Tensor.Scalar(2.5);
        Assert.Equal(0, s.Rank);
        Assert.Equal(1, s.Numel);
        Assert.Equal(2.5, s.Item());

        var like = Tensor.FullLike(f, 3);
        Assert.Equal(DType.Int64, like.DType);
        Assert.Equal([2, 2], like.Shape);
        Assert.Equal(0, Tensor.Zeros(0, 3).Numel);
    }

    [Fact]
    public void ArangeFollowsTorchArange()
    {
        Assert.Equal([0L, 1L, 2L, 3L, 4L], Tensor.Arange(5).ToArray<long>());
        Assert.Equal(DType.Int64, Tensor.Arange(5).DType);
        Assert.Equal([0f, 0.25f, 0.5f, 0.75f], Tensor.Arange(0, 1, 0.25).ToArray<float>());
        // torch.arange(1, 2, 0.3) -> tensor([1.0000, 1.3000, 1.6000, 1.9000]); torch.arange(0, -1, -0.3) has 4 elements too.
        Assert.Equal([1.0, 1.3, 1.6, 1.9], Tensor.Arange(1, 2, 0.3, DType.Float64).ToArray<double>(), new ToleranceComparer(1e-15));
        Assert.Equal(4, Tensor.Arange(0, -1, -0.3).Numel);
        Assert.Equal(0, Tensor.Arange(3, 3).Numel);
    }

    [Fact]
    public void LinspaceMatchesTorchAndEndsExactlyAtEnd()
    {
        // torch.linspace(-1, 0.3, 7, dtype=torch.float64).tolist()
        double[] expected = [-1.0, -0.7833333333333333, -0.5666666666666667, -0.35000000000000003, -0.13333333333333336, 0.08333333333333331, 0.3];
        Assert.Equal(expected, Tensor.Linspace(-1, 0.3, 7, DType.Float64).ToArray<double>());

        var f = Tensor.Linspace(0.1, 0.7, 10).ToArray<float>();
        Assert.Equal(0.7f, f[^1]);
        Assert.Equal(0.1f, f[0]);
        for (int i = 0; i < f.Length; i++) Assert.Equal(0.1 + i * (0.6 / 9), f[i], 1e-6);

        Assert.Equal([5.0], Tensor.Linspace(5, 9, 1, DType.Float64).ToArray<double>());
        Assert.Equal(0, Tensor.Linspace(0, 1, 0).Numel);
    }

    [Fact]
    public void EyeIsTheIdentity()
    {
        Assert.Equal([1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f], Tensor.Eye(3).ToArray<float>());
        var rect = Tensor.Eye(2, 3, DType.Float64);
        Assert.Equal([2, 3], rect.Shape);
        Assert.Equal([1.0, 0.0, 0.0, 0.0, 1.0, 0.0], rect.ToArray<double>());
    }

    [Fact]
    public void RandomTensorsAreReproducibleFromASeed()
    {
        var a = Tensor.Randn([5, 4], DType.Float64, new Generator(42));
        var b = Tensor.Randn([5, 4], DType.Float64, new Generator(42));
        var c = Tensor.Randn([5, 4], DType.Float64, new Generator(43));
        Assert.Equal(a.ToArray<double>(), b.ToArray<double>());
        Assert.NotEqual(a.ToArray<double>(), c.ToArray<double>());

        Assert.Equal(Tensor.Rand([7], DType.Float32, new Generator(1)).ToArray<float>(), Tensor.Rand([7], DType.Float32, new Generator(1)).ToArray<float>());
        Assert.Equal(Tensor.RandInt(0, 10, [9], new Generator(2)).ToArray<long>(), Tensor.RandInt(0, 10, [9], new Generator(2)).ToArray<long>());

        Generator.ManualSeed(123);
        var first = Tensor.Randn(6).ToArray<float>();
        Generator.ManualSeed(123);
        Assert.Equal(first, Tensor.Randn(6).ToArray<float>());
    }

    [Fact]
    public void GeneratorStateRoundTrips()
    {
        var g = new Generator(9);
        g.NextGaussian();
        var state = g.GetState();
        var expected = Enumerable.Range(0, 5).Select(_ => g.NextGaussian()).ToArray();
        g.SetState(state);
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => g.NextGaussian()).ToArray());
    }

    [Fact]
    public void RandomTensorsHaveRoughlyTheRightStatistics()
    {
        int n = 20_000;
        var u = Tensor.Rand([n], DType.Float64, new Generator(5)).ToArray<double>();
        Assert.All(u, v => Assert.InRange(v, 0.0, 0.9999999999));
        Assert.Equal(0.5, u.Average(), 0.01);
        Assert.Equal(1.0 / 12, u.Select(v => (v - 0.5) * (v - 0.5)).Average(), 0.005);

        var z = Tensor.Randn([n], DType.Float64, new Generator(6)).ToArray<double>();
        double mean = z.Average();
        Assert.Equal(0.0, mean, 0.03);
        Assert.Equal(1.0, Math.Sqrt(z.Select(v => (v - mean) * (v - mean)).Average()), 0.03);

        var r = Tensor.RandInt(-3, 4, [n], new Generator(7)).ToArray<long>();
        Assert.All(r, v => Assert.InRange(v, -3L, 3L));
        Assert.Equal(7, r.Distinct().Count());
        Assert.All(r.GroupBy(v => v), grp => Assert.InRange(grp.Count(), n / 7 * 0.9, n / 7 * 1.1));
    }

    [Fact]
    public void FromArrayKeepsTheDataAndShape()
    {
        var t = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal(6f, t.ItemAt(1, 2));
        Assert.Equal([3, 2], Tensor.FromArray(new double[6], -1, 2).Shape);
        Assert.Equal([4], Tensor.FromArray([1.0, 2.0, 3.0, 4.0]).Shape);

        var labels = Tensor.FromArray([3, 1, 2]);
        Assert.Equal(DType.Int64, labels.DType);
        Assert.Equal([3L, 1L, 2L], labels.ToArray<long>());

        var m = Tensor.FromArray(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal([2, 3], m.Shape);
        Assert.Equal(DType.Float64, m.DType);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], m.ToArray<double>());

        var cube = Tensor.FromArray(new float[2, 1, 2] { { { 1, 2 } }, { { 3, 4 } } });
        Assert.Equal([2, 1, 2], cube.Shape);
        Assert.Equal(3f, cube.ItemAt(1, 0, 0));
    }

    [Fact]
    public void FromArrayCopiesItsSource()
    {
        var data = new[] { 1.0, 2.0 };
        var t = Tensor.FromArray(data);
        data[0] = 99;
        Assert.Equal(1.0, t.ItemAt(0));
    }

    [Fact]
    public void ItemReadsAOneElementTensor()
    {
        Assert.Equal(4.5, Tensor.FromArray([4.5]).Item());
        Assert.Equal(4.5f, Tensor.FromArray([4.5f]).Reshape().Item<float>());
        Assert.Equal(7L, Tensor.FromArray([7L], 1, 1).Item<long>());
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Ones(2, 2).Item());
        Assert.Contains("Item", e.Message);
        Assert.Contains("[2, 2]", e.Message);
        var wrongType = Assert.Throws<InvalidOperationException>(() => Tensor.FromArray([1.0]).Item<float>());
        Assert.Contains("float64, not float32", wrongType.Message);
    }

    [Fact]
    public void ToDoubleArrayAndToConvertBetweenDTypes()
    {
        var t = Tensor.FromArray([1.5f, -2.25f]);
        Assert.Equal([1.5, -2.25], t.ToDoubleArray());
        var d = t.To(DType.Float64);
        Assert.Equal(DType.Float64, d.DType);
        Assert.Equal([1.5, -2.25], d.ToArray<double>());
        Assert.Same(t, t.To(DType.Float32));
        Assert.Equal([1L, -2L], Tensor.FromArray([1.9, -2.9]).To(DType.Int64).ToArray<long>());
    }

    [Fact]
    public void ComparisonsReturnBoolTensors()
    {
        var a = Tensor.FromArray([1f, 2f, 3f]);
        var b = Tensor.FromArray([3f, 2f, 1f]);
        Assert.Equal([false, false, true], a.Gt(b).ToArray<bool>());
        Assert.Equal([false, true, true], a.Ge(b).ToArray<bool>());
        Assert.Equal([true, false, false], a.Lt(b).ToArray<bool>());
        Assert.Equal([true, true, false], a.Le(b).ToArray<bool>());
        Assert.Equal([false, true, false], a.Eq(b).ToArray<bool>());
        Assert.Equal([true, false, true], a.Ne(b).ToArray<bool>());
        Assert.Equal([false, true, true], a.Gt(1.5).ToArray<bool>());
        Assert.Equal(DType.Bool, a.Gt(b).DType);

        var column = Tensor.FromArray([2f, 0f], 2, 1);
        var grid = a.Ge(column);
        Assert.Equal([2, 3], grid.Shape);
        Assert.Equal([false, true, true, true, true, true], grid.ToArray<bool>());

        var x = Tensor.FromArray([1.0, 2.0]).SetRequiresGrad();
        Assert.False(x.Gt(1.5).RequiresGrad);
        Assert.Equal([-1.0, 0.0, 1.0], Tensor.FromArray([-0.5, 0.0, 2.0]).Sign().ToArray<double>());
    }

    [Fact]
    public void ArgmaxArgminAndMaxWithIndicesPickTheFirstExtremum()
    {
        var t = Tensor.FromArray([1f, 5f, 5f, -2f, 0f, 3f], 2, 3);
        Assert.Equal(1L, t.Argmax().Item<long>());
        Assert.Equal(3L, t.Argmin().Item<long>());
        Assert.Equal([1L, 2L], t.Argmax(1).ToArray<long>());
        Assert.Equal([2, 1], t.Argmin(1, keepDim: true).Shape);
        var (values, indices) = t.MaxWithIndices(0);
        Assert.Equal([1f, 5f, 5f], values.ToArray<float>());
        Assert.Equal([0L, 0L, 0L], indices.ToArray<long>());
    }

    [Fact]
    public void AllCloseUsesAbsoluteAndRelativeTolerance()
    {
        var a = Tensor.FromArray([1.0, 100.0]);
        Assert.True(a.AllClose(Tensor.FromArray([1.0 + 1e-9, 100.0 + 1e-4])));
        Assert.False(a.AllClose(Tensor.FromArray([1.0, 100.1])));
        Assert.False(a.AllClose(Tensor.FromArray([1.0, 100.0, 3.0])));
        Assert.False(Tensor.FromArray([double.NaN]).AllClose(Tensor.FromArray([double.NaN])));
    }

    // Expected strings are str(t) from PyTorch 1.13 for the same tensors; Nabla writes grad_fn=<MulBackward>
    // where PyTorch writes grad_fn=<MulBackward0>.
    [Theory]
    [InlineData("matrix", "tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])")]
    [InlineData("integral floats", "tensor([1., 2., 3.])")]
    [InlineData("int64", "tensor([1, 2, 3])")]
    [InlineData("negative", "tensor([-1.5000,  2.2500])")]
    [InlineData("scalar", "tensor(3.5000)")]
    [InlineData("rank 3", "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])")]
    [InlineData("tiny", "tensor([1.0000e-05, 1.0000e+00])")]
    [InlineData("huge", "tensor([1.0000e+09, 1.0000e+00])")]
    [InlineData("wide range", "tensor([[ 1.0000e-01, -2.0125e+01],\n        [ 3.0050e+02,  4.0000e+00]])")]
    [InlineData("wide integral range", "tensor([1.0000e+00, 2.0000e+03])")]
    [InlineData("tiny and zero", "tensor([1.0000e-05, 0.0000e+00])")]
    [InlineData("small", "tensor([0.0010, 0.5000])")]
    [InlineData("non-finite", "tensor([nan, inf, 1.])")]
    [InlineData("non-finite fractional", "tensor([   nan,    inf, 1.5000])")]
    [InlineData("empty", "tensor([])")]
    [InlineData("requires grad", "tensor([1., 2.], requires_grad=True)")]
    [InlineData("float64", "tensor([[-0.5000,  1.2500],\n        [ 2.0000, -3.0000]], dtype=torch.float64)")]
    [InlineData("grad_fn", "tensor([4., 8.], grad_fn=<MulBackward>)")]
    public void ToStringPrintsLikePyTorch(string name, string expected)
    {
        var t = name switch
        {
            "matrix" => Tensor.FromArray([1f, 2.5f, 3f, 4f], 2, 2),
            "integral floats" => Tensor.FromArray([1f, 2f, 3f]),
            "int64" => Tensor.FromArray([1L, 2L, 3L]),
            "negative" => Tensor.FromArray([-1.5f, 2.25f]),
            "scalar" => Tensor.Scalar(3.5),
            "rank 3" => Tensor.Arange(0, 8).Reshape(2, 2, 2),
            "tiny" => Tensor.FromArray([1e-5f, 1f]),
            "huge" => Tensor.FromArray([1e9f, 1f]),
            "wide range" => Tensor.FromArray([0.1f, -20.125f, 300.5f, 4f], 2, 2),
            "wide integral range" => Tensor.FromArray([1f, 2000f]),
            "tiny and zero" => Tensor.FromArray([1e-5f, 0f]),
            "small" => Tensor.FromArray([0.001f, 0.5f]),
            "non-finite" => Tensor.FromArray([float.NaN, float.PositiveInfinity, 1f]),
            "non-finite fractional" => Tensor.FromArray([float.NaN, float.PositiveInfinity, 1.5f]),
            "empty" => Tensor.Zeros(0),
            "requires grad" => Tensor.FromArray([1f, 2f]).SetRequiresGrad(),
            "float64" => Tensor.FromArray([-0.5, 1.25, 2.0, -3.0], 2, 2),
            "grad_fn" => Tensor.FromArray([2f, 4f]).SetRequiresGrad() * 2.0,
            _ => throw new ArgumentException(name),
        };
        Assert.Equal(expected, t.ToString());
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
