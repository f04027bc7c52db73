namespace Nabla.Data;

/// <summary>
/// A dataset over two tensors whose first dim indexes the examples, like <c>TensorDataset(x, y)</c>
/// in PyTorch: example i is (input[i], target[i]). Examples are views, so nothing is copied until
/// a batch is gathered, and a whole batch is gathered with one <see cref="Tensor.IndexSelect"/> per tensor.
/// </summary>
public sealed class TensorDataset : IDataset
{
    /// <summary>Creates a dataset of input[i], target[i] pairs; both tensors need at least one dim and the same first dim.</summary>
    /// <param name="input">The inputs, shape (N, …).</param>
    /// <param name="target">The targets, shape (N, …), e.g. (N) int64 class labels.</param>
    public TensorDataset(Tensor input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (input.Rank == 0 || target.Rank == 0)
        {
            throw new ArgumentException(
                $"TensorDataset: the input and target need a first dim that indexes the examples, got input {ShapeUtil.Describe(input)} and target {ShapeUtil.Describe(target)}.");
        }
        if (input.Shape[0] != target.Shape[0])
        {
            throw new ArgumentException(
                $"TensorDataset: the input and target must have the same size in dim 0, got input {ShapeUtil.Describe(input)} ({input.Shape[0]} examples) and target {ShapeUtil.Describe(target)} ({target.Shape[0]} examples).");
        }
        Input = input;
        Target = target;
    }

    /// <summary>All inputs, shape (N, …).</summary>
    public Tensor Input { get; }

    /// <summary>All targets, shape (N, …).</summary>
    public Tensor Target { get; }

    /// <inheritdoc/>
    public int Count => Input.Shape[0];

    /// <inheritdoc/>
    public (Tensor Input, Tensor Target) this[int index]
    {
        get
        {
            CheckIndex(index);
            return (Input.Narrow(0, index, 1).Squeeze(0), Target.Narrow(0, index, 1).Squeeze(0));
        }
    }

    /// <summary>The examples at <paramref name="indices"/> as one batch, gathered with one <see cref="Tensor.IndexSelect"/> per tensor.</summary>
    public (Tensor Input, Tensor Target) GetBatch(ReadOnlySpan<int> indices)
    {
        var index = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            CheckIndex(indices[i]);
            index[i] = indices[i];
        }
        var indexTensor = Tensor.FromArray(index);
        return (Input.IndexSelect(0, indexTensor), Target.IndexSelect(0, indexTensor));
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"TensorDataset: index {index} is out of range for {Count} examples.");
    }
}
