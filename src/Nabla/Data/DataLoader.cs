using System.Collections;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Nabla.Data;

/// <summary>
/// Iterates over a dataset in mini-batches, like <c>torch.utils.data.DataLoader</c>:
/// <code>
/// var loader = new DataLoader(new TensorDataset(x, y), batchSize: 128, shuffle: true, generator: new Generator(42));
/// foreach (var (input, target) in loader) { ... }
/// </code>
/// Each enumeration is one epoch. The order comes from the sampler (sequential, or a fresh permutation
/// per epoch with <c>shuffle</c>), drawn when the epoch starts. Without a custom collate, batches are
/// gathered by <see cref="IDataset.GetBatch"/>, which for a <see cref="TensorDataset"/> is one
/// <see cref="Tensor.IndexSelect"/> per tensor. With <c>prefetch</c>, a background task prepares the next
/// batches while the current one is used; batches and their order are the same either way.
/// </summary>
public sealed class DataLoader : IEnumerable<(Tensor Input, Tensor Target)>
{
    // Two batches ahead keeps the consumer fed without holding much memory (PyTorch's prefetch_factor is 2).
    private const int PrefetchDepth = 2;

    private readonly Func<IReadOnlyList<(Tensor Input, Tensor Target)>, (Tensor Input, Tensor Target)>? _collate;

    /// <summary>Creates a loader.</summary>
    /// <param name="dataset">The examples.</param>
    /// <param name="batchSize">Examples per batch (the last batch may be smaller unless <paramref name="dropLast"/>).</param>
    /// <param name="shuffle">Visit the examples in a new random order each epoch; cannot be combined with <paramref name="sampler"/>.</param>
    /// <param name="sampler">The order of indices per epoch (e.g. <see cref="WeightedRandomSampler"/>); by default sequential, or random with <paramref name="shuffle"/>.</param>
    /// <param name="collate">Merges a list of examples into a batch; by default <see cref="IDataset.GetBatch"/> gathers the batch directly, which stacks like <see cref="Collate.Stack"/>.</param>
    /// <param name="dropLast">Drop the last batch when it is smaller than <paramref name="batchSize"/>.</param>
    /// <param name="generator">The source of the shuffle order; by default a new generator seeded from <see cref="Generator.Default"/>.</param>
    /// <param name="prefetch">Prepare the next batches on a background task while the current one is in use.</param>
    public DataLoader(
        IDataset dataset,
        int batchSize = 1,
        bool shuffle = false,
        ISampler? sampler = null,
        Func<IReadOnlyList<(Tensor Input, Tensor Target)>, (Tensor Input, Tensor Target)>? collate = null,
        bool dropLast = false,
        Generator? generator = null,
        bool prefetch = true)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"DataLoader: batchSize must be positive, got {batchSize}.");
        if (shuffle && sampler is not null)
            throw new ArgumentException("DataLoader: shuffle and sampler cannot be combined; the sampler decides the order (pass shuffle: false).", nameof(sampler));
        Dataset = dataset;
        BatchSize = batchSize;
        DropLast = dropLast;
        Prefetch = prefetch;
        if (shuffle) Generator = OwnGenerator.Or(generator);
        Sampler = sampler ?? (shuffle ? new RandomSampler(dataset.Count, generator: Generator) : new SequentialSampler(dataset.Count));
        _collate = collate;
    }

    /// <summary>The dataset the batches come from.</summary>
    public IDataset Dataset { get; }

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether a smaller last batch is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>Whether batches are prepared ahead on a background task.</summary>
    public bool Prefetch { get; }

    /// <summary>The order of indices for each epoch.</summary>
    public ISampler Sampler { get; }

    /// <summary>
    /// The generator that draws the shuffle order (the one given, or the one made for <c>shuffle</c>), or null
    /// when the order is sequential or comes from a custom sampler. Saving its state with
    /// <see cref="Generator.GetState"/> between epochs and restoring it later resumes the same sequence of orders.
    /// </summary>
    public Generator? Generator { get; }

    /// <summary>The number of batches per epoch: ⌈n / batchSize⌉, or ⌊n / batchSize⌋ with <see cref="DropLast"/>, for n = <see cref="Sampler"/>.Count.</summary>
    public int Count => BatchCount(Sampler.Count);

    // Rounded up without forming examples + BatchSize - 1, which overflows for a batch size near int.MaxValue.
    private int BatchCount(int examples) => DropLast || examples % BatchSize == 0 ? examples / BatchSize : examples / BatchSize + 1;

    /// <summary>Starts an epoch: draws the sampler's order now, then yields its batches.</summary>
    public IEnumerator<(Tensor Input, Tensor Target)> GetEnumerator() => Batches(DrawOrder(), 0);

    /// <summary>Draws an epoch's order from the sampler, as <see cref="GetEnumerator"/> does when the epoch starts.</summary>
    internal int[] DrawOrder() => Sampler.ToArray();

    /// <summary>The batches of an epoch whose order was drawn already, from batch <paramref name="firstBatch"/> on (a resumed epoch).</summary>
    internal IEnumerator<(Tensor Input, Tensor Target)> Batches(int[] order, int firstBatch) =>
        Prefetch ? Prefetched(order, firstBatch) : Sequential(order, firstBatch);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The number of batches of an epoch in the order <paramref name="order"/>.</summary>
    internal int BatchCount(int[] order) => BatchCount(order.Length);

    private IEnumerator<(Tensor Input, Tensor Target)> Sequential(int[] order, int firstBatch)
    {
        int batches = BatchCount(order.Length);
        for (int b = firstBatch; b < batches; b++) yield return Fetch(order, b);
    }

    private IEnumerator<(Tensor Input, Tensor Target)> Prefetched(int[] order, int firstBatch)
    {
        int batches = BatchCount(order.Length);
        if (batches <= firstBatch) yield break;
        using var queue = new BlockingCollection<(Tensor Input, Tensor Target)>(PrefetchDepth);
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? failure = null;
        // A dedicated thread rather than a pool thread, because it spends most of its time blocked on the full queue.
        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                for (int b = firstBatch; b < batches; b++) queue.Add(Fetch(order, b), stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            foreach (var batch in queue.GetConsumingEnumerable()) yield return batch;
            producer.Wait();
            failure?.Throw();
        }
        finally
        {
            stop.Cancel();
            producer.Wait();
        }
    }

    private (Tensor Input, Tensor Target) Fetch(int[] order, int batch)
    {
        int start = checked(batch * BatchSize);
        var indices = order.AsSpan(start, Math.Min(BatchSize, order.Length - start));
        if (_collate is null) return Dataset.GetBatch(indices);
        var samples = new (Tensor Input, Tensor Target)[indices.Length];
        for (int i = 0; i < indices.Length; i++) samples[i] = Dataset[indices[i]];
        return _collate(samples);
    }
}
