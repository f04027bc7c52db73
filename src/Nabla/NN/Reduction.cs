namespace Nabla.NN;

/// <summary>How a loss turns its per-element values into the returned tensor (PyTorch's <c>reduction</c> argument).</summary>
public enum Reduction
{
    /// <summary>The mean over elements (for weighted classification losses: divided by the total weight of the counted targets).</summary>
    Mean,
    /// <summary>The sum over elements.</summary>
    Sum,
    /// <summary>No reduction: one loss value per element (per sample for classification losses).</summary>
    None,
    /// <summary>The sum divided by the batch size (the first dimension); only <see cref="Functional.KlDiv"/> accepts it, as in PyTorch, where it gives the true KL divergence.</summary>
    BatchMean,
}
