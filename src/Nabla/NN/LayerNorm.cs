using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// Layer normalisation (Ba et al., 2016) over the trailing <c>normalizedShape</c> dims of each sample:
/// y = (x − E[x]) / √(Var[x] + eps) · weight + bias, with weight initialised to ones and bias to zeros.
/// </summary>
public sealed class LayerNorm : Module
{
    private readonly int[] _normalizedShape;

    /// <summary>Creates the layer.</summary>
    /// <param name="normalizedShape">The trailing shape normalised, e.g. [features].</param>
    /// <param name="eps">Added to the variance for stability, &gt; 0.</param>
    /// <param name="elementwiseAffine">Whether to learn a per-element weight and bias.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="bias">With elementwise affine, whether to learn the shift too (PyTorch 2.1's <c>bias</c>).</param>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, DType dtype = DType.Float32, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(d => d <= 0))
            throw new ArgumentException($"LayerNorm: normalizedShape must be non-empty with positive sizes, got {ShapeUtil.Format(normalizedShape)}.", nameof(normalizedShape));
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"LayerNorm: eps must be positive, got {eps}.");
        _normalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine && bias) RegisterAffine(_normalizedShape, dtype);
        else if (elementwiseAffine) RegisterParameter("weight", Tensor.Ones(_normalizedShape, dtype));
    }

    /// <summary>Creates the layer over the last dim of size <paramref name="normalizedShape"/>.</summary>
    /// <param name="normalizedShape">The size of the last dim.</param>
    /// <param name="eps">Added to the variance for stability, &gt; 0.</param>
    /// <param name="elementwiseAffine">Whether to learn a per-element weight and bias.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="bias">With elementwise affine, whether to learn the shift too.</param>
    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, DType dtype = DType.Float32, bool bias = true)
        : this([normalizedShape], eps, elementwiseAffine, dtype, bias) { }

    /// <summary>The trailing shape normalised.</summary>
    public IReadOnlyList<int> NormalizedShape => _normalizedShape;

    /// <summary>Added to the variance for stability.</summary>
    public double Eps { get; }

    /// <summary>The scale, of shape NormalizedShape, or null without elementwise affine.</summary>
    public Tensor? Weight => TryGetParameter("weight");

    /// <summary>The shift, of shape NormalizedShape, or null without elementwise affine or bias.</summary>
    public Tensor? Bias => TryGetParameter("bias");

    /// <summary>The normalised input.</summary>
    /// <param name="input">The input, (*, NormalizedShape...).</param>
    public override Tensor Forward(Tensor input) => Functional.LayerNorm(input, _normalizedShape, Weight, Bias, Eps);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"({string.Join(", ", _normalizedShape)}{(_normalizedShape.Length == 1 ? "," : "")}), eps={PyRepr.Float(Eps)}, elementwise_affine={PyRepr.Bool(Weight is not null)}");
}
