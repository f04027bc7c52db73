namespace Nabla;

/// <summary>Grad mode and functional gradients, the counterpart of <c>torch.autograd</c>.</summary>
public static class Autograd
{
    [ThreadStatic] private static bool s_disabled;

    /// <summary>True when ops record the graph (the default); false inside <see cref="NoGrad"/>.</summary>
    public static bool IsGradEnabled => !s_disabled;

    /// <summary>Disables graph recording on this thread until the returned scope is disposed: <c>using (Autograd.NoGrad()) { ... }</c>.</summary>
    public static GradModeScope NoGrad() => new(enabled: false);

    /// <summary>Re-enables graph recording inside a <see cref="NoGrad"/> region until disposed.</summary>
    public static GradModeScope EnableGrad() => new(enabled: true);

    /// <summary>Restores the previous grad mode on dispose.</summary>
    public readonly struct GradModeScope : IDisposable
    {
        private readonly bool _previousDisabled;

        internal GradModeScope(bool enabled)
        {
            _previousDisabled = s_disabled;
            s_disabled = !enabled;
        }

        /// <summary>Restores the grad mode that was in force when the scope was created.</summary>
        public void Dispose() => s_disabled = _previousDisabled;
    }

    /// <summary>
    /// The gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/>, returned
    /// rather than accumulated into <see cref="Tensor.Grad"/>, like <c>torch.autograd.grad</c>.
    /// With <paramref name="createGraph"/> the result is itself differentiable (gradients of gradients).
    /// </summary>
    /// <param name="outputs">Tensors to differentiate.</param>
    /// <param name="inputs">Tensors to differentiate with respect to (leaves or intermediate results).</param>
    /// <param name="gradOutputs">dL/d(output) for each output; null entries default to ones for one-element outputs.</param>
    /// <param name="retainGraph">Keep the graph for another backward (defaults to <paramref name="createGraph"/>).</param>
    /// <param name="createGraph">Record the backward pass so the returned gradients can be differentiated again.</param>
    /// <param name="allowUnused">Return null for an input the outputs do not depend on, instead of throwing.</param>
    public static Tensor?[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor?[]? gradOutputs = null,
        bool? retainGraph = null, bool createGraph = false, bool allowUnused = false)
    {
        var result = Engine.Run(outputs, gradOutputs, retainGraph ?? createGraph, createGraph, inputs);
        if (!allowUnused)
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                if (result[i] is null)
                    throw new InvalidOperationException($"Autograd.Grad: input {i} ({ShapeUtil.Describe(inputs[i])}) was not used to compute the outputs; pass allowUnused: true to get null for it.");
            }
        }

        return result;
    }

    /// <summary>Convenience overload for one output and one input.</summary>
    public static Tensor Grad(Tensor output, Tensor input, Tensor? gradOutput = null, bool? retainGraph = null, bool createGraph = false) =>
        Grad([output], [input], [gradOutput], retainGraph, createGraph)[0]!;
}
