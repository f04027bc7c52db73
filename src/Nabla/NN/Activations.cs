namespace Nabla.NN;

/// <summary>The rectified linear unit, max(x, 0), elementwise.</summary>
public sealed class ReLU : Module
{
    /// <summary>max(x, 0).</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public override Tensor Forward(Tensor input) => Functional.Relu(input);
}

/// <summary>The leaky ReLU: x for x &gt; 0, negativeSlope·x otherwise.</summary>
/// <param name="negativeSlope">The slope for negative inputs.</param>
public sealed class LeakyReLU(double negativeSlope = 0.01) : Module
{
    /// <summary>The slope for negative inputs.</summary>
    public double NegativeSlope { get; } = negativeSlope;

    /// <summary>x for x &gt; 0, negativeSlope·x otherwise.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public override Tensor Forward(Tensor input) => Functional.LeakyRelu(input, NegativeSlope);

    /// <inheritdoc/>
    public override string ExtraRepr() => $"negative_slope={PyRepr.Float(NegativeSlope)}";
}

/// <summary>The exponential linear unit (Clevert et al., 2015): x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
/// <param name="alpha">The saturation value α for negative inputs.</param>
public sealed class ELU(double alpha = 1.0) : Module
{
    /// <summary>The saturation value for negative inputs.</summary>
    public double Alpha { get; } = alpha;

    /// <summary>x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public override Tensor Forward(Tensor input) => Functional.Elu(input, Alpha);

    /// <inheritdoc/>
    public override string ExtraRepr() => $"alpha={PyRepr.Float(Alpha)}";
}

/// <summary>
/// The Gaussian error linear unit (Hendrycks and Gimpel, 2016), x·Φ(x), elementwise: exact, or with <c>approximate: "tanh"</c> PyTorch's tanh
/// approximation ½x(1 + tanh(√(2/π)·(x + 0.044715·x³))).
/// </summary>
public sealed class GELU : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="approximate">"none" (exact) or "tanh".</param>
    public GELU(string approximate = "none")
    {
        ArgumentNullException.ThrowIfNull(approximate);
        if (approximate is not ("none" or "tanh"))
            throw new ArgumentException($"GELU: approximate must be \"none\" or \"tanh\", got \"{approximate}\".", nameof(approximate));
        Approximate = approximate;
    }

    /// <summary>"none" or "tanh".</summary>
    public string Approximate { get; }

    /// <summary>x·Φ(x), or its tanh approximation.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public override Tensor Forward(Tensor input) => Functional.Gelu(input, Approximate);

    /// <inheritdoc/>
    public override string ExtraRepr() => $"approximate='{Approximate}'";
}

/// <summary>The logistic sigmoid, 1 / (1 + e⁻ˣ), elementwise.</summary>
public sealed class Sigmoid : Module
{
    /// <summary>1 / (1 + e⁻ˣ).</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public override Tensor Forward(Tensor input) => Functional.Sigmoid(input);
}

/// <summary>The hyperbolic tangent, elementwise.</summary>
public sealed class Tanh : Module
{
    /// <summary>tanh x.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public override Tensor Forward(Tensor input) => Functional.Tanh(input);
}

/// <summary>The sigmoid linear unit x·σ(x) (swish).</summary>
public sealed class SiLU : Module
{
    /// <summary>x·σ(x).</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public override Tensor Forward(Tensor input) => Functional.Silu(input);
}

/// <summary>The softplus (1/β)·log(1 + e^(βx)), a smooth ReLU; linear where βx exceeds the threshold.</summary>
/// <param name="beta">The sharpness β.</param>
/// <param name="threshold">Above this value of βx the function reverts to x.</param>
public sealed class Softplus(double beta = 1, double threshold = 20) : Module
{
    /// <summary>The sharpness β.</summary>
    public double Beta { get; } = beta;

    /// <summary>Above this value of βx the function reverts to x.</summary>
    public double Threshold { get; } = threshold;

    /// <summary>(1/β)·log(1 + e^(βx)).</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public override Tensor Forward(Tensor input) => Functional.Softplus(input, Beta, Threshold);

    /// <inheritdoc/>
    public override string ExtraRepr() => $"beta={PyRepr.Float(Beta)}, threshold={PyRepr.Float(Threshold)}";
}

/// <summary>Softmax along a dim: e^(xᵢ) / Σⱼ e^(xⱼ), so that the dim sums to one.</summary>
/// <param name="dim">The dim that is normalised.</param>
public sealed class Softmax(int dim = -1) : Module
{
    /// <summary>The dim that is normalised.</summary>
    public int Dim { get; } = dim;

    /// <summary>The softmax of the input along <see cref="Dim"/>.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public override Tensor Forward(Tensor input) => Functional.Softmax(input, Dim);

    /// <inheritdoc/>
    public override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>Log-softmax along a dim: xᵢ − log Σⱼ e^(xⱼ); pair it with <see cref="NLLLoss"/>.</summary>
/// <param name="dim">The dim that is normalised.</param>
public sealed class LogSoftmax(int dim = -1) : Module
{
    /// <summary>The dim that is normalised.</summary>
    public int Dim { get; } = dim;

    /// <summary>The log-softmax of the input along <see cref="Dim"/>.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public override Tensor Forward(Tensor input) => Functional.LogSoftmax(input, Dim);

    /// <inheritdoc/>
    public override string ExtraRepr() => $"dim={Dim}";
}
