using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// A bilinear layer, y = x₁ᵀ A x₂ + b, with PyTorch's layout and initialisation: the weight A is
/// (out_features, in1_features, in2_features) and the bias (out_features), both drawn from U(−1/√in1, 1/√in1).
/// Inputs (*, in1) and (*, in2) with the same leading dims, output (*, out_features).
/// </summary>
public sealed class Bilinear : Module
{
    /// <summary>Creates the layer and initialises its parameters.</summary>
    /// <param name="in1Features">The size of each first input sample, &gt; 0.</param>
    /// <param name="in2Features">The size of each second input sample, &gt; 0.</param>
    /// <param name="outFeatures">The size of each output sample, &gt; 0.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation.</param>
    public Bilinear(int in1Features, int in2Features, int outFeatures, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (in1Features <= 0 || in2Features <= 0 || outFeatures <= 0)
            throw new ArgumentException($"Bilinear: the feature counts must be positive, got in1_features={in1Features}, in2_features={in2Features}, out_features={outFeatures}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"Bilinear: dtype must be floating-point, got {dtype.Name()}.", nameof(dtype));
        In1Features = in1Features;
        In2Features = in2Features;
        OutFeatures = outFeatures;
        double bound = 1 / Math.Sqrt(in1Features);
        Init.Uniform(RegisterParameter("weight", Tensor.Zeros([outFeatures, in1Features, in2Features], dtype)), -bound, bound, generator);
        if (bias) Init.Uniform(RegisterParameter("bias", Tensor.Zeros([outFeatures], dtype)), -bound, bound, generator);
    }

    /// <summary>The size of each first input sample.</summary>
    public int In1Features { get; }

    /// <summary>The size of each second input sample.</summary>
    public int In2Features { get; }

    /// <summary>The size of each output sample.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight A, (out_features, in1_features, in2_features).</summary>
    public Tensor Weight => GetParameter("weight");

    /// <summary>The bias b, (out_features), or null.</summary>
    public Tensor? Bias => TryGetParameter("bias");

    /// <summary>x₁ᵀ A x₂ + b.</summary>
    /// <param name="input1">The first input, (*, in1_features).</param>
    /// <param name="input2">The second input, (*, in2_features).</param>
    public Tensor Forward(Tensor input1, Tensor input2) => Functional.Bilinear(input1, input2, Weight, Bias);

    /// <summary>Not supported: the layer needs two inputs.</summary>
    /// <param name="input">Unused.</param>
    public override Tensor Forward(Tensor input) => throw new NotSupportedException($"{TypeName} takes two inputs; call Forward(input1, input2).");

    /// <summary>Calls <see cref="Forward(Tensor, Tensor)"/> with exactly two inputs.</summary>
    /// <param name="inputs">The two inputs.</param>
    public override Tensor Forward(params Tensor[] inputs) => CosineSimilarity.TwoInputs(this, inputs, Forward);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"in1_features={In1Features}, in2_features={In2Features}, out_features={OutFeatures}, bias={PyRepr.Bool(Bias is not null)}");
}
