using System.Collections;

namespace Nabla.Data;

/// <summary>
/// Mini-batches made on the fly from a stream of single examples, for online learning: the model
/// updates as data arrives, with no dataset in memory and no epochs. The source is either a sequence
/// of examples (finite or not) or a function that produces the next example; every
/// <see cref="BatchSize"/> examples are stacked into a batch as <see cref="Collate.Stack"/> does, so the batches equal
/// those of a sequential <see cref="DataLoader"/> over the same examples.
/// <code>
/// var stream = new OnlineLoader(() => (NextReading(), NextLabel()), batchSize: 8);
/// foreach (var (x, y) in stream.Take(1000)) { ... }
/// </code>
/// </summary>
public sealed class OnlineLoader : IEnumerable<(Tensor Input, Tensor Target)>
{
    // A batch size is a bound, not a promise: the list grows as examples arrive instead of reserving int.MaxValue slots.
    private const int InitialCapacity = 1024;

    private readonly IEnumerable<(Tensor Input, Tensor Target)> _source;

    /// <summary>Batches the examples of <paramref name="examples"/> as they are enumerated.</summary>
    /// <param name="examples">Single examples (no batch dim), possibly endless.</param>
    /// <param name="batchSize">Examples per batch.</param>
    /// <param name="dropLast">When the source ends, drop a last batch smaller than <paramref name="batchSize"/>.</param>
    public OnlineLoader(IEnumerable<(Tensor Input, Tensor Target)> examples, int batchSize = 1, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"OnlineLoader: batchSize must be positive, got {batchSize}.");
        _source = examples;
        BatchSize = batchSize;
        DropLast = dropLast;
    }

    /// <summary>Batches the examples returned by successive calls of <paramref name="next"/>, without end.</summary>
    /// <param name="next">Produces the next single example (no batch dim).</param>
    /// <param name="batchSize">Examples per batch.</param>
    public OnlineLoader(Func<(Tensor Input, Tensor Target)> next, int batchSize = 1)
        : this(Endless(next ?? throw new ArgumentNullException(nameof(next))), batchSize) { }

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether a smaller last batch is dropped when a finite source ends.</summary>
    public bool DropLast { get; }

    /// <summary>Reads examples from the source and yields a batch every <see cref="BatchSize"/> examples.</summary>
    public IEnumerator<(Tensor Input, Tensor Target)> GetEnumerator()
    {
        var pending = new List<(Tensor Input, Tensor Target)>(Math.Min(BatchSize, InitialCapacity));
        foreach (var example in _source)
        {
            pending.Add(example);
            if (pending.Count < BatchSize) continue;
            yield return Collate.Stack(pending);
            pending.Clear();
        }
        if (pending.Count > 0 && !DropLast) yield return Collate.Stack(pending);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static IEnumerable<(Tensor Input, Tensor Target)> Endless(Func<(Tensor Input, Tensor Target)> next)
    {
        while (true) yield return next();
    }
}
