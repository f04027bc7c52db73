namespace Nabla.Tests.Tensors;

/// <summary>The small tensor calls ported programs reach for: <c>mm</c>, <c>unbind</c>, <c>div_</c>, <c>fill_</c> with a tensor.</summary>
public class PortApiTests
{
    [Fact]
    public void MmMultipliesMatricesOnly()
    {
        var a = Tensor.Arange(6, dtype: DType.Float64).Reshape(2, 3);
        var b = Tensor.Arange(12, dtype: DType.Float64).Reshape(3, 4);
        Assert.Equal(a.MatMul(b).ToDoubleArray(), a.Mm(b).ToDoubleArray());
        Assert.Contains("Mm: expected matrices (n, m) and (m, p), got [2, 3] float64 and [3] float64", Assert.Throws<ArgumentException>(() => a.Mm(b[.., 0])).Message);
        Assert.Contains("got [2, 3] float64 and [2, 4] float64", Assert.Throws<ArgumentException>(() => a.Mm(b[..2])).Message);
    }

    [Fact]
    public void UnbindGivesTheSlicesAsViews()
    {
        var x = Tensor.Arange(6, dtype: DType.Float64).Reshape(2, 3);
        var rows = x.Unbind();
        Assert.Equal(2, rows.Length);
        Assert.Equal([3.0, 4, 5], rows[1].ToDoubleArray());
        var columns = x.Unbind(-1);
        Assert.Equal([3], [columns.Length]);
        Assert.Equal([2], columns[2].Shape);
        Assert.Equal([2.0, 5], columns[2].ToDoubleArray());
        using (Autograd.NoGrad()) rows[0].Fill(-1);
        Assert.Equal(-1, x.ItemAt(0, 2));
        Assert.Empty(Tensor.Zeros(0, 3).Unbind());
    }

    [Fact]
    public void DivInPlaceDividesAndIsRecorded()
    {
        var batch = Tensor.FromArray([255.0, 51, 0]);
        batch.DivInPlace(255.0);
        Assert.Equal([1.0, 0.2, 0], batch.ToDoubleArray());

        var x = Tensor.FromArray([1.0, 2, 3]).SetRequiresGrad();
        var z = Tensor.FromArray([2.0, 4, 8]).SetRequiresGrad();
        var y = x * 1;
        y.DivInPlace(z);
        y.Sum().Backward();
        Assert.Equal([0.5, 0.25, 0.125], x.Grad!.ToDoubleArray());
        Assert.Equal([-0.25, -0.125, -3.0 / 64], z.Grad!.ToDoubleArray());
        Assert.Contains("cannot be broadcast into the in-place target", Assert.Throws<ArgumentException>(() => Tensor.Zeros(3).DivInPlace(Tensor.Ones(2, 3))).Message);
    }

    [Fact]
    public void FillTakesAOneElementTensor()
    {
        var input = Tensor.Zeros([2], DType.Int64);
        input.Fill(Tensor.FromArray(new long[] { 7 }).Reshape());
        Assert.Equal([7L, 7], input.ToArray<long>());

        var value = Tensor.Scalar(3.0).SetRequiresGrad();
        var target = Tensor.Zeros([2], DType.Float64) * 1;
        target.Fill(value);
        (target * Tensor.FromArray([1.0, 2])).Sum().Backward();
        Assert.Equal(3.0, value.Grad!.Item());
        Assert.Contains("one element", Assert.Throws<ArgumentException>(() => input.Fill(Tensor.Ones(2))).Message);
    }

    [Fact]
    public void WhereBetweenNumbersTakesPyTorchsDtypes()
    {
        var c = Tensor.FromArray([0.2f, 0.7f, 0.9f]) > 0.5;
        var ints = Tensor.Where(c, 1, 0);
        Assert.Equal(DType.Int64, ints.DType);
        Assert.Equal([0L, 1, 1], ints.ToArray<long>());
        var floats = Tensor.Where(c, 1.5, 0.0);
        Assert.Equal(DType.Float32, floats.DType);
        Assert.Equal([0f, 1.5f, 1.5f], floats.ToArray<float>());
        Assert.Equal(DType.Float64, Tensor.Where(c, Tensor.Zeros([3], DType.Float64), 1.0).DType);
    }
}
