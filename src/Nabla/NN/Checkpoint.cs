namespace Nabla.NN;

/// <summary>
/// Wraps a module in gradient checkpointing (<see cref="Functional.Checkpoint(Func{Tensor[], Tensor}, Tensor[])"/>):
/// its forward pass keeps no activations, and the backward pass recomputes them, so a deep stack of checkpointed
/// blocks holds only the blocks' inputs between the passes. Its parameters are the wrapped module's, under the child
/// name <c>module</c> (so state-dict keys read <c>module.weight</c>, ...); gradients are identical to the unwrapped
/// module's, dropout included.
/// </summary>
public sealed class Checkpoint : Module
{
    private readonly Module _module;

    /// <summary>Wraps <paramref name="module"/>.</summary>
    /// <param name="module">The block to recompute in the backward pass; its forward pass must compute the same thing when called again.</param>
    /// <param name="preserveRngState">Replay the generators' states in the recompute, so dropout draws the same masks.</param>
    public Checkpoint(Module module, bool preserveRngState = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        _module = RegisterModule("module", module);
        PreserveRngState = preserveRngState;
    }

    /// <summary>The wrapped block.</summary>
    public Module Module => _module;

    /// <summary>Whether random ops draw the same numbers in the recompute as in the forward pass.</summary>
    public bool PreserveRngState { get; }

    /// <summary>The wrapped module's output, computed without keeping its activations.</summary>
    /// <param name="input">The wrapped module's input.</param>
    public override Tensor Forward(Tensor input) =>
        Functional.Checkpoint(x => _module.Call(x[0]), [input], PreserveRngState);

    /// <summary>The wrapped module's output for several inputs, computed without keeping its activations.</summary>
    /// <param name="inputs">The wrapped module's inputs.</param>
    public override Tensor Forward(params Tensor[] inputs) =>
        Functional.Checkpoint(x => _module.Call(x), inputs, PreserveRngState);
}
