using Nabla.Data;

namespace Nabla.Tests.Data;

public class DataLoaderTests
{
    /// <summary>Inputs (n, 3) with row i = [i, i + 0.5, −i] and int64 labels i, so every batch reveals which examples it holds.</summary>
    internal static TensorDataset Numbered(int n)
    {
        var x = new float[n * 3];
        var y = new long[n];
        for (int i = 0; i < n; i++) (x[3 * i], x[3 * i + 1], x[3 * i + 2], y[i]) = (i, i + 0.5f, -i, i);
        return new TensorDataset(Tensor.FromArray(x, n, 3), Tensor.FromArray(y));
    }

    private static List<long[]> Labels(IEnumerable<(Tensor Input, Tensor Target)> loader) => loader.Select(b => b.Target.ToArray<long>()).ToList();

    internal static void AssertSameBatches(IEnumerable<(Tensor Input, Tensor Target)> expected, IEnumerable<(Tensor Input, Tensor Target)> actual)
    {
        var a = expected.ToList();
        var b = actual.ToList();
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Input.Shape, b[i].Input.Shape);
            Assert.Equal(a[i].Target.Shape, b[i].Target.Shape);
            Assert.Equal(a[i].Input.DType, b[i].Input.DType);
            Assert.Equal(a[i].Target.DType, b[i].Target.DType);
            Assert.Equal(a[i].Input.ToDoubleArray(), b[i].Input.ToDoubleArray());
            Assert.Equal(a[i].Target.ToDoubleArray(), b[i].Target.ToDoubleArray());
        }
    }

    [Fact]
    public void WithoutShuffleBatchesFollowTheDatasetOrder()
    {
        var loader = new DataLoader(Numbered(7), batchSize: 3);
        var batches = loader.ToList();
        Assert.Equal(3, batches.Count);
        Assert.Equal([3, 3], batches[0].Input.Shape);
        Assert.Equal(new long[] { 0, 1, 2 }, batches[0].Target.ToArray<long>());
        Assert.Equal(new long[] { 6 }, batches[2].Target.ToArray<long>());
        Assert.Equal(new float[] { 3, 3.5f, -3, 4, 4.5f, -4, 5, 5.5f, -5 }, batches[1].Input.ToArray<float>());
    }

    [Fact]
    public void SeededShuffleIsDeterministicAndNewEachEpoch()
    {
        var a = new DataLoader(Numbered(50), batchSize: 8, shuffle: true, generator: new Generator(7));
        var b = new DataLoader(Numbered(50), batchSize: 8, shuffle: true, generator: new Generator(7));
        var a1 = Labels(a).SelectMany(l => l).ToArray();
        var a2 = Labels(a).SelectMany(l => l).ToArray();
        Assert.Equal(a1, Labels(b).SelectMany(l => l).ToArray());
        Assert.Equal(a2, Labels(b).SelectMany(l => l).ToArray());
        Assert.NotEqual(a1, a2);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), a1.Order());
        Assert.Equal(new Generator(7).Permutation(50).Select(i => (long)i), a1);
        var other = new DataLoader(Numbered(50), batchSize: 8, shuffle: true, generator: new Generator(8));
        Assert.NotEqual(a1, Labels(other).SelectMany(l => l).ToArray());
    }

    [Theory]
    [InlineData(10, 3, false, 4, 1)]
    [InlineData(10, 3, true, 3, 3)]
    [InlineData(9, 3, false, 3, 3)]
    [InlineData(9, 3, true, 3, 3)]
    [InlineData(2, 5, false, 1, 2)]
    [InlineData(2, 5, true, 0, 0)]
    [InlineData(0, 4, false, 0, 0)]
    public void CountAndLastBatchFollowDropLast(int n, int batchSize, bool dropLast, int expectedBatches, int lastSize)
    {
        var loader = new DataLoader(Numbered(n), batchSize, dropLast: dropLast);
        Assert.Equal(expectedBatches, loader.Count);
        var batches = loader.ToList();
        Assert.Equal(expectedBatches, batches.Count);
        if (expectedBatches > 0)
        {
            Assert.Equal(lastSize, batches[^1].Input.Shape[0]);
            Assert.All(batches.SkipLast(1), b => Assert.Equal(batchSize, b.Input.Shape[0]));
        }
    }

    [Fact]
    public void PrefetchGivesTheSameBatchesAsNoPrefetch()
    {
        DataLoader Make(bool prefetch)
        {
            var data = new TransformedDataset(Numbered(37), new RandomHorizontalFlip(0.5, new Generator(3)));
            return new DataLoader(data, batchSize: 5, shuffle: true, generator: new Generator(11), prefetch: prefetch);
        }
        var withPrefetch = Make(true);
        var without = Make(false);
        for (int epoch = 0; epoch < 3; epoch++) AssertSameBatches(without, withPrefetch);
    }

    [Fact]
    public void FastPathEqualsStackingExamplesOneByOne()
    {
        var data = Numbered(23);
        var fast = new DataLoader(data, batchSize: 4, shuffle: true, generator: new Generator(5), prefetch: false);
        var slow = new DataLoader(data, batchSize: 4, shuffle: true, generator: new Generator(5), collate: Collate.Stack, prefetch: false);
        AssertSameBatches(slow, fast);
        var viaDefault = ((IDataset)new PlainDataset(data)).GetBatch([5, 0, 22, 5]);
        var viaIndexSelect = data.GetBatch([5, 0, 22, 5]);
        AssertSameBatches([viaDefault], [viaIndexSelect]);
    }

    [Fact]
    public void SubsetOfATensorDatasetGathersThroughIt()
    {
        var data = Numbered(10);
        var subset = new Subset(data, [9, 2, 4]);
        var batch = subset.GetBatch([2, 0]);
        Assert.Equal(new long[] { 4, 9 }, batch.Target.ToArray<long>());
        Assert.Equal(new float[] { 4, 4.5f, -4, 9, 9.5f, -9 }, batch.Input.ToArray<float>());
    }

    [Fact]
    public void SamplerDecidesTheOrder()
    {
        var loader = new DataLoader(Numbered(6), batchSize: 2, sampler: new FixedSampler([5, 3, 3, 0]));
        Assert.Equal(2, loader.Count);
        Assert.Equal([[5, 3], [3, 0]], Labels(loader));
    }

    [Fact]
    public void ShuffleAndSamplerCannotBeCombined()
    {
        var e = Assert.Throws<ArgumentException>(() => new DataLoader(Numbered(3), shuffle: true, sampler: new SequentialSampler(3)));
        Assert.Contains("shuffle and sampler", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Numbered(3), batchSize: 0));
    }

    [Fact]
    public void AnErrorWhilePrefetchingReachesTheConsumer()
    {
        var loader = new DataLoader(new FailingDataset(10, failAt: 7), batchSize: 2, collate: Collate.Stack, prefetch: true);
        var seen = new List<long>();
        var e = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var (_, y) in loader) seen.AddRange(y.ToArray<long>());
        });
        Assert.Equal("example 7 is broken", e.Message);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5 }, seen);
    }

    [Fact]
    public void BreakingOutOfAPrefetchingLoopStopsTheProducer()
    {
        var loader = new DataLoader(Numbered(1000), batchSize: 1, prefetch: true);
        for (int epoch = 0; epoch < 20; epoch++)
        {
            foreach (var (_, y) in loader)
                if (y.ToArray<long>()[0] == 3) break;
        }
        Assert.Equal(1000, loader.Count);
    }

    /// <summary>A dataset that relies on the default <see cref="IDataset.GetBatch"/>.</summary>
    private sealed class PlainDataset(IDataset inner) : IDataset
    {
        public int Count => inner.Count;

        public (Tensor Input, Tensor Target) this[int index] => inner[index];
    }

    private sealed class FailingDataset(int count, int failAt) : IDataset
    {
        public int Count => count;

        public (Tensor Input, Tensor Target) this[int index] =>
            index == failAt ? throw new InvalidOperationException($"example {index} is broken") : (Tensor.Zeros(2), Tensor.FromArray(new long[] { index }).Reshape());
    }

    private sealed class FixedSampler(int[] order) : ISampler
    {
        public int Count => order.Length;

        public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)order).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
