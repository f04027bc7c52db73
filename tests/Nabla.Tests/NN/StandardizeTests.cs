using Nabla.NN;

namespace Nabla.Tests.NN;

public sealed class StandardizeTests
{
    private static readonly double[] Rows =
    [
        1.0, 10.0, 5.0,
        2.0, 30.0, 5.0,
        3.0, 20.0, 5.0,
        6.0, 40.0, 5.0,
    ];

    [Fact]
    public void StartsAsTheIdentity()
    {
        var layer = new Standardize(3, DType.Float64);
        var x = Tensor.FromArray(Rows, 4, 3);
        Assert.Equal(Rows, layer.Forward(x).ToDoubleArray());
        Assert.Equal("Standardize(3)", layer.ToString());
    }

    [Fact]
    public void FitLearnsEachColumnsMeanAndPopulationStd()
    {
        var layer = new Standardize(3, DType.Float64);
        layer.Fit(Tensor.FromArray(Rows, 4, 3));
        // Column 0: mean 3, squared deviations 4 + 1 + 0 + 9 over N = 4; column 1: mean 25, (225 + 25 + 25 + 225) / 4.
        NNTestUtil.AssertClose([3.0, 25.0, 5.0], [3], layer.Mean, 1e-15, "mean");
        NNTestUtil.AssertClose([Math.Sqrt(3.5), Math.Sqrt(125), 1.0], [3], layer.Std, 1e-15, "std");

        var y = layer.Forward(Tensor.FromArray(Rows, 4, 3));
        NNTestUtil.AssertClose([0.0, 0.0, 0.0], [3], y.Mean(0), 1e-15, "standardized column means");
        NNTestUtil.AssertClose([1.0, 1.0, 0.0], [3], y.Std([0], correction: 0), 1e-15, "standardized column stds");
    }

    [Fact]
    public void AConstantFeatureKeepsStdOneAndMapsToZero()
    {
        var layer = new Standardize(3);
        layer.Fit(Tensor.FromArray(Rows, 4, 3).To(DType.Float32));
        Assert.Equal(1f, layer.Std.ToArray<float>()[2]);
        var y = layer.Forward(Tensor.FromArray([0.0, 0.0, 5.0], 1, 3).To(DType.Float32)).ToArray<float>();
        Assert.Equal(0f, y[2]);
    }

    [Fact]
    public void FitConvertsTheInputToTheStatisticsDType()
    {
        var layer = new Standardize(3, DType.Float64);
        layer.Fit(Tensor.FromArray(Rows, 4, 3).To(DType.Float32));
        Assert.Equal(DType.Float64, layer.Mean.DType);
        NNTestUtil.AssertClose([3.0, 25.0, 5.0], [3], layer.Mean, 1e-6, "mean");
    }

    [Fact]
    public void StatisticsRoundTripThroughTheStateDict()
    {
        var fitted = new Sequential(("standardize", new Standardize(3, DType.Float64)));
        ((Standardize)fitted[0]).Fit(Tensor.FromArray(Rows, 4, 3));
        var state = fitted.StateDict();
        Assert.Equal(["standardize.mean", "standardize.std"], state.Keys.ToArray());
        Assert.Empty(fitted.Parameters());

        var loaded = new Sequential(("standardize", new Standardize(3, DType.Float64)));
        loaded.LoadStateDict(state);
        var x = Tensor.FromArray([4.0, 15.0, 5.0, -1.0, 50.0, 7.0], 2, 3);
        Assert.Equal(fitted.Forward(x).ToDoubleArray(), loaded.Forward(x).ToDoubleArray());
    }

    [Fact]
    public void RejectsInputsOfAnotherWidth()
    {
        var layer = new Standardize(3);
        var e = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros([2, 4])));
        Assert.Contains("expected input (*, 3)", e.Message);
        e = Assert.Throws<ArgumentException>(() => layer.Fit(Tensor.Zeros([2, 4])));
        Assert.Contains("expected a non-empty (N, 3) input", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Standardize(0));
        Assert.Throws<ArgumentException>(() => new Standardize(3, DType.Int64));
    }
}
