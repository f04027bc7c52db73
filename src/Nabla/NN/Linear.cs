using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// A fully connected layer, y = x·Wᵀ + b, with PyTorch's layout and initialisation: the weight is
/// (out_features, in_features) drawn from U(−1/√in, 1/√in) (Kaiming uniform with a = √5), and the bias (out_features)
/// from the same range. Input (*, in_features), output (*, out_features).
/// </summary>
public class Linear : Module
{
    /// <summary>Creates the layer and initialises its parameters.</summary>
    /// <param name="inFeatures">The size of each input sample, &gt; 0.</param>
    /// <param name="outFeatures">The size of each output sample, &gt; 0.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation; <see cref="Generator.Default"/> when null.</param>
    public Linear(int inFeatures, int outFeatures, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (inFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(inFeatures), inFeatures, $"Linear: inFeatures must be positive, got {inFeatures}.");
        if (outFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(outFeatures), outFeatures, $"Linear: outFeatures must be positive, got {outFeatures}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"Linear: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Init.KaimingUniform(RegisterParameter("weight", Tensor.Zeros([outFeatures, inFeatures], dtype)), a: Math.Sqrt(5), generator: generator);
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inFeatures);
            Init.Uniform(RegisterParameter("bias", Tensor.Zeros([outFeatures], dtype)), -bound, bound, generator);
        }
    }

    /// <summary>The size of each input sample.</summary>
    public int InFeatures { get; }

    /// <summary>The size of each output sample.</summary>
    public int OutFeatures { get; }

    /// <summary>
    /// The weight W, (out_features, in_features). It can be replaced by another parameter of the same shape and dtype,
    /// to share one between layers: <c>decoder.Weight = embedding.Weight</c> ties a language model's output layer to its
    /// input embedding.
    /// </summary>
    public Tensor Weight
    {
        get => GetParameter("weight");
        set => ReplaceParameter("weight", value);
    }

    /// <summary>The bias b, (out_features), or null for a layer built with <c>bias: false</c>; a bias can be replaced by another of the same shape and dtype.</summary>
    public Tensor? Bias
    {
        get => TryGetParameter("bias");
        set => ReplaceParameter("bias", value!);
    }

    /// <summary>x·Wᵀ + b for x of shape (*, in_features).</summary>
    /// <param name="input">The input, (*, in_features).</param>
    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);

    /// <inheritdoc/>
    public override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture, $"in_features={InFeatures}, out_features={OutFeatures}, bias={PyRepr.Bool(Bias is not null)}");
}
