using Nabla.Data;

namespace Nabla.Tests.Data;

public class DatasetTests
{
    [Fact]
    public void TensorDatasetIndexesTheFirstDim()
    {
        var data = DataLoaderTests.Numbered(4);
        Assert.Equal(4, data.Count);
        var (x, y) = data[2];
        Assert.Equal([3], x.Shape);
        Assert.Equal(new float[] { 2, 2.5f, -2 }, x.ToArray<float>());
        Assert.Equal(0, y.Rank);
        Assert.Equal(2L, y.Item<long>());
        Assert.Throws<ArgumentOutOfRangeException>(() => data[4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => data[-1]);
    }

    [Fact]
    public void TensorDatasetRejectsMismatchedFirstDims()
    {
        var e = Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Zeros(5, 2), Tensor.Zeros(4)));
        Assert.Contains("input [5, 2] float32 (5 examples)", e.Message);
        Assert.Contains("target [4] float32 (4 examples)", e.Message);
        Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Scalar(1), Tensor.Zeros(1)));
    }

    [Fact]
    public void SubsetMapsIndices()
    {
        var subset = new Subset(DataLoaderTests.Numbered(10), [7, 1, 7]);
        Assert.Equal(3, subset.Count);
        Assert.Equal(7L, subset[2].Target.Item<long>());
        Assert.Equal(1L, subset[1].Target.Item<long>());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Subset(DataLoaderTests.Numbered(3), [0, 3]));
        Assert.Contains("index 3 is out of range for a dataset of 3 examples", e.Message);
    }

    [Fact]
    public void ConcatDatasetChainsDatasetsIncludingEmptyOnes()
    {
        var a = new Subset(DataLoaderTests.Numbered(10), [0, 1]);
        var empty = new Subset(DataLoaderTests.Numbered(10), []);
        var b = new Subset(DataLoaderTests.Numbered(10), [5, 6, 7]);
        var all = new ConcatDataset(empty, a, empty, b, empty);
        Assert.Equal(5, all.Count);
        Assert.Equal(new long[] { 0, 1, 5, 6, 7 }, Enumerable.Range(0, 5).Select(i => all[i].Target.Item<long>()));
        Assert.Equal(new long[] { 7, 0, 5 }, ((IDataset)all).GetBatch([4, 0, 2]).Target.ToArray<long>());
        Assert.Throws<ArgumentOutOfRangeException>(() => all[5]);
    }

    [Fact]
    public void TransformedDatasetBatchesEqualTransformedExamples()
    {
        var images = Tensor.Arange(0, 6 * 2 * 4 * 5).Reshape(6, 2, 4, 5);
        var data = new TensorDataset(images, Tensor.Arange(6));
        IDataset Make() => new TransformedDataset(data,
            new Compose(new RandomCrop(3, padding: 1, generator: new Generator(1)), new RandomHorizontalFlip(generator: new Generator(2))));
        var batched = Make().GetBatch([0, 1, 2, 3, 4, 5]);
        var oneByOne = Make();
        var stacked = Collate.Stack(Enumerable.Range(0, 6).Select(i => oneByOne[i]).ToList());
        DataLoaderTests.AssertSameBatches([stacked], [batched]);
        Assert.Equal([6, 2, 3, 3], batched.Input.Shape);
    }

    [Fact]
    public void TargetTransformAppliesToTargets()
    {
        var data = new TransformedDataset(DataLoaderTests.Numbered(3), null, new Lambda(t => t.To(DType.Float32) * 10));
        Assert.Equal(20.0, data[2].Target.Item());
        Assert.Equal(new[] { 10.0, 0.0 }, data.GetBatch([1, 0]).Target.ToDoubleArray());
    }
}
