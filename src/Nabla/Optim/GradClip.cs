using System.Numerics.Tensors;

namespace Nabla.Optim;

/// <summary>
/// Gradient clipping, the counterpart of <c>torch.nn.utils.clip_grad_norm_</c> and
/// <c>clip_grad_value_</c>: call between <c>Backward()</c> and the optimizer's <c>Step()</c>.
/// Parameters whose gradient is null are skipped.
/// </summary>
public static class GradClip
{
    /// <summary>
    /// Rescales the gradients in place so that their total p-norm, taken over all of them as if they were
    /// concatenated into one vector, is at most <paramref name="maxNorm"/>:
    /// <c>total = (Σᵢ ‖gᵢ‖ₚᵖ)^(1/p)</c> (for p = ∞, <c>max |g|</c>) and every gradient is multiplied by
    /// <c>min(1, maxNorm / (total + 1e-6))</c>.
    /// </summary>
    /// <param name="parameters">The tensors whose <see cref="Tensor.Grad"/> to clip.</param>
    /// <param name="maxNorm">The largest allowed total norm; at least 0.</param>
    /// <param name="normType">p, a positive number or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="errorIfNonfinite">Throw when the total norm is NaN or infinite instead of scaling by it.</param>
    /// <returns>The total norm of the gradients before clipping (0 when no parameter has a gradient).</returns>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0))
            throw new ArgumentException($"ClipGradNorm: maxNorm must be a number >= 0, got {maxNorm}.", nameof(maxNorm));
        if (!(normType > 0))
            throw new ArgumentException($"ClipGradNorm: normType must be a positive number or infinity, got {normType}.", nameof(normType));
        var grads = Gradients(parameters);
        if (grads.Count == 0) return 0;

        double total = 0;
        foreach (var g in grads)
        {
            double norm = Norm(g, normType);
            total = double.IsPositiveInfinity(normType) ? Math.Max(total, norm) : total + Math.Pow(norm, normType);
        }
        if (!double.IsPositiveInfinity(normType)) total = Math.Pow(total, 1 / normType);

        if (errorIfNonfinite && !double.IsFinite(total))
        {
            throw new InvalidOperationException(
                $"ClipGradNorm: the total norm of order {normType} of the gradients is {total}, so it cannot be clipped. " +
                "Pass errorIfNonfinite: false to scale the gradients by the non-finite norm anyway.");
        }
        double coefficient = maxNorm / (total + 1e-6);
        if (!(coefficient >= 1))
        {
            using var noGrad = Autograd.NoGrad();
            foreach (var g in grads) g.MulInPlace(coefficient);
        }
        return total;
    }

    /// <summary>Clamps every gradient element in place to [−<paramref name="clipValue"/>, <paramref name="clipValue"/>].</summary>
    /// <param name="parameters">The tensors whose <see cref="Tensor.Grad"/> to clip.</param>
    /// <param name="clipValue">The largest allowed magnitude; at least 0.</param>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0))
            throw new ArgumentException($"ClipGradValue: clipValue must be a number >= 0, got {clipValue}.", nameof(clipValue));
        using var noGrad = Autograd.NoGrad();
        foreach (var g in Gradients(parameters))
        {
            if (!g.IsContiguous)
            {
                g.CopyFrom(g.Clamp(-clipValue, clipValue));
                continue;
            }
            if (g.DType == DType.Float32)
            {
                var span = g.AsSpan<float>();
                TensorPrimitives.Clamp(span, (float)-clipValue, (float)clipValue, span);
            }
            else
            {
                var span = g.AsSpan<double>();
                TensorPrimitives.Clamp(span, -clipValue, clipValue, span);
            }
            g.BumpVersion();
        }
    }

    private static List<Tensor> Gradients(IEnumerable<Tensor> parameters)
    {
        var grads = new List<Tensor>();
        foreach (var p in parameters)
            if (p.Grad is { } g) grads.Add(g);
        return grads;
    }

    /// <summary>‖g‖ₚ of one gradient, accumulated in double whatever its dtype.</summary>
    private static double Norm(Tensor g, double p)
    {
        var data = g.IsContiguous ? g : g.Contiguous().Detach();
        return data.DType == DType.Float64 ? Norm(data.AsSpan<double>(), p) : Norm(data.AsSpan<float>(), p);
    }

    private static double Norm(ReadOnlySpan<double> x, double p)
    {
        if (p == 2) return TensorPrimitives.Norm(x);
        if (p == 1) return TensorPrimitives.SumOfMagnitudes(x);
        if (double.IsPositiveInfinity(p)) return x.IsEmpty ? 0 : Math.Abs(TensorPrimitives.MaxMagnitude(x));
        double sum = 0;
        foreach (double v in x) sum += Math.Pow(Math.Abs(v), p);
        return Math.Pow(sum, 1 / p);
    }

    private static double Norm(ReadOnlySpan<float> x, double p)
    {
        if (double.IsPositiveInfinity(p)) return x.IsEmpty ? 0 : Math.Abs((double)TensorPrimitives.MaxMagnitude(x));
        double sum = 0;
        foreach (float v in x)
        {
            double a = Math.Abs((double)v);
            sum += p == 2 ? a * a : p == 1 ? a : Math.Pow(a, p);
        }
        return p == 1 ? sum : p == 2 ? Math.Sqrt(sum) : Math.Pow(sum, 1 / p);
    }
}
