namespace Nabla.Data;

/// <summary>
/// Another dataset with a transform applied to each input (and optionally each target) as it is
/// read, like the <c>transform</c> and <c>target_transform</c> arguments of torchvision datasets.
/// Random transforms draw anew on every read, so each epoch sees different augmentations.
/// </summary>
public sealed class TransformedDataset : IDataset
{
    /// <summary>Wraps <paramref name="dataset"/>; null transforms leave inputs or targets unchanged.</summary>
    public TransformedDataset(IDataset dataset, ITransform? transform, ITransform? targetTransform = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Dataset = dataset;
        Transform = transform;
        TargetTransform = targetTransform;
    }

    /// <summary>The underlying dataset.</summary>
    public IDataset Dataset { get; }

    /// <summary>The transform applied to inputs, or null.</summary>
    public ITransform? Transform { get; }

    /// <summary>The transform applied to targets, or null.</summary>
    public ITransform? TargetTransform { get; }

    /// <inheritdoc/>
    public int Count => Dataset.Count;

    /// <inheritdoc/>
    public (Tensor Input, Tensor Target) this[int index]
    {
        get
        {
            var (input, target) = Dataset[index];
            return (Transform?.Apply(input) ?? input, TargetTransform?.Apply(target) ?? target);
        }
    }

    /// <summary>Gathers the batch from the underlying dataset, then transforms it with <see cref="ITransform.ApplyBatch"/>.</summary>
    public (Tensor Input, Tensor Target) GetBatch(ReadOnlySpan<int> indices)
    {
        var (input, target) = Dataset.GetBatch(indices);
        return (Transform?.ApplyBatch(input) ?? input, TargetTransform?.ApplyBatch(target) ?? target);
    }
}
