namespace Nabla.NN;

public static partial class Functional
{
    /// <summary>
    /// The cosine similarity of <paramref name="x1"/> and <paramref name="x2"/> (broadcast) along <paramref name="dim"/>,
    /// like <c>torch.nn.functional.cosine_similarity</c>: Σ (x₁ / max(‖x₁‖, ε)) · (x₂ / max(‖x₂‖, ε)), each vector divided
    /// by its own norm (floored at ε) so that tiny vectors cannot overflow the product of the norms.
    /// </summary>
    /// <param name="x1">The first input.</param>
    /// <param name="x2">The second input, broadcastable with the first.</param>
    /// <param name="dim">The dim holding the vectors.</param>
    /// <param name="eps">The floor of each norm.</param>
    public static Tensor CosineSimilarity(Tensor x1, Tensor x2, int dim = 1, double eps = 1e-8)
    {
        CheckFloatPair("CosineSimilarity", x1, x2);
        var shape = ShapeUtil.BroadcastShapes("CosineSimilarity", x1.ShapeArray, x2.ShapeArray);
        int d = ShapeUtil.NormalizeDim("CosineSimilarity", dim, shape.Length);
        var a = x1.Expand(shape);
        var b = x2.Expand(shape);
        var unitA = a / a.Norm(2, d, keepDim: true).Clamp(min: eps);
        var unitB = b / b.Norm(2, d, keepDim: true).Clamp(min: eps);
        return (unitA * unitB).Sum(d);
    }

    /// <summary>
    /// The p-norm distance between the rows of <paramref name="x1"/> and <paramref name="x2"/> (broadcast) along the last
    /// dim, like <c>torch.nn.functional.pairwise_distance</c>: ‖x₁ − x₂ + ε‖ₚ, the ε keeping the gradient finite where the
    /// vectors coincide.
    /// </summary>
    /// <param name="x1">The first input, (*, D) or (D).</param>
    /// <param name="x2">The second input, broadcastable with the first.</param>
    /// <param name="p">The norm degree.</param>
    /// <param name="eps">Added to the difference.</param>
    /// <param name="keepDim">Keep the reduced dim as size 1.</param>
    public static Tensor PairwiseDistance(Tensor x1, Tensor x2, double p = 2, double eps = 1e-6, bool keepDim = false)
    {
        CheckFloatPair("PairwiseDistance", x1, x2);
        var difference = x1 - x2 + eps;
        if (difference.Rank == 0)
            throw new ArgumentException($"PairwiseDistance: expected inputs of at least one dim, got {ShapeUtil.Describe(x1)} and {ShapeUtil.Describe(x2)}.");
        return difference.Norm(p, -1, keepDim);
    }

    /// <summary>
    /// The bilinear map y = x₁ᵀ A x₂ + b of PyTorch's <c>bilinear</c>: inputs (*, in1) and (*, in2) with the same leading
    /// dims, weight A (out, in1, in2), optional bias (out) → (*, out).
    /// </summary>
    /// <param name="input1">The first input, (*, in1).</param>
    /// <param name="input2">The second input, (*, in2).</param>
    /// <param name="weight">The weight, (out, in1, in2).</param>
    /// <param name="bias">The optional bias, (out).</param>
    public static Tensor Bilinear(Tensor input1, Tensor input2, Tensor weight, Tensor? bias = null)
    {
        CheckFloatPair("Bilinear", input1, input2);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 3)
            throw new ArgumentException($"Bilinear: expected a weight (out_features, in1_features, in2_features), got {ShapeUtil.Describe(weight)}.", nameof(weight));
        int outFeatures = weight.Shape[0], in1 = weight.Shape[1], in2 = weight.Shape[2];
        if (input1.Rank == 0 || input1.Rank != input2.Rank || !input1.ShapeSpan[..^1].SequenceEqual(input2.ShapeSpan[..^1])
            || input1.Shape[^1] != in1 || input2.Shape[^1] != in2)
        {
            throw new ArgumentException($"Bilinear: expected inputs (*, {in1}) and (*, {in2}) with the same leading dims for weight {ShapeUtil.Describe(weight)}, " +
                $"got {ShapeUtil.Describe(input1)} and {ShapeUtil.Describe(input2)}.");
        }
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != outFeatures))
            throw new ArgumentException($"Bilinear: bias must have shape [{outFeatures}], got {ShapeUtil.Describe(bias)}.", nameof(bias));
        int[] lead = input1.ShapeSpan[..^1].ToArray();
        var x1 = input1.Reshape(-1, in1);
        var x2 = input2.Reshape(-1, in2);
        // (N, in1) · (in1, out·in2) → (N, out, in2), then contracted with x₂ over in2.
        var left = x1.MatMul(weight.Permute(1, 0, 2).Reshape(in1, outFeatures * in2)).Reshape(-1, outFeatures, in2);
        var y = left.MatMul(x2.Unsqueeze(-1)).Squeeze(-1);
        if (bias is not null) y += bias;
        return y.Reshape([.. lead, outFeatures]);
    }

    private static void CheckFloatPair(string op, Tensor x1, Tensor x2)
    {
        ArgumentNullException.ThrowIfNull(x1);
        ArgumentNullException.ThrowIfNull(x2);
        if (!x1.DType.IsFloatingPoint() || x1.DType != x2.DType)
            throw new ArgumentException($"{op}: expected two floating-point inputs of one dtype, got {ShapeUtil.Describe(x1)} and {ShapeUtil.Describe(x2)}.");
    }
}
