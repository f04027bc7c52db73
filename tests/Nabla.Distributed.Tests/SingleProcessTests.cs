using Nabla.NN;

namespace Nabla.Distributed.Tests;

/// <summary>What works without MPI: the group of one process, the sampler's arithmetic, and the wrapper's bookkeeping.</summary>
public sealed class SingleProcessTests
{
    [Fact]
    public void WithoutMpirunTheGroupIsOneProcessWhoseCollectivesKeepTheirInput()
    {
        Assert.False(ProcessGroup.LaunchedByMpi);
        using var group = ProcessGroup.Init();
        Assert.False(group.UsesMpi);
        Assert.Equal((0, 1), (group.Rank, group.WorldSize));
        var t = Tensor.FromArray([1f, 2f, 3f]);
        Assert.Same(t, group.AllReduce(t, ReduceOp.Average));
        Assert.Equal([1f, 2f, 3f], t.ToArray<float>());
        Assert.Same(t, group.Broadcast(t));
        var gathered = group.AllGather(t);
        Assert.Equal([1, 3], gathered.Shape);
        Assert.Equal([1f, 2f, 3f], gathered.ToArray<float>());
        group.Barrier();
    }

    [Fact]
    public void CollectivesRefuseOtherDtypesAndBadArguments()
    {
        using var group = ProcessGroup.Single();
        var error = Assert.Throws<ArgumentException>(() => group.AllReduce(Tensor.FromArray([true, false])));
        Assert.Contains("only float32, float64 and int64", error.Message);
        Assert.Throws<ArgumentException>(() => group.AllReduce(Tensor.FromArray([1L]), ReduceOp.Average));
        Assert.Throws<ArgumentOutOfRangeException>(() => group.Broadcast(Tensor.FromArray([1f]), root: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessGroup.Init(TimeSpan.Zero));
    }

    [Theory]
    [InlineData(10, 3, false)]
    [InlineData(10, 3, true)]
    [InlineData(12, 4, false)]
    [InlineData(2, 3, false)]
    public void TheSamplerDealsOneOrderOutInTurnPaddingOrDroppingToEqualShares(int count, int replicas, bool dropLast)
    {
        var shares = Enumerable.Range(0, replicas).Select(r => new DistributedSampler(count, replicas, r, shuffle: true, seed: 5, dropLast: dropLast)).ToArray();
        int expected = dropLast ? count / replicas : (count + replicas - 1) / replicas;
        var order = new Generator(5).Permutation(count);
        for (int r = 0; r < replicas; r++)
        {
            var indices = shares[r].ToArray();
            Assert.Equal(expected, shares[r].Count);
            Assert.Equal(expected, indices.Length);
            for (int i = 0; i < indices.Length; i++) Assert.Equal(order[(r + i * replicas) % count], indices[i]);
        }
        var all = shares.SelectMany(s => s).ToArray();
        if (dropLast) Assert.Equal(all.Length, all.Distinct().Count());
        else Assert.Equal(Enumerable.Range(0, count), all.Distinct().Order());
    }

    [Fact]
    public void TheSamplerDrawsANewOrderPerEpochTheSameOnEveryRank()
    {
        var a = new DistributedSampler(50, 2, 0, seed: 1);
        var b = new DistributedSampler(50, 2, 1, seed: 1);
        var first = a.ToArray();
        Assert.Equal(first, a.ToArray());
        a.SetEpoch(1);
        b.SetEpoch(1);
        Assert.NotEqual(first, a.ToArray());
        Assert.Empty(a.Intersect(b));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => 2 * i), new DistributedSampler(50, 2, 0, shuffle: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(10, 2, 2));
    }

    [Fact]
    public void TheWrapperBucketsParametersInReverseOrderAndPrefixesItsStateDict()
    {
        using var group = ProcessGroup.Single();
        var net = new Sequential(new Linear(100, 100), new ReLU(), new Linear(100, 10));
        Assert.Equal([["2.bias", "2.weight", "0.bias", "0.weight"]], new DistributedDataParallel(net, group).Buckets);
        // A bucket closes once it reaches the cap (4 194 bytes): 40 + 4 000 + 400 bytes, then the 40 000 of the first weight.
        var model = new DistributedDataParallel(net, group, bucketCapMb: 0.004);
        Assert.Equal([["2.bias", "2.weight", "0.bias"], ["0.weight"]], model.Buckets);
        var small = new DistributedDataParallel(net, group, bucketCapMb: 0.001);
        Assert.Equal([["2.bias", "2.weight"], ["0.bias", "0.weight"]], small.Buckets);
        Assert.Equal(net.StateDict().Keys.Select(k => "module." + k), model.StateDict().Keys);
        Assert.Equal(net.Parameters(), model.Parameters());
        var x = Tensor.Randn([4, 100], generator: new Generator(2));
        Assert.Equal(net.Forward(x).ToArray<float>(), model.Forward(x).ToArray<float>());
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedDataParallel(net, group, bucketCapMb: 0));
    }
}
