namespace Nabla.Data;

/// <summary>Several datasets one after another, like <c>torch.utils.data.ConcatDataset</c>: the examples of the first, then of the second, …</summary>
public sealed class ConcatDataset : IDataset
{
    private readonly IDataset[] _datasets;
    private readonly int[] _ends;

    /// <summary>Concatenates <paramref name="datasets"/> (at least one) in order.</summary>
    public ConcatDataset(params IDataset[] datasets)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        if (datasets.Length == 0) throw new ArgumentException("ConcatDataset: expected at least one dataset.", nameof(datasets));
        _datasets = (IDataset[])datasets.Clone();
        _ends = new int[datasets.Length];
        long total = 0;
        for (int i = 0; i < datasets.Length; i++)
        {
            if (datasets[i] is null) throw new ArgumentNullException(nameof(datasets), $"ConcatDataset: dataset {i} is null.");
            total += datasets[i].Count;
            if (total > int.MaxValue) throw new ArgumentException($"ConcatDataset: {total} examples in all; at most {int.MaxValue} are supported.", nameof(datasets));
            _ends[i] = (int)total;
        }
    }

    /// <summary>The concatenated datasets, in order.</summary>
    public IReadOnlyList<IDataset> Datasets => _datasets;

    /// <inheritdoc/>
    public int Count => _ends[^1];

    /// <inheritdoc/>
    public (Tensor Input, Tensor Target) this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(index), $"ConcatDataset: index {index} is out of range for {Count} examples.");
            // The first dataset whose end lies beyond index holds it; empty datasets have end == start and are skipped.
            int part = Array.BinarySearch(_ends, index);
            part = part >= 0 ? part + 1 : ~part;
            while (_ends[part] == index) part++;
            int start = part == 0 ? 0 : _ends[part - 1];
            return _datasets[part][index - start];
        }
    }
}
