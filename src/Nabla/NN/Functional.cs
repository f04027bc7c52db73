namespace Nabla.NN;

/// <summary>
/// The stateless side of the layers, like <c>torch.nn.functional</c>: every function takes all its tensors as
/// arguments, and the <see cref="Module"/> classes call these with their parameters. Everything here is built
/// from differentiable tensor ops, so it needs no backward code of its own. The file is split by family: layers
/// and activations here, convolution and pooling in <c>Functional.Convolution.cs</c>, normalisation in
/// <c>Functional.Normalization.cs</c>, losses in <c>Functional.Losses.cs</c>, attention in <c>Functional.Attention.cs</c>.
/// </summary>
public static partial class Functional
{
    /// <summary>
    /// The affine map y = x·Wᵀ + b. <paramref name="input"/> is (*, in), <paramref name="weight"/> is (out, in),
    /// <paramref name="bias"/> is (out); the result is (*, out). It is one recorded op: the bias fills the output and
    /// the product accumulates onto it, and its backward computes gW = gᵀ·x directly.
    /// </summary>
    /// <param name="input">The input, (*, in).</param>
    /// <param name="weight">The weight, (out, in).</param>
    /// <param name="bias">The optional bias, (out).</param>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"Linear: the weight must be 2-D (out_features, in_features), got {ShapeUtil.Describe(weight)}.", nameof(weight));
        if (input.Rank == 0 || input.Shape[^1] != weight.Shape[1])
            throw new ArgumentException($"Linear: expected input with last dim {weight.Shape[1]}, got {ShapeUtil.Describe(input)}.", nameof(input));
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0]))
            throw new ArgumentException($"Linear: the bias must be [{weight.Shape[0]}], got {ShapeUtil.Describe(bias)}.", nameof(bias));
        return Tensor.Linear(input, weight, bias);
    }

    /// <summary>
    /// Inverted dropout: in training mode each element is zeroed with probability <paramref name="p"/> and the
    /// survivors are scaled by 1/(1 − p), so the expected value is unchanged; otherwise the input is returned as is.
    /// </summary>
    /// <param name="input">Any floating-point tensor.</param>
    /// <param name="p">The probability of zeroing an element, in [0, 1].</param>
    /// <param name="training">Apply dropout (true) or pass the input through (false).</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"Dropout: p must be in [0, 1], got {p}.");
        RequireFloat("Dropout", input);
        if (!training || p == 0) return input;
        if (p == 1) return input * 0.0;
        var mask = Tensor.Empty([.. input.Shape], input.DType);
        var g = generator ?? Generator.Default;
        CheckpointFunction.Capture.NoteGenerator(g);
        double scale = 1 / (1 - p);
        if (input.DType == DType.Float32)
        {
            var m = mask.AsSpan<float>();
            float keep = (float)scale;
            for (int i = 0; i < m.Length; i++) m[i] = g.NextDouble() < p ? 0f : keep;
        }
        else
        {
            var m = mask.AsSpan<double>();
            for (int i = 0; i < m.Length; i++) m[i] = g.NextDouble() < p ? 0.0 : scale;
        }
        return input * mask;
    }

    /// <summary>
    /// Looks up rows of <paramref name="weight"/>: for an int64 <paramref name="input"/> of shape (*) and a weight
    /// (num_embeddings, embedding_dim) the result is (*, embedding_dim). Rows at <paramref name="paddingIdx"/>
    /// receive no gradient.
    /// </summary>
    /// <param name="input">Int64 indices in [0, num_embeddings).</param>
    /// <param name="weight">The embedding table, (num_embeddings, embedding_dim).</param>
    /// <param name="paddingIdx">An index whose row is excluded from the gradient (negative counts from the end), or null.</param>
    public static Tensor Embedding(Tensor input, Tensor weight, int? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"Embedding: the weight must be 2-D (num_embeddings, embedding_dim), got {ShapeUtil.Describe(weight)}.", nameof(weight));
        if (input.DType != DType.Int64)
            throw new ArgumentException($"Embedding: the indices must be int64, got {ShapeUtil.Describe(input)}.", nameof(input));
        int num = weight.Shape[0];
        int? pad = paddingIdx is { } pi ? NormalizePaddingIdx("Embedding", pi, num) : null;
        bool hasPad = false;
        foreach (long i in input.ToArray<long>())
        {
            if (i < 0 || i >= num)
                throw new ArgumentOutOfRangeException(nameof(input), $"Embedding: index {i} is out of range for {num} embeddings (indices {ShapeUtil.Describe(input)}).");
            hasPad |= i == pad;
        }
        var rows = weight.IndexSelect(0, input.Reshape(-1));
        if (hasPad && weight.RequiresGrad)
        {
            var isPad = input.Reshape(-1, 1).Eq(pad!.Value).To(weight.DType);
            rows = Tensor.Where(isPad, rows.Detach(), rows);
        }
        return rows.Reshape([.. input.Shape, weight.Shape[1]]);
    }

    internal static int NormalizePaddingIdx(string op, int paddingIdx, int numEmbeddings)
    {
        if (paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), paddingIdx, $"{op}: paddingIdx must be in [{-numEmbeddings}, {numEmbeddings - 1}], got {paddingIdx}.");
        return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
    }

    /// <summary>
    /// One-hot encoding: int64 labels of shape (*) become an int64 tensor of shape (*, numClasses) with a 1 at
    /// each label's position. With <paramref name="numClasses"/> = −1 the class count is the largest label + 1.
    /// </summary>
    /// <param name="labels">Int64 class labels in [0, numClasses).</param>
    /// <param name="numClasses">The number of classes, or −1 to infer it.</param>
    public static Tensor OneHot(Tensor labels, int numClasses = -1)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.DType != DType.Int64)
            throw new ArgumentException($"OneHot: the labels must be int64, got {ShapeUtil.Describe(labels)}.", nameof(labels));
        if (numClasses < -1 || numClasses == 0)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"OneHot: numClasses must be positive or -1, got {numClasses}.");
        var values = labels.ToArray<long>();
        if (numClasses == -1)
        {
            if (values.Length == 0) throw new ArgumentException("OneHot: cannot infer numClasses from empty labels.", nameof(labels));
            numClasses = checked((int)values.Max() + 1);
        }
        var result = Tensor.Zeros([.. labels.Shape, numClasses], DType.Int64);
        var data = result.AsSpan<long>();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] < 0 || values[i] >= numClasses)
                throw new ArgumentOutOfRangeException(nameof(labels), $"OneHot: label {values[i]} is out of range for {numClasses} classes.");
            data[i * numClasses + (int)values[i]] = 1;
        }
        return result;
    }

    /// <summary>max(x, 0).</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public static Tensor Relu(Tensor input) => input.Relu();

    /// <summary>x for x &gt; 0, negativeSlope·x otherwise.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    /// <param name="negativeSlope">The slope for negative inputs.</param>
    public static Tensor LeakyRelu(Tensor input, double negativeSlope = 0.01) => input.LeakyRelu(negativeSlope);

    /// <summary>x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    /// <param name="alpha">The saturation value for negative inputs.</param>
    public static Tensor Elu(Tensor input, double alpha = 1.0) => input.Elu(alpha);

    /// <summary>The GELU: x·Φ(x) exactly, or with <paramref name="approximate"/> "tanh" PyTorch's tanh approximation ½x(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    /// <param name="input">Any floating-point tensor.</param>
    /// <param name="approximate">"none" or "tanh".</param>
    public static Tensor Gelu(Tensor input, string approximate = "none")
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Gelu(approximate);
    }

    /// <summary>1 / (1 + e⁻ˣ).</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public static Tensor Sigmoid(Tensor input) => input.Sigmoid();

    /// <summary>tanh x.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public static Tensor Tanh(Tensor input) => input.Tanh();

    /// <summary>x·σ(x) (swish).</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public static Tensor Silu(Tensor input) => input.Silu();

    /// <summary>(1/β)·log(1 + e^(βx)), reverting to x where βx &gt; threshold.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    /// <param name="beta">The sharpness β.</param>
    /// <param name="threshold">Above this value of βx the function is linear.</param>
    public static Tensor Softplus(Tensor input, double beta = 1, double threshold = 20) => input.Softplus(beta, threshold);

    /// <summary>e^(xᵢ) / Σⱼ e^(xⱼ) along <paramref name="dim"/>.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    /// <param name="dim">The dimension that sums to one.</param>
    public static Tensor Softmax(Tensor input, int dim = -1) => input.Softmax(dim);

    /// <summary>xᵢ − log Σⱼ e^(xⱼ) along <paramref name="dim"/>.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    /// <param name="dim">The dimension normalised.</param>
    public static Tensor LogSoftmax(Tensor input, int dim = -1) => input.LogSoftmax(dim);

    private static void RequireFloat(string op, Tensor t)
    {
        if (!t.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point tensor, got {ShapeUtil.Describe(t)}.");
    }
}
