namespace Nabla.Tests.Tensors;

/// <summary>In-place ops: values, broadcasting into the target, and the version counter that autograd relies on.</summary>
public sealed class TensorInPlaceTests
{
    [Fact]
    public void InPlaceOpsUpdateValuesAndBumpTheVersionOnce()
    {
        var t = Tensor.FromArray([1.0, 2.0, 3.0]);
        int v0 = t.Version;

        t.AddInPlace(Tensor.FromArray([1.0, 1.0, 1.0]), alpha: 2);
        Assert.Equal([3.0, 4.0, 5.0], t.ToArray<double>());
        Assert.Equal(v0 + 1, t.Version);

        t.SubInPlace(Tensor.FromArray([1.0, 2.0, 3.0]));
        Assert.Equal([2.0, 2.0, 2.0], t.ToArray<double>());
        Assert.Equal(v0 + 2, t.Version);

        t.MulInPlace(1.5);
        Assert.Equal([3.0, 3.0, 3.0], t.ToArray<double>());
        t.MulInPlace(Tensor.FromArray([1.0, 0.0, -1.0]));
        Assert.Equal([3.0, 0.0, -3.0], t.ToArray<double>());
        t.Fill(4);
        Assert.Equal([4.0, 4.0, 4.0], t.ToArray<double>());
        t.Zero();
        Assert.Equal([0.0, 0.0, 0.0], t.ToArray<double>());
        Assert.Equal(v0 + 6, t.Version);
    }

    [Fact]
    public void InPlaceOpsBroadcastAndConvertTheOperand()
    {
        var t = Tensor.Zeros(2, 3);
        t.AddInPlace(Tensor.FromArray([1.0, 2.0, 3.0]));
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal([1f, 2f, 3f, 1f, 2f, 3f], t.ToArray<float>());
        t.CopyFrom(Tensor.FromArray([5.0, 6.0], 2, 1));
        Assert.Equal([5f, 5f, 5f, 6f, 6f, 6f], t.ToArray<float>());
        t.T.MulInPlace(Tensor.FromArray([1f, 10f], 1, 2));
        Assert.Equal([5f, 5f, 5f, 60f, 60f, 60f], t.ToArray<float>());
    }

    [Fact]
    public void AViewSharesTheVersionOfItsStorage()
    {
        var t = Tensor.Zeros(3, 4);
        var view = t.Narrow(0, 1, 1);
        int before = t.Version;
        view.Fill(2);
        Assert.Equal(before + 1, t.Version);
        Assert.Equal(t.Version, view.Version);
        t.Clone().Fill(3);
        Assert.Equal(before + 1, t.Version);
    }

    [Fact]
    public void ALeafThatRequiresGradCanBeUpdatedInsideNoGrad()
    {
        var w = Tensor.FromArray([1.0, 2.0]).SetRequiresGrad();
        using (Autograd.NoGrad()) w.SubInPlace(Tensor.FromArray([0.5, 0.5]));
        Assert.Equal([0.5, 1.5], w.ToArray<double>());
        Assert.True(w.RequiresGrad);
        Assert.True(w.IsLeaf);
    }
}
