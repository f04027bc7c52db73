using Nabla.Data;

namespace Nabla.Tests.Data;

public class SplitTests
{
    [Theory]
    // Lengths from torch.utils.data.random_split(range(n), fractions) in PyTorch 1.13.
    [InlineData(11, new[] { 0.8, 0.2 }, new[] { 9, 2 })]
    [InlineData(10, new[] { 0.3, 0.3, 0.4 }, new[] { 3, 3, 4 })]
    [InlineData(7, new[] { 0.3, 0.3, 0.4 }, new[] { 3, 2, 2 })]
    [InlineData(5, new[] { 1 / 3.0, 1 / 3.0, 1 / 3.0 }, new[] { 2, 2, 1 })]
    public void RandomSplitByFractionsMatchesPyTorchLengths(int n, double[] fractions, int[] lengths)
    {
        var parts = Splits.RandomSplit(DataLoaderTests.Numbered(n), fractions, new Generator(0));
        Assert.Equal(lengths, parts.Select(p => p.Count));
        Assert.Equal(Enumerable.Range(0, n), parts.SelectMany(p => p.Indices).Order());
    }

    [Fact]
    public void RandomSplitIsSeededAndChecksLengths()
    {
        var data = DataLoaderTests.Numbered(20);
        var a = Splits.RandomSplit(data, [15, 5], new Generator(4));
        var b = Splits.RandomSplit(data, [15, 5], new Generator(4));
        Assert.Equal(a[1].Indices, b[1].Indices);
        Assert.Equal(new Generator(4).Permutation(20)[15..], a[1].Indices);
        var e = Assert.Throws<ArgumentException>(() => Splits.RandomSplit(data, [15, 4]));
        Assert.Contains("add up to 19, but the dataset has 20", e.Message);
        Assert.Throws<ArgumentException>(() => Splits.RandomSplit(data, [0.5, 0.6]));
    }

    [Fact]
    public void TrainTestSplitSizesFollowScikitLearn()
    {
        var data = DataLoaderTests.Numbered(10);
        var (xTrain, xTest, yTrain, yTest) = Splits.TrainTestSplit(data.Input, data.Target, testFraction: 0.25, seed: 3);
        // sklearn: n_test = ceil(0.25 * 10) = 3.
        Assert.Equal([7, 3], xTrain.Shape);
        Assert.Equal([3, 3], xTest.Shape);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), yTrain.ToArray<long>().Concat(yTest.ToArray<long>()).Order());
        Assert.Equal(yTest.ToArray<long>().Select(v => (float)v), Enumerable.Range(0, 3).Select(i => (float)xTest.ItemAt(i, 0)));
        var again = Splits.TrainTestSplit(data.Input, data.Target, testFraction: 0.25, seed: 3);
        Assert.Equal(yTest.ToArray<long>(), again.YTest.ToArray<long>());
    }

    [Fact]
    public void StratifiedSplitKeepsClassProportions()
    {
        var labels = new long[100];
        for (int i = 0; i < 100; i++) labels[i] = i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2;
        var y = Tensor.FromArray(labels);
        var x = Tensor.Arange(0, 100).Reshape(100, 1);
        for (ulong seed = 0; seed < 5; seed++)
        {
            var (_, _, yTrain, yTest) = Splits.TrainTestSplit(x, y, testFraction: 0.2, stratify: true, seed: seed);
            Assert.Equal(new[] { 12, 6, 2 }, Counts(yTest));
            Assert.Equal(new[] { 48, 24, 8 }, Counts(yTrain));
        }
        var (_, _, _, uneven) = Splits.TrainTestSplit(x, y, testFraction: 0.33, stratify: true, seed: 1);
        var counts = Counts(uneven);
        Assert.Equal(33, counts.Sum());
        Assert.InRange(counts[0], 19, 20);
        Assert.InRange(counts[1], 9, 10);
        Assert.InRange(counts[2], 3, 4);
    }

    [Fact]
    public void StratifiedSplitNeedsTwoExamplesPerClass()
    {
        var y = Tensor.FromArray(new long[] { 0, 0, 0, 1 });
        var e = Assert.Throws<ArgumentException>(() => Splits.TrainTestSplit(Tensor.Zeros(4, 2), y, 0.5, stratify: true));
        Assert.Contains("class 1 has only 1 example", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.TrainTestSplit(Tensor.Zeros(4, 2), y, 1.0));
    }

    private static int[] Counts(Tensor labels)
    {
        var counts = new int[3];
        foreach (long v in labels.ToArray<long>()) counts[v]++;
        return counts;
    }
}
