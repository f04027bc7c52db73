using System.Collections;
using System.Globalization;

namespace Nabla.Data;

/// <summary>
/// Draws indices in [0, weights.Length) with probability proportional to their weights, like
/// <c>torch.utils.data.WeightedRandomSampler</c>. With replacement each draw is independent;
/// without, an index is drawn at most once per epoch (successive sampling, by the
/// Efraimidis–Spirakis keys log(u)/w: Efraimidis and Spirakis, "Weighted random sampling with a reservoir", 2006).
/// </summary>
public sealed class WeightedRandomSampler : ISampler
{
    private readonly double[] _weights;
    private readonly double[] _cumulative;
    private readonly Generator _generator;
    private readonly int _lastPositive;

    /// <summary>Creates the sampler.</summary>
    /// <param name="weights">One non-negative, finite weight per index (they need not sum to 1); at least one must be positive.</param>
    /// <param name="numSamples">Indices per epoch.</param>
    /// <param name="replacement">Draw with replacement (the default, as in PyTorch).</param>
    /// <param name="generator">The source of randomness; by default a new generator seeded from <see cref="Generator.Default"/>.</param>
    public WeightedRandomSampler(IReadOnlyList<double> weights, int numSamples, bool replacement = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (numSamples < 0)
            throw new ArgumentOutOfRangeException(nameof(numSamples), $"WeightedRandomSampler: numSamples must be non-negative, got {numSamples}.");
        _weights = weights.ToArray();
        _cumulative = new double[_weights.Length];
        double total = 0;
        int positive = 0;
        for (int i = 0; i < _weights.Length; i++)
        {
            double w = _weights[i];
            if (!(w >= 0) || !double.IsFinite(w))
                throw new ArgumentException($"WeightedRandomSampler: weight {i} must be non-negative and finite, got {w.ToString(CultureInfo.InvariantCulture)}.", nameof(weights));
            if (w > 0) { positive++; _lastPositive = i; }
            total += w;
            _cumulative[i] = total;
        }
        if (numSamples > 0 && positive == 0)
            throw new ArgumentException($"WeightedRandomSampler: at least one of the {_weights.Length} weights must be positive.", nameof(weights));
        if (!replacement && numSamples > positive)
        {
            throw new ArgumentOutOfRangeException(nameof(numSamples),
                $"WeightedRandomSampler: cannot draw {numSamples} distinct indices without replacement when only {positive} weights are positive.");
        }
        Count = numSamples;
        Replacement = replacement;
        _generator = OwnGenerator.Or(generator);
    }

    /// <summary>Creates the sampler from a 1-D tensor of weights.</summary>
    /// <param name="weights">One non-negative, finite weight per index, a 1-D tensor of any dtype.</param>
    /// <param name="numSamples">Indices per epoch.</param>
    /// <param name="replacement">Draw with replacement (the default, as in PyTorch).</param>
    /// <param name="generator">The source of randomness; by default a new generator seeded from <see cref="Generator.Default"/>.</param>
    public WeightedRandomSampler(Tensor weights, int numSamples, bool replacement = true, Generator? generator = null)
        : this(CheckedWeights(weights), numSamples, replacement, generator) { }

    /// <summary>Whether indices are drawn with replacement.</summary>
    public bool Replacement { get; }

    /// <summary>The weights, one per index.</summary>
    public IReadOnlyList<double> Weights => _weights;

    /// <inheritdoc/>
    public int Count { get; }

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator()
    {
        if (Count == 0) yield break;
        if (Replacement)
        {
            double total = _cumulative[^1];
            for (int i = 0; i < Count; i++) yield return Pick(_generator.NextDouble() * total);
            yield break;
        }
        foreach (int index in WithoutReplacement()) yield return index;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The first index whose cumulative weight exceeds <paramref name="u"/>; zero weights are never picked.</summary>
    private int Pick(double u)
    {
        // u·total can round up to total itself, which no cumulative weight exceeds.
        if (u >= _cumulative[^1]) return _lastPositive;
        int lo = 0, hi = _cumulative.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_cumulative[mid] > u) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    private int[] WithoutReplacement()
    {
        var keys = new List<(double Key, int Index)>(_weights.Length);
        for (int i = 0; i < _weights.Length; i++)
        {
            if (_weights[i] == 0) continue;
            double u = 1 - _generator.NextDouble();
            keys.Add((Math.Log(u) / _weights[i], i));
        }
        keys.Sort((a, b) => b.Key.CompareTo(a.Key));
        var result = new int[Count];
        for (int i = 0; i < Count; i++) result[i] = keys[i].Index;
        return result;
    }

    private static double[] CheckedWeights(Tensor weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Rank != 1)
            throw new ArgumentException($"WeightedRandomSampler: the weights must be a 1-D tensor, got {ShapeUtil.Describe(weights)}.", nameof(weights));
        return weights.ToDoubleArray();
    }
}
