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

    [Theory]
    [InlineData(300, 500)]
    [InlineData(3, 5)]
    public void AddingAnyLayoutInPlaceEqualsTheOutOfPlaceSum(int rows, int cols)
    {
        // Transposed, broadcast, sliced and contiguous operands, large enough (rows·cols ≥ 2¹⁷) to split between threads,
        // and a view of the target's own storage, which must read the old values.
        var g = new Generator(3);
        var x = Tensor.Randn([rows, cols], generator: g);
        var transposed = Tensor.Randn([cols, rows], generator: g).T;
        var broadcast = Tensor.Randn([1, cols], generator: g);
        var sliced = Tensor.Randn([rows, 2 * cols], generator: g).Narrow(1, 1, cols);
        var contiguous = Tensor.Randn([rows, cols], generator: g);
        foreach (var other in new[] { transposed, broadcast, sliced, contiguous })
        {
            var target = x.Clone();
            int version = target.Version;
            target.AddInPlace(other);
            Assert.Equal((x + other).ToArray<float>(), target.ToArray<float>());
            Assert.Equal(version + 1, target.Version);
        }

        // Part of a larger buffer as the target, as the backward pass of a narrowed view accumulates.
        foreach (var other in new[] { contiguous, transposed, broadcast })
        {
            var buffer = Tensor.Randn([rows, 3 * cols], generator: g);
            var slice = buffer.Narrow(1, cols, cols);
            var expectedBuffer = Tensor.Cat([buffer.Narrow(1, 0, cols), slice + other, buffer.Narrow(1, 2 * cols, cols)], 1);
            slice.AddInPlace(other);
            Assert.Equal(expectedBuffer.ToArray<float>(), buffer.ToArray<float>());

            // A contiguous block in the middle of its storage: the elements after it stay as they were.
            var rowsBuffer = Tensor.Randn([rows + 2, cols], generator: g);
            var block = rowsBuffer.Narrow(0, 1, rows);
            var expectedRows = Tensor.Cat([rowsBuffer.Narrow(0, 0, 1), block + other, rowsBuffer.Narrow(0, rows + 1, 1)], 0);
            block.AddInPlace(other);
            Assert.Equal(expectedRows.ToArray<float>(), rowsBuffer.ToArray<float>());
        }

        // A transposed target, whose rows are not contiguous, takes the general path.
        var transposedTarget = Tensor.Randn([cols, rows], generator: g).T;
        var expectedTransposed = transposedTarget + sliced;
        transposedTarget.AddInPlace(sliced);
        Assert.Equal(expectedTransposed.ToArray<float>(), transposedTarget.ToArray<float>());

        var square = Tensor.Randn([cols, cols], generator: g);
        var expected = square + square.T;
        square.AddInPlace(square.T);
        Assert.Equal(expected.ToArray<float>(), square.ToArray<float>());
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
