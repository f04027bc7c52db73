namespace Nabla.Tests.Tensors;

/// <summary>Views over shared storage, shape ops, concatenation and splitting, and the index ops' values.</summary>
public sealed class TensorViewTests
{
    private static Tensor Range(params int[] shape) => Tensor.Arange(0, shape.Aggregate(1, (a, b) => a * b), 1, DType.Float64).Reshape(shape);

    [Fact]
    public void ViewsShareStorageSoWritesShowThrough()
    {
        var t = Range(3, 4);
        var transposed = t.T;
        var narrowed = t.Narrow(1, 1, 2);
        var reshaped = t.Reshape(2, 6);
        Assert.False(transposed.IsContiguous);
        Assert.Equal([1, 4], transposed.Strides);

        narrowed.Fill(-1);
        Assert.Equal(-1.0, t.ItemAt(2, 2));
        Assert.Equal(-1.0, transposed.ItemAt(1, 0));
        Assert.Equal(-1.0, reshaped.ItemAt(1, 3));

        transposed.Narrow(0, 3, 1).CopyFrom(Tensor.FromArray([7.0, 8.0, 9.0], 1, 3));
        Assert.Equal([7.0, 8.0, 9.0], t.Narrow(1, 3, 1).Reshape(-1).ToArray<double>());
        Assert.Equal(t.Version, transposed.Version);
    }

    [Fact]
    public void ReshapeOfANonContiguousTensorCopies()
    {
        var t = Range(2, 3);
        var flat = t.T.Reshape(-1);
        Assert.Equal([0.0, 3.0, 1.0, 4.0, 2.0, 5.0], flat.ToArray<double>());
        flat.Fill(0);
        Assert.Equal([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], t.ToArray<double>());
    }

    [Fact]
    public void ContiguousCopiesOnlyWhenNeeded()
    {
        var t = Range(2, 3);
        Assert.Same(t, t.Contiguous());
        var c = t.T.Contiguous();
        Assert.True(c.IsContiguous);
        Assert.Equal([3, 2], c.Shape);
        Assert.Equal([2, 1], c.Strides);
        Assert.Equal([0.0, 3.0, 1.0, 4.0, 2.0, 5.0], c.ToArray<double>());
        var clone = t.Clone();
        clone.Fill(1);
        Assert.Equal(5.0, t.ItemAt(1, 2));
    }

    [Fact]
    public void ExpandRepeatsWithStrideZero()
    {
        var column = Tensor.FromArray([1.0, 2.0, 3.0], 3, 1);
        var e = column.Expand(2, 3, 4);
        Assert.Equal([2, 3, 4], e.Shape);
        Assert.Equal([0, 1, 0], e.Strides);
        Assert.Equal(3.0, e.ItemAt(1, 2, 3));
        Assert.Equal(24, e.ToArray<double>().Length);
        Assert.Equal([3, 5], column.Expand(-1, 5).Shape);
        Assert.Equal([3, 4], column.ExpandAs(Tensor.Zeros(3, 4)).Shape);
    }

    [Fact]
    public void PermuteTransposeSqueezeUnsqueezeFlatten()
    {
        var t = Range(2, 3, 4);
        var p = t.Permute(2, 0, 1);
        Assert.Equal([4, 2, 3], p.Shape);
        Assert.Equal(t.ItemAt(1, 2, 3), p.ItemAt(3, 1, 2));
        Assert.Equal(t.ItemAt(1, 0, 3), t.Transpose(0, 2).ItemAt(3, 0, 1));
        Assert.Equal([2, 12], t.Flatten(1).Shape);
        Assert.Equal([6, 4], t.Flatten(0, 1).Shape);
        Assert.Equal([24], t.Flatten().Shape);
        Assert.Equal([2, 1, 3, 4], t.Unsqueeze(1).Shape);
        Assert.Equal([2, 3, 4, 1], t.Unsqueeze(-1).Shape);
        Assert.Equal([3], Range(1, 3, 1).Squeeze().Shape);
        Assert.Equal([3, 1], Range(1, 3, 1).Squeeze(0).Shape);
        Assert.Equal([1, 3, 1], Range(1, 3, 1).Squeeze(1).Shape);
    }

    [Fact]
    public void NarrowAndSliceSelectRanges()
    {
        var t = Range(3, 5);
        Assert.Equal([6.0, 7.0, 8.0], t.Narrow(1, 1, 3).Narrow(0, 1, 1).Reshape(-1).ToArray<double>());
        Assert.Equal([3.0, 4.0], t.Narrow(1, -2, 2).Narrow(0, 0, 1).Reshape(-1).ToArray<double>());
        // Python t[0, -3:-1] and t[0, 2:100] (bounds are clamped).
        Assert.Equal([2.0, 3.0], t.Slice(1, -3, -1).Narrow(0, 0, 1).Reshape(-1).ToArray<double>());
        Assert.Equal([2.0, 3.0, 4.0], t.Slice(1, 2, 100).Narrow(0, 0, 1).Reshape(-1).ToArray<double>());
        Assert.Equal([3, 0], t.Slice(1, 4, 2).Shape);
    }

