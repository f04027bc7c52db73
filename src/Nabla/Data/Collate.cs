namespace Nabla.Data;

/// <summary>Functions that merge a list of examples into one batch, the counterpart of PyTorch's <c>default_collate</c>.</summary>
public static class Collate
{
    /// <summary>
    /// Stacks the inputs and the targets along a new leading dim: n inputs of shape S give one
    /// (n, …S) tensor, n scalar int64 labels give one (n) tensor. All inputs must share a shape, and so must all targets.
    /// </summary>
    public static (Tensor Input, Tensor Target) Stack(IReadOnlyList<(Tensor Input, Tensor Target)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("Collate.Stack: cannot make a batch of zero examples.", nameof(samples));
        var inputs = new Tensor[samples.Count];
        var targets = new Tensor[samples.Count];
        for (int i = 0; i < samples.Count; i++) (inputs[i], targets[i]) = samples[i];
        return (Tensor.Stack(inputs), Tensor.Stack(targets));
    }
}
