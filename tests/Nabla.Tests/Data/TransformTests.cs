using Nabla.Data;

namespace Nabla.Tests.Data;

public class TransformTests
{
    private static readonly Tensor Image = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, 2, 2, 3);

    [Fact]
    public void FlipReversesTheLastDim()
    {
        Assert.Equal(new float[] { 3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10 }, new RandomHorizontalFlip(1).Apply(Image).ToArray<float>());
        Assert.Equal(Image.ToArray<float>(), new RandomHorizontalFlip(0).Apply(Image).ToArray<float>());
    }

    [Fact]
    public void FlipInABatchDecidesPerImage()
    {
        var batch = Tensor.Stack([Image, Image * 10, Image * 100, Image * -1]);
        var coins = new Generator(6);
        var expected = Enumerable.Range(0, 4).Select(i =>
        {
            var x = batch.Narrow(0, i, 1).Squeeze(0).ToArray<float>();
            if (coins.NextDouble() >= 0.5) return x;
            return new RandomHorizontalFlip(1).Apply(batch.Narrow(0, i, 1).Squeeze(0)).ToArray<float>();
        }).SelectMany(v => v).ToArray();
        Assert.Equal(expected, new RandomHorizontalFlip(0.5, new Generator(6)).ApplyBatch(batch).ToArray<float>());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomHorizontalFlip(1.5));
    }

    [Fact]
    public void CropCutsThePaddedImageAtTheDrawnPosition()
    {
        var image = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 1, 2, 2);
        // Zero-padded by 1 the image is 4×4; a 2×2 window has 3×3 positions, drawn as top then left.
        float[,] padded = { { 0, 0, 0, 0 }, { 0, 1, 2, 0 }, { 0, 3, 4, 0 }, { 0, 0, 0, 0 } };
        var draws = new Generator(21);
        var crop = new RandomCrop(2, padding: 1, generator: new Generator(21));
        for (int trial = 0; trial < 10; trial++)
        {
            int top = (int)draws.NextInt64(0, 3), left = (int)draws.NextInt64(0, 3);
            var expected = new[] { padded[top, left], padded[top, left + 1], padded[top + 1, left], padded[top + 1, left + 1] };
            var result = crop.Apply(image);
            Assert.Equal([1, 2, 2], result.Shape);
            Assert.Equal(expected, result.ToArray<float>());
        }
    }

    [Fact]
    public void CropOfTheWholeImageIsTheIdentityAndTooLargeACropFails()
    {
        Assert.Equal(Image.ToArray<float>(), new RandomCrop((2, 3)).Apply(Image).ToArray<float>());
        var e = Assert.Throws<ArgumentException>(() => new RandomCrop(5, padding: 1).Apply(Image));
        Assert.Contains("5×5 window is larger than the padded image 4×5", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomCrop(0));
    }

    [Fact]
    public void CropInABatchEqualsCroppingEachImage()
    {
        var batch = Tensor.Arange(0, 5 * 3 * 6 * 7).Reshape(5, 3, 6, 7);
        var batched = new RandomCrop((4, 5), padding: 2, generator: new Generator(8)).ApplyBatch(batch);
        var single = new RandomCrop((4, 5), padding: 2, generator: new Generator(8));
        var expected = Tensor.Stack(Enumerable.Range(0, 5).Select(i => single.Apply(batch.Narrow(0, i, 1).Squeeze(0))).ToList());
        Assert.Equal([5, 3, 4, 5], batched.Shape);
        Assert.Equal(expected.ToArray<float>(), batched.ToArray<float>());
    }

    [Fact]
    public void NormalizeStandardisesEachChannel()
    {
        var normalize = new Normalize([1.0, 2.0], [2.0, 4.0]);
        var expected = new float[] { 0, 0.5f, 1, 1.5f, 2, 2.5f, 1.25f, 1.5f, 1.75f, 2, 2.25f, 2.5f };
        Assert.Equal(expected, normalize.Apply(Image).ToArray<float>());
        var batch = normalize.ApplyBatch(Tensor.Stack([Image, Image]));
        Assert.Equal(expected.Concat(expected), batch.ToArray<float>());
        var e = Assert.Throws<ArgumentException>(() => new Normalize([0.0, 0, 0], [1.0, 1, 1]).Apply(Image));
        Assert.Contains("3 channel means for an input with 2 channels", e.Message);
        Assert.Throws<ArgumentException>(() => new Normalize(0.5, 0));
        Assert.Throws<ArgumentException>(() => normalize.Apply(Tensor.Zeros(2, 3)));
        Assert.Equal(new float[] { -1, 1 }, new Normalize(0.5, 0.5).Apply(Tensor.FromArray(new float[] { 0, 1 }, 1, 1, 2)).ToArray<float>());
    }

    [Fact]
    public void ComposeAppliesInOrder()
    {
        var t = new Compose(new Lambda(x => x + 1), new Lambda(x => x * 2));
        Assert.Equal(new float[] { 4, 6 }, t.Apply(Tensor.FromArray(new float[] { 1, 2 })).ToArray<float>());
        Assert.Equal(new float[] { 4, 6, 8, 10 }, ((ITransform)t).ApplyBatch(Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2)).ToArray<float>());
    }
}