    [Fact]
    public void PadAddsZerosAlongOneDim()
    {
        var p = Tensor.FromArray([1.0, 2.0, 3.0, 4.0], 2, 2).Pad(1, 1, 2);
        Assert.Equal([2, 5], p.Shape);
        Assert.Equal([0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 3.0, 4.0, 0.0, 0.0], p.ToArray<double>());
    }

    [Fact]
    public void CatAndStackJoinTensors()
    {
        var a = Range(2, 2);
        var b = Range(1, 2) + 10.0;
        var cat = Tensor.Cat([a, b], 0);
        Assert.Equal([3, 2], cat.Shape);
        Assert.Equal([0.0, 1.0, 2.0, 3.0, 10.0, 11.0], cat.ToArray<double>());
        Assert.Equal([0.0, 1.0, 0.0, 2.0, 3.0, 2.0], Tensor.Cat([a, a.Narrow(1, 0, 1)], 1).ToArray<double>());

        var stacked = Tensor.Stack([a, a * 2.0], 1);
        Assert.Equal([2, 2, 2], stacked.Shape);
        Assert.Equal([0.0, 1.0, 0.0, 2.0, 2.0, 3.0, 4.0, 6.0], stacked.ToArray<double>());
        Assert.Equal([2, 2, 2], Tensor.Stack([a, a], -1).Shape);

        var mixed = Tensor.Cat([Tensor.Ones(2), Tensor.Ones([1], DType.Float64)]);
        Assert.Equal(DType.Float64, mixed.DType);
    }

    [Fact]
    public void SplitAndChunkFollowPyTorch()
    {
        var t = Range(5, 2);
        var parts = t.Split(2);
        Assert.Equal([2, 2, 1], parts.Select(p => p.Size(0)));
        Assert.Equal([8.0, 9.0], parts[2].ToArray<double>());

        // torch.chunk(torch.arange(6), 4) gives 3 chunks of 2; torch.chunk(torch.arange(5), 3) gives sizes 2, 2, 1.
        Assert.Equal([2, 2, 2], Tensor.Arange(6).Chunk(4).Select(p => p.Numel));
        Assert.Equal([2, 2, 1], Tensor.Arange(5).Chunk(3).Select(p => p.Numel));
        var columns = Range(2, 5).Chunk(2, 1);
        Assert.Equal([3, 2], columns.Select(p => p.Size(1)));
        Assert.Equal([3.0, 4.0, 8.0, 9.0], columns[1].ToArray<double>());
    }

    [Fact]
    public void IndexSelectGatherScatterAddAndIndexAddValues()
    {
        var x = Range(3, 4);
        Assert.Equal([8.0, 9.0, 10.0, 11.0, 0.0, 1.0, 2.0, 3.0, 8.0, 9.0, 10.0, 11.0],
            x.IndexSelect(0, Tensor.FromArray([2L, 0L, 2L])).ToArray<double>());
        Assert.Equal([3.0, 1.0, 7.0, 5.0, 11.0, 9.0], x.IndexSelect(1, Tensor.FromArray([3L, 1L])).ToArray<double>());

        // torch.gather(x, 1, [[0, 0], [3, 1], [2, 2]]) -> [[0, 0], [7, 5], [10, 10]]
        var gathered = x.Gather(1, Tensor.FromArray([0L, 0L, 3L, 1L, 2L, 2L], 3, 2));
        Assert.Equal([0.0, 0.0, 7.0, 5.0, 10.0, 10.0], gathered.ToArray<double>());

        // torch.zeros(2, 3).scatter_add(1, [[0, 2, 0], [1, 1, 1]], [[1, 2, 3], [4, 5, 6]]) -> [[4, 0, 2], [0, 15, 0]]
        var scattered = Tensor.Zeros([2, 3], DType.Float64)
            .ScatterAdd(1, Tensor.FromArray([0L, 2L, 0L, 1L, 1L, 1L], 2, 3), Tensor.FromArray([1.0, 2, 3, 4, 5, 6], 2, 3));
        Assert.Equal([4.0, 0.0, 2.0, 0.0, 15.0, 0.0], scattered.ToArray<double>());

        var added = Tensor.Zeros([3, 2], DType.Float64).IndexAdd(0, Tensor.FromArray([2L, 2L]), Tensor.FromArray([1.0, 2, 3, 4], 2, 2));
        Assert.Equal([0.0, 0.0, 0.0, 0.0, 4.0, 6.0], added.ToArray<double>());
    }

    [Fact]
    public void OpsOnNonContiguousInputsGiveTheSameValuesAsOnCopies()
    {
        var t = Tensor.Randn([4, 3], DType.Float64, new Generator(11)).T;
        var c = t.Contiguous();
        Assert.Equal(c.Exp().ToArray<double>(), t.Exp().ToArray<double>());
        Assert.Equal((c * c.Narrow(1, 0, 1)).ToArray<double>(), (t * t.Narrow(1, 0, 1)).ToArray<double>());
        Assert.Equal(c.Sum(1).ToArray<double>(), t.Sum(1).ToArray<double>());
        Assert.Equal(c.Softmax(0).ToArray<double>(), t.Softmax(0).ToArray<double>());
        Assert.True(c.MatMul(c.T).AllClose(t.MatMul(t.T), 1e-14, 1e-14));
    }
}
