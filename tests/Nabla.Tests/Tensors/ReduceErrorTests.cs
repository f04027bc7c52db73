namespace Nabla.Tests.Tensors;

/// <summary>Bad arguments to the sorting, scan and statistics ops: each error names the op, the shapes and the dtypes.</summary>
public sealed class ReduceErrorTests
{
    private static Tensor X => Tensor.FromArray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3);

    private static void AssertMessage(Exception e, params string[] parts)
    {
        foreach (var part in parts) Assert.Contains(part, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TopKLargerThanTheDimIsRejected() =>
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => X.TopK(4)), "TopK", "k = 4", "[2, 3] float64");

    [Fact]
    public void KthvalueOutOfRangeIsRejected() =>
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => X.Kthvalue(0, 1)), "Kthvalue", "[2, 3] float64");

    [Fact]
    public void LogCumSumExpKeepsInfinitiesAndNaNAsPyTorchDoes()
    {
        var y = Tensor.FromArray([double.NegativeInfinity, double.NegativeInfinity, 0.0, double.PositiveInfinity, 1.0]).LogCumSumExp(0);
        Assert.Equal([double.NegativeInfinity, double.NegativeInfinity, 0.0, double.PositiveInfinity, double.PositiveInfinity], y.ToArray<double>());
        var n = Tensor.FromArray([1.0f, float.NaN, 0.0f]).LogCumSumExp(0);
        Assert.Equal(1.0f, n.ToArray<float>()[0]);
        Assert.True(float.IsNaN(n.ToArray<float>()[1]) && float.IsNaN(n.ToArray<float>()[2]));
    }

    [Fact]
    public void BadDimIsRejected()
    {
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => X.Sort(2)), "Sort", "dimension 2");
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => X.CumSum(-3)), "CumSum", "dimension -3");
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => X.LogCumSumExp(2)), "LogCumSumExp", "dimension 2");
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => X.Quantile(0.5, 5)), "Quantile", "dimension 5");
    }

    [Fact]
    public void QuantileOutsideZeroOneIsRejected()
    {
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => X.Quantile(1.5)), "Quantile", "[0, 1]", "1.5", "[2, 3] float64");
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => X.Quantile(Tensor.FromArray([0.5, -0.25]))), "Quantile", "-0.25");
        AssertMessage(Assert.Throws<ArgumentException>(() => X.Quantile(Tensor.FromArray([0.5f]))), "Quantile", "float32", "float64");
        AssertMessage(Assert.Throws<ArgumentException>(() => X.Quantile(0.5, interpolation: "cubic")), "Quantile", "cubic");
    }

    [Fact]
    public void HistcNeedsPositiveBinsAndAnOrderedRange()
    {
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => X.Histc(0)), "Histc", "bins", "[2, 3] float64");
        AssertMessage(Assert.Throws<ArgumentException>(() => X.Histc(4, 2, 1)), "Histc", "min");
        AssertMessage(Assert.Throws<NotSupportedException>(() => Tensor.FromArray([1L, 2L]).Histc()), "Histc", "int64");
    }

    [Fact]
    public void BincountNeedsNonNegativeOneDimInt64()
    {
        AssertMessage(Assert.Throws<ArgumentException>(() => Tensor.FromArray([1L, -2L]).Bincount()), "Bincount", "-2", "[2] int64");
        AssertMessage(Assert.Throws<ArgumentException>(() => Tensor.FromArray([1L, 2L, 0L, 1L], 2, 2).Bincount()), "Bincount", "1-D", "[2, 2] int64");
        AssertMessage(Assert.Throws<ArgumentException>(() => Tensor.FromArray([1.0, 2.0]).Bincount()), "Bincount", "[2] float64");
        AssertMessage(Assert.Throws<ArgumentException>(() => Tensor.FromArray([1L, 2L]).Bincount(Tensor.FromArray([1.0]))), "Bincount", "weights [1] float64");
    }

    [Fact]
    public void CdistNeedsMatchingRowWidths()
    {
        AssertMessage(Assert.Throws<ArgumentException>(() => Tensor.Cdist(X, Tensor.Zeros([4, 2], DType.Float64))), "Cdist", "[2, 3] float64", "[4, 2] float64");
        AssertMessage(Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Cdist(X, X, -1)), "Cdist", "p");
    }

    [Fact]
    public void NormAndQuantileNeedFloatTensors()
    {
        AssertMessage(Assert.Throws<NotSupportedException>(() => Tensor.FromArray([1L, 2L]).Norm()), "Norm", "int64");
        AssertMessage(Assert.Throws<NotSupportedException>(() => Tensor.FromArray([1L, 2L]).Quantile(0.5)), "Quantile", "int64");
        AssertMessage(Assert.Throws<NotSupportedException>(() => Tensor.FromArray([1L, 2L]).LogCumSumExp(0)), "LogCumSumExp", "int64", "[2]");
    }

    [Fact]
    public void IndicesCountsAndInverseAreInt64AndNeverRecorded()
    {
        var x = X.SetRequiresGrad();
        var (values, indices) = x.Sort(1, descending: true);
        Assert.True(values.RequiresGrad);
        Assert.False(indices.RequiresGrad);
        Assert.Equal(DType.Int64, indices.DType);
        var (_, inverse, counts) = x.Unique(returnInverse: true, returnCounts: true);
        Assert.False(inverse!.RequiresGrad || counts!.RequiresGrad);
        Assert.Equal(DType.Int64, counts!.DType);
        Assert.Equal(DType.Int64, x.CountNonzero().DType);
        Assert.False(x.Argsort().RequiresGrad);
    }

    [Fact]
    public void LargeSortsSpreadOverThreadsMatchASortedCopy()
    {
        var g = new Generator(7);
        var x = Tensor.Randn([64, 1000], DType.Float64, g);
        var (values, indices) = x.Sort(1);
        var data = x.ToArray<double>();
        var sortedValues = values.ToArray<double>();
        var idx = indices.ToArray<long>();
        for (int r = 0; r < 64; r++)
        {
            var expected = data.Skip(r * 1000).Take(1000).Order().ToArray();
            Assert.Equal(expected, sortedValues.Skip(r * 1000).Take(1000));
            for (int k = 0; k < 1000; k++) Assert.Equal(data[(r * 1000) + (int)idx[(r * 1000) + k]], sortedValues[(r * 1000) + k]);
        }
    }
}
