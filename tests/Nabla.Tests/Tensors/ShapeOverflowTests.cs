using Nabla.Data;

namespace Nabla.Tests.Tensors;

public class ShapeOverflowTests
{
    [Fact]
    public void AShapeWhoseElementCountWrapsToZeroIsRejectedByName()
    {
        // 65536⁴ = 2⁶⁴, which an unchecked long product turns into 0.
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(65536, 65536, 65536, 65536));
        Assert.Contains("[65536, 65536, 65536, 65536]", e.Message);
        Assert.Contains("elements", e.Message);
    }

    [Fact]
    public void AShapeJustOverTheLimitIsRejectedAndOneAtItIsCounted()
    {
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(46341, 46341));
        Assert.Equal(0, Tensor.Zeros(0, 3).Numel);
        Assert.Equal(int.MaxValue, ShapeUtil.Numel([int.MaxValue]));
    }

    [Fact]
    public void AnEmptyShapeWhoseStridesWouldOverflowIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(0, 65536, 65536));
        Assert.Contains("strides", e.Message);
        Assert.Equal(0, ShapeUtil.Numel([0, 46340, 46340]));
    }

    [Fact]
    public void ABatchSizeOfIntMaxValueIsOneBatch()
    {
        var x = Tensor.Arange(10).Reshape(5, 2);
        var y = Tensor.Arange(5);
        foreach (bool prefetch in new[] { false, true })
        {
            var loader = new DataLoader(new TensorDataset(x, y), batchSize: int.MaxValue, prefetch: prefetch);
            Assert.Equal(1, loader.Count);
            var batches = loader.ToList();
            Assert.Single(batches);
            Assert.Equal([5, 2], batches[0].Input.Shape);
            Assert.Equal(0, new DataLoader(new TensorDataset(x, y), batchSize: int.MaxValue, dropLast: true).Count);
        }
    }

    [Fact]
    public void AnOnlineLoaderWithAHugeBatchSizeDoesNotReserveIt()
    {
        var examples = Enumerable.Range(0, 3).Select(i => (Tensor.Full([2], i), Tensor.Scalar(i)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var batches = new OnlineLoader(examples, batchSize: int.MaxValue).ToList();
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1 << 20);
        Assert.Single(batches);
        Assert.Equal([3, 2], batches[0].Input.Shape);
    }
}
