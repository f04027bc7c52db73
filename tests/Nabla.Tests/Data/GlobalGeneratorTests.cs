using Nabla.Data;

namespace Nabla.Tests.Data;

/// <summary>Tests that reseed <see cref="Generator.Default"/> run alone, so that no other test draws from it in between.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalGeneratorCollection
{
    public const string Name = "Data: reseeds Generator.Default";
}

[Collection(GlobalGeneratorCollection.Name)]
public class GlobalGeneratorTests
{
    [Fact]
    public void ShuffleWithoutAGeneratorFollowsTheGlobalSeed()
    {
        long[] FirstEpoch()
        {
            var loader = new DataLoader(DataLoaderTests.Numbered(20), batchSize: 20, shuffle: true);
            return loader.First().Target.ToArray<long>();
        }
        Generator.ManualSeed(123);
        var first = FirstEpoch();
        Generator.ManualSeed(123);
        Assert.Equal(first, FirstEpoch());
        Generator.ManualSeed(124);
        Assert.NotEqual(first, FirstEpoch());
    }

    [Fact]
    public void RandomTransformsWithoutAGeneratorFollowTheGlobalSeed()
    {
        var image = Tensor.Arange(0, 2 * 6 * 6).Reshape(2, 1, 6, 6);
        Generator.ManualSeed(9);
        var first = new RandomCrop(3, padding: 1).ApplyBatch(image).ToArray<float>();
        Generator.ManualSeed(9);
        Assert.Equal(first, new RandomCrop(3, padding: 1).ApplyBatch(image).ToArray<float>());
    }
}
