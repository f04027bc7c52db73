using System.Globalization;

namespace Nabla.Data;

/// <summary>
/// Mirrors an image left to right (reverses its last dim) with probability p, like
/// <c>torchvision.transforms.RandomHorizontalFlip</c>. In a batch each image is flipped or not independently.
/// </summary>
public sealed class RandomHorizontalFlip : ITransform
{
    private readonly Generator _generator;

    /// <summary>Creates the transform.</summary>
    /// <param name="p">The probability of flipping, in [0, 1].</param>
    /// <param name="generator">The source of the coin flips; by default a new generator seeded from <see cref="Generator.Default"/>. Give each transform its own.</param>
    public RandomHorizontalFlip(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), $"RandomHorizontalFlip: p must be in [0, 1], got {p.ToString(CultureInfo.InvariantCulture)}.");
        P = p;
        _generator = OwnGenerator.Or(generator);
    }

    /// <summary>The probability of flipping.</summary>
    public double P { get; }

    /// <summary>Flips one image (any rank ≥ 1, e.g. (C, H, W)) along its last dim with probability <see cref="P"/>.</summary>
    public Tensor Apply(Tensor input)
    {
        CheckRank(input, 1, "an image with at least one dim");
        return Draw() ? Flip(input) : input;
    }

    /// <summary>Flips each image of an (N, …, W) batch along its last dim, each with probability <see cref="P"/>.</summary>
    public Tensor ApplyBatch(Tensor batch)
    {
        CheckRank(batch, 2, "an (N, …, W) batch");
        int n = batch.Shape[0];
        var flip = new double[n];
        int flipped = 0;
        for (int i = 0; i < n; i++)
            if (Draw()) { flip[i] = 1; flipped++; }
        if (flipped == 0) return batch;
        if (flipped == n) return Flip(batch);
        var maskShape = new int[batch.Rank];
        Array.Fill(maskShape, 1);
        maskShape[0] = n;
        return Tensor.Where(Tensor.FromArray(flip, maskShape), Flip(batch), batch);
    }

    // Draws one number per image even when p is 0 or 1, so the generator advances the same way for every p.
    private bool Draw() => _generator.NextDouble() < P;

    private static Tensor Flip(Tensor x)
    {
        int w = x.Shape[^1];
        var reversed = new long[w];
        for (int i = 0; i < w; i++) reversed[i] = w - 1 - i;
        return x.IndexSelect(-1, Tensor.FromArray(reversed));
    }

    private static void CheckRank(Tensor x, int minRank, string expected)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < minRank)
            throw new ArgumentException($"RandomHorizontalFlip: expected {expected}, got {ShapeUtil.Describe(x)}.", nameof(x));
    }
}
