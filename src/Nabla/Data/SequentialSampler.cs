using System.Collections;

namespace Nabla.Data;

/// <summary>The indices 0, 1, …, count − 1 in order, like <c>torch.utils.data.SequentialSampler</c>.</summary>
public sealed class SequentialSampler : ISampler
{
    /// <summary>Creates a sampler over <paramref name="count"/> indices.</summary>
    public SequentialSampler(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"SequentialSampler: count must be non-negative, got {count}.");
        Count = count;
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return i;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
