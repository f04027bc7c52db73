namespace Nabla.Data;

/// <summary>
/// A finite, indexable collection of (input, target) examples, the counterpart of a map-style
/// <c>torch.utils.data.Dataset</c>: <c>dataset[i]</c> is one example and <see cref="Count"/> is its length.
/// </summary>
public interface IDataset
{
    /// <summary>The number of examples.</summary>
    int Count { get; }

    /// <summary>The example at <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>): one input and its target, without a batch dim.</summary>
    (Tensor Input, Tensor Target) this[int index] { get; }

    /// <summary>
    /// The examples at <paramref name="indices"/> stacked into one batch (a new leading dim of
    /// length <c>indices.Length</c>), like PyTorch's <c>__getitems__</c>. The default stacks the
    /// examples one by one with <see cref="Collate.Stack"/>; datasets that can gather a whole batch
    /// at once (<see cref="TensorDataset"/>: one <see cref="Tensor.IndexSelect"/> per tensor) override it.
    /// </summary>
    (Tensor Input, Tensor Target) GetBatch(ReadOnlySpan<int> indices)
    {
        var samples = new (Tensor Input, Tensor Target)[indices.Length];
        for (int i = 0; i < indices.Length; i++) samples[i] = this[indices[i]];
        return Collate.Stack(samples);
    }
}
