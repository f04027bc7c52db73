namespace Nabla.NN;

public static partial class Functional
{
    /// <summary>
    /// Gradient checkpointing, like <c>torch.utils.checkpoint.checkpoint(function, *inputs, use_reentrant=False)</c>:
    /// runs <paramref name="function"/> without recording its graph, so none of its intermediate tensors are kept, and
    /// records one node whose backward pass recomputes the function with grad enabled and back-propagates through the
    /// recomputed graph. Memory falls from the block's activations to its inputs; the price is a second forward pass
    /// of the block during backward. Gradients are identical to those of the plain call.
    /// <para>
    /// The tensors requiring grad that the function reads without being given them (a module's parameters) are found
    /// while it runs and become inputs of the node, so their gradients reach <see cref="Tensor.Grad"/> as usual; a
    /// non-leaf tensor from outside must be passed in <paramref name="inputs"/>. The state of <see cref="Generator.Default"/>
    /// and of every generator a random op draws from inside the function (dropout, <c>Rand</c>) is restored for the
    /// recompute, so the same masks are drawn, and put back afterwards. Buffers updated in the forward pass (batch
    /// normalisation's running statistics) are updated again by the recompute, as in PyTorch. Double backward
    /// (<c>createGraph: true</c>) through a checkpoint throws <see cref="NotSupportedException"/>.
    /// </para>
    /// </summary>
    /// <param name="function">The block: a function of <paramref name="inputs"/> that returns one tensor and computes the same thing when called again.</param>
    /// <param name="inputs">The block's inputs, handed to <paramref name="function"/> in this order.</param>
    public static Tensor Checkpoint(Func<Tensor[], Tensor> function, params Tensor[] inputs) =>
        Checkpoint(function, inputs, preserveRngState: true);

    /// <summary>Gradient checkpointing with a choice of whether random ops draw the same numbers in the recompute; see <see cref="Checkpoint(Func{Tensor[], Tensor}, Tensor[])"/>.</summary>
    /// <param name="function">The block: a function of <paramref name="inputs"/> that returns one tensor and computes the same thing when called again.</param>
    /// <param name="inputs">The block's inputs, handed to <paramref name="function"/> in this order.</param>
    /// <param name="preserveRngState">Restore the generators' states for the recompute (PyTorch's <c>preserve_rng_state</c>); false saves the copies when the block draws no random numbers.</param>
    public static Tensor Checkpoint(Func<Tensor[], Tensor> function, Tensor[] inputs, bool preserveRngState)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"Checkpoint: input {i} is null.");
        return CheckpointFunction.Run(function, (Tensor[])inputs.Clone(), preserveRngState);
    }
}
