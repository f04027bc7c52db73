using System.Collections;

namespace Nabla.Data;

/// <summary>
/// Random indices in [0, count), like <c>torch.utils.data.RandomSampler</c>: a fresh permutation each
/// epoch, or, with replacement, <see cref="Count"/> independent uniform draws.
/// </summary>
public sealed class RandomSampler : ISampler
{
    private readonly Generator _generator;
    private readonly int _population;

    /// <summary>Creates the sampler.</summary>
    /// <param name="count">The number of dataset indices to draw from.</param>
    /// <param name="replacement">Draw independently with replacement instead of permuting.</param>
    /// <param name="numSamples">Indices per epoch; defaults to <paramref name="count"/>. Without replacement it cannot exceed count.</param>
    /// <param name="generator">The source of randomness; by default a new generator seeded from <see cref="Generator.Default"/>.</param>
    public RandomSampler(int count, bool replacement = false, int? numSamples = null, Generator? generator = null)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"RandomSampler: count must be non-negative, got {count}.");
        int n = numSamples ?? count;
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(numSamples), $"RandomSampler: numSamples must be non-negative, got {n}.");
        if (!replacement && n > count)
            throw new ArgumentOutOfRangeException(nameof(numSamples), $"RandomSampler: numSamples ({n}) cannot exceed count ({count}) without replacement.");
        if (replacement && n > 0 && count == 0)
            throw new ArgumentOutOfRangeException(nameof(count), $"RandomSampler: cannot draw {n} samples from an empty range.");
        _population = count;
        Replacement = replacement;
        Count = n;
        _generator = OwnGenerator.Or(generator);
    }

    /// <summary>Whether indices are drawn with replacement.</summary>
    public bool Replacement { get; }

    /// <inheritdoc/>
    public int Count { get; }

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator()
    {
        if (Replacement)
        {
            for (int i = 0; i < Count; i++) yield return (int)_generator.NextInt64(0, _population);
            yield break;
        }
        var order = _generator.Permutation(_population);
        for (int i = 0; i < Count; i++) yield return order[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
