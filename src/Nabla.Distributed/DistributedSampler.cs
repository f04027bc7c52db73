using System.Collections;
using Nabla.Data;

namespace Nabla.Distributed;

/// <summary>
/// This rank's share of a dataset's indices, like <c>torch.utils.data.distributed.DistributedSampler</c>: one order of
/// all indices per epoch, the same on every rank (shuffled by a generator seeded with <c>seed + epoch</c>, or 0, 1, 2,
/// ...), made a multiple of the world size by repeating its first indices (or, with <c>dropLast</c>, by dropping its
/// last ones), and dealt out in turn: rank r takes positions r, r + N, r + 2N, ... So every rank has the same number of
/// examples, the ranks' shares are disjoint (but for the repeated padding), and together they cover the data set.
/// Call <see cref="SetEpoch"/> before each epoch for a new order; without it every epoch repeats the first one.
/// </summary>
public sealed class DistributedSampler : ISampler
{
    private readonly int _count;

    /// <summary>Creates the sampler.</summary>
    /// <param name="count">The number of examples in the dataset.</param>
    /// <param name="numReplicas">The number of ranks sharing it.</param>
    /// <param name="rank">This rank, from 0 to <paramref name="numReplicas"/> − 1.</param>
    /// <param name="shuffle">Draw a new order each epoch (from <paramref name="seed"/> + epoch); otherwise keep the dataset's order.</param>
    /// <param name="seed">The seed of the shuffle, the same on every rank.</param>
    /// <param name="dropLast">Drop the last indices to make the order a multiple of the world size, instead of repeating the first.</param>
    public DistributedSampler(int count, int numReplicas, int rank, bool shuffle = true, ulong seed = 0, bool dropLast = false)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"DistributedSampler: count must be non-negative, got {count}.");
        if (numReplicas < 1) throw new ArgumentOutOfRangeException(nameof(numReplicas), $"DistributedSampler: numReplicas must be at least 1, got {numReplicas}.");
        if ((uint)rank >= (uint)numReplicas)
            throw new ArgumentOutOfRangeException(nameof(rank), $"DistributedSampler: rank must be in [0, {numReplicas}), got {rank}.");
        _count = count;
        NumReplicas = numReplicas;
        Rank = rank;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        Count = dropLast ? count / numReplicas : (count + numReplicas - 1) / numReplicas;
        TotalSize = Count * numReplicas;
    }

    /// <summary>The share of <paramref name="group"/>'s rank among its world.</summary>
    /// <param name="count">The number of examples in the dataset.</param>
    /// <param name="group">The ranks sharing it.</param>
    /// <param name="shuffle">Draw a new order each epoch (from <paramref name="seed"/> + epoch).</param>
    /// <param name="seed">The seed of the shuffle, the same on every rank.</param>
    /// <param name="dropLast">Drop the last indices rather than repeat the first.</param>
    public DistributedSampler(int count, ProcessGroup group, bool shuffle = true, ulong seed = 0, bool dropLast = false)
        : this(count, (group ?? throw new ArgumentNullException(nameof(group))).WorldSize, group.Rank, shuffle, seed, dropLast) { }

    /// <summary>The number of ranks sharing the data set.</summary>
    public int NumReplicas { get; }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>Whether each epoch has a new order.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed of the shuffle.</summary>
    public ulong Seed { get; }

    /// <summary>Whether the order is cut down (rather than padded) to a multiple of the world size.</summary>
    public bool DropLast { get; }

    /// <summary>The epoch whose order the next enumeration gives.</summary>
    public int Epoch { get; private set; }

    /// <summary>The indices of all ranks together per epoch: <see cref="Count"/> × <see cref="NumReplicas"/>.</summary>
    public int TotalSize { get; }

    /// <summary>This rank's indices per epoch: ⌈n / N⌉, or ⌊n / N⌋ with <see cref="DropLast"/>.</summary>
    public int Count { get; }

    /// <summary>Chooses the epoch whose order is drawn next; call it with the same epoch on every rank.</summary>
    public void SetEpoch(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), $"DistributedSampler.SetEpoch: epoch must be non-negative, got {epoch}.");
        Epoch = epoch;
    }

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator()
    {
        int[] order;
        if (Shuffle) order = new Generator(Seed + (ulong)Epoch).Permutation(_count);
        else order = [.. Enumerable.Range(0, _count)];
        for (int i = 0; i < Count; i++)
        {
            int position = Rank + i * NumReplicas;
            // Padding repeats the order from its start, as often as needed when there are fewer examples than ranks.
            yield return order[position % _count];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
