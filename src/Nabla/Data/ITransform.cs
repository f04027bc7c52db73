namespace Nabla.Data;

/// <summary>
/// A function applied to each example of a dataset, like a torchvision transform (see
/// <see cref="TransformedDataset"/>). Random transforms own their <see cref="Generator"/>, so the
/// numbers they draw do not depend on what else uses random numbers, or on which thread they run.
/// </summary>
public interface ITransform
{
    /// <summary>Transforms one example (no batch dim).</summary>
    Tensor Apply(Tensor input);

    /// <summary>
    /// Transforms every example of a batch (dim 0 indexes the examples) and returns the batch of
    /// results; it equals applying <see cref="Apply"/> to the examples in order and stacking the
    /// results, random draws included. The default does exactly that; the built-in transforms override it
    /// with a vectorised version that draws the same numbers in the same order.
    /// </summary>
    Tensor ApplyBatch(Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Rank == 0) throw new ArgumentException($"{GetType().Name}.ApplyBatch: expected a batch with a leading dim, got a 0-d tensor.", nameof(batch));
        var results = new Tensor[batch.Shape[0]];
        for (int i = 0; i < results.Length; i++) results[i] = Apply(batch.Narrow(0, i, 1).Squeeze(0));
        return results.Length == 0 ? batch : Tensor.Stack(results);
    }
}
