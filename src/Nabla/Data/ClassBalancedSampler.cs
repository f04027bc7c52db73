using System.Collections;

namespace Nabla.Data;

/// <summary>
/// Draws examples so that every class is equally likely, whatever its size: a
/// <see cref="WeightedRandomSampler"/> whose weights are 1 / count[label] (<see cref="ClassWeights.SampleWeights"/>).
/// Use it as the sampler of a <see cref="DataLoader"/> to train on balanced batches of imbalanced data.
/// </summary>
public sealed class ClassBalancedSampler : ISampler
{
    private readonly WeightedRandomSampler _sampler;

    /// <summary>Creates the sampler.</summary>
    /// <param name="labels">The class index of every example, a 1-D int64 tensor.</param>
    /// <param name="numSamples">Indices per epoch; defaults to the number of examples.</param>
    /// <param name="replacement">Draw with replacement (the default); without it, an epoch cannot exceed the number of examples.</param>
    /// <param name="generator">The source of randomness; by default a new generator seeded from <see cref="Generator.Default"/>.</param>
    public ClassBalancedSampler(Tensor labels, int? numSamples = null, bool replacement = true, Generator? generator = null)
    {
        var weights = ClassWeights.SampleWeights(labels);
        _sampler = new WeightedRandomSampler(weights, numSamples ?? weights.Length, replacement, generator);
    }

    /// <inheritdoc/>
    public int Count => _sampler.Count;

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator() => _sampler.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
