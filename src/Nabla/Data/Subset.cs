namespace Nabla.Data;

/// <summary>
/// The examples of another dataset at a list of indices, in that order (like <c>torch.utils.data.Subset</c>).
/// Batches are gathered through the underlying dataset, so a subset of a <see cref="TensorDataset"/> keeps its fast path.
/// </summary>
public sealed class Subset : IDataset
{
    private readonly int[] _indices;

    /// <summary>Creates the subset of <paramref name="dataset"/> at <paramref name="indices"/> (each in [0, dataset.Count); repeats allowed).</summary>
    public Subset(IDataset dataset, IEnumerable<int> indices)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(indices);
        _indices = indices.ToArray();
        foreach (int i in _indices)
        {
            if ((uint)i >= (uint)dataset.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Subset: index {i} is out of range for a dataset of {dataset.Count} examples.");
        }
        Dataset = dataset;
    }

    /// <summary>The underlying dataset.</summary>
    public IDataset Dataset { get; }

    /// <summary>The positions in <see cref="Dataset"/> of this subset's examples.</summary>
    public IReadOnlyList<int> Indices => _indices;

    /// <inheritdoc/>
    public int Count => _indices.Length;

    /// <inheritdoc/>
    public (Tensor Input, Tensor Target) this[int index]
    {
        get
        {
            CheckIndex(index);
            return Dataset[_indices[index]];
        }
    }

    /// <summary>The examples at <paramref name="indices"/>, gathered as one batch by the underlying dataset.</summary>
    public (Tensor Input, Tensor Target) GetBatch(ReadOnlySpan<int> indices)
    {
        var mapped = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            CheckIndex(indices[i]);
            mapped[i] = _indices[indices[i]];
        }
        return Dataset.GetBatch(mapped);
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)_indices.Length)
            throw new ArgumentOutOfRangeException(nameof(index), $"Subset: index {index} is out of range for {_indices.Length} examples.");
    }
}
