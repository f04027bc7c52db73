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

    [ThreadStatic] private static bool s_anomaly;
    [ThreadStatic] private static bool s_inBackward;

    /// <summary>True inside <see cref="DetectAnomaly"/> on this thread.</summary>
    public static bool IsAnomalyEnabled => s_anomaly;

    /// <summary>
    /// Anomaly detection, the counterpart of <c>torch.autograd.detect_anomaly</c>, until the returned scope is disposed:
    /// <c>using (Autograd.DetectAnomaly()) { loss.Backward(); }</c>. Every op's result is checked for NaN and ±∞ as it
    /// is computed, and every backward formula's gradients as they are returned; the first non-finite value throws an
    /// <see cref="InvalidOperationException"/> naming the op, the input or output, its shape and the first bad element,
    /// and for a backward the stack trace of the forward call that recorded the op. It costs a full pass over every
    /// tensor, so it is a debugging tool; outside the scope its cost is one flag test per op.
    /// </summary>
    public static AnomalyModeScope DetectAnomaly() => new(enabled: true);

    /// <summary>Restores the previous anomaly mode on dispose.</summary>
    public readonly struct AnomalyModeScope : IDisposable
    {
        private readonly bool _previous;

        internal AnomalyModeScope(bool enabled)
        {
            _previous = s_anomaly;
            s_anomaly = enabled;
        }

        /// <summary>Restores the anomaly mode that was in force when the scope was created.</summary>
        public void Dispose() => s_anomaly = _previous;
    }

    /// <summary>
    /// The first NaN (or, unless <paramref name="nanOnly"/>, ±∞) of a floating-point tensor as "NaN at index [i, j]", or
    /// null when there is none.
    /// </summary>
    internal static string? FindNonFinite(Tensor t, bool nanOnly = false)
    {
        if (!t.DType.IsFloatingPoint() || t.Numel == 0) return null;
        int bad = -1;
        double value = 0;
        if (t.DType == DType.Float32)
        {
            var values = t.ReadContiguous<float>();
            for (int i = 0; i < values.Length && bad < 0; i++)
                if (nanOnly ? float.IsNaN(values[i]) : !float.IsFinite(values[i])) { bad = i; value = values[i]; }
        }
        else
        {
            var values = t.ReadContiguous<double>();
            for (int i = 0; i < values.Length && bad < 0; i++)
                if (nanOnly ? double.IsNaN(values[i]) : !double.IsFinite(values[i])) { bad = i; value = values[i]; }
        }
        if (bad < 0) return null;
        return $"{(double.IsNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf")} at index {ShapeUtil.Format(ShapeUtil.Unravel(bad, t.ShapeSpan))}";
    }

    /// <summary>
    /// The check of a forward result in anomaly mode. An op is to blame when it makes ±∞ or NaN from finite inputs, or
    /// NaN from inputs without NaN (∞ − ∞, 0 · ∞); values it merely carries on, such as the −∞ of an attention mask,
    /// are not an anomaly.
    /// </summary>
    internal static void CheckForward(Tensor result, OpKind op, ReadOnlySpan<Tensor> inputs)
    {
        // The ops of a backward formula are judged as that formula's result, which names the op being differentiated.
        if (s_inBackward || FindNonFinite(result) is not { } found) return;
        bool inputNonFinite = false, inputNaN = false;
        foreach (var input in inputs)
        {
            if (FindNonFinite(input) is null) continue;
            inputNonFinite = true;
            if (FindNonFinite(input, nanOnly: true) is not null) inputNaN = true;
        }
        if (inputNonFinite)
        {
            if (inputNaN || FindNonFinite(result, nanOnly: true) is not { } nan) return;
            found = nan;
        }
        throw new InvalidOperationException(
            $"Autograd.DetectAnomaly: the forward of {op.GetType().Name} produced {found} in its output ({ShapeUtil.Describe(result)}) " +
            $"from {(inputNonFinite ? "inputs without NaN" : "finite inputs")} ({string.Join(", ", inputs.ToArray().Select(ShapeUtil.Describe))}).");
    }

    /// <summary>Runs one backward formula in anomaly mode, without forward checks of the ops it is made of.</summary>
    internal static Tensor?[] BackwardFormula(Node node, Tensor grad, Tensor output)
    {
        bool outer = s_inBackward;
        s_inBackward = true;
        try
        {
            return Derivatives.Backward(node, grad, output);
        }
        finally
        {
            s_inBackward = outer;
        }
    }

    /// <summary>The check of a backward formula's result in anomaly mode.</summary>
    internal static void CheckBackward(Node node, int input, Tensor gradient)
    {
        if (FindNonFinite(gradient) is not { } found) return;
        string trace = node.ForwardTrace is null ? "" : $"\nThe forward call that recorded it:\n{node.ForwardTrace}";
        throw new InvalidOperationException(
            $"Autograd.DetectAnomaly: the backward of {node.Op.GetType().Name} returned {found} in the gradient for input {input} " +
            $"({ShapeUtil.Describe(gradient)}; the input is {ShapeUtil.Describe(node.Inputs[input])}).{trace}");
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
