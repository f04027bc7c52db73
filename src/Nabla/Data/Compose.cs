namespace Nabla.Data;

/// <summary>Several transforms applied one after another, like <c>torchvision.transforms.Compose</c>.</summary>
public sealed class Compose : ITransform
{
    private readonly ITransform[] _transforms;

    /// <summary>Chains <paramref name="transforms"/>, applied first to last.</summary>
    public Compose(params ITransform[] transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        for (int i = 0; i < transforms.Length; i++)
            if (transforms[i] is null) throw new ArgumentNullException(nameof(transforms), $"Compose: transform {i} is null.");
        _transforms = (ITransform[])transforms.Clone();
    }

    /// <summary>The chained transforms, in order.</summary>
    public IReadOnlyList<ITransform> Transforms => _transforms;

    /// <inheritdoc/>
    public Tensor Apply(Tensor input)
    {
        foreach (var t in _transforms) input = t.Apply(input);
        return input;
    }

    /// <inheritdoc/>
    public Tensor ApplyBatch(Tensor batch)
    {
        foreach (var t in _transforms) batch = t.ApplyBatch(batch);
        return batch;
    }
}
