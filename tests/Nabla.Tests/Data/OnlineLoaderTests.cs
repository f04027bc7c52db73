using Nabla.Data;

namespace Nabla.Tests.Data;

public class OnlineLoaderTests
{
    private static IEnumerable<(Tensor Input, Tensor Target)> Examples(TensorDataset data)
    {
        for (int i = 0; i < data.Count; i++) yield return data[i];
    }

    [Theory]
    [InlineData(10, 3, false)]
    [InlineData(10, 3, true)]
    [InlineData(10, 1, false)]
    [InlineData(4, 8, false)]
    public void YieldsTheSameBatchesAsASequentialLoader(int n, int batchSize, bool dropLast)
    {
        var data = DataLoaderTests.Numbered(n);
        var online = new OnlineLoader(Examples(data), batchSize, dropLast);
        DataLoaderTests.AssertSameBatches(new DataLoader(data, batchSize, dropLast: dropLast), online);
    }

    [Fact]
    public void AnEndlessSourceYieldsBatchesOnDemand()
    {
        int produced = 0;
        var stream = new OnlineLoader(() =>
        {
            int k = produced++;
            return (Tensor.FromArray(new float[] { k, -k }), Tensor.Scalar(k % 2, DType.Int64));
        }, batchSize: 4);
        var batches = stream.Take(3).ToList();
        Assert.Equal(12, produced);
        Assert.Equal([4, 2], batches[2].Input.Shape);
        Assert.Equal(new long[] { 0, 1, 0, 1 }, batches[2].Target.ToArray<long>());
        Assert.Equal(new float[] { 8, -8, 9, -9, 10, -10, 11, -11 }, batches[2].Input.ToArray<float>());
    }
}
