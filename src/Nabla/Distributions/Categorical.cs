using System.Globalization;

namespace Nabla.Distributions;

/// <summary>
/// The categorical distribution over {0, …, K − 1}, like <c>torch.distributions.Categorical</c>: parameterised by
/// <c>probs</c> (non-negative weights along the last dim, normalised to sum to 1) or by <c>logits</c> (unnormalised log
/// probabilities, normalised by subtracting their log-sum-exp), exactly one of the two. The leading dims of the
/// parameter are the batch shape, each batch element a distribution of its own; the event shape is empty (a sample is
/// one index). <see cref="LogProb"/> and <see cref="Entropy"/> are differentiable in the parameter, so
/// <c>-(dist.LogProb(actions) * returns).Mean()</c> is the REINFORCE loss of a policy's logits.
/// </summary>
/// <example>
/// <code>
/// var policy = new Categorical(logits: net.Forward(states));   // (B, actions)
/// var actions = policy.Sample();                               // (B) int64
/// var loss = -(policy.LogProb(actions) * returns).Mean() - 0.01 * policy.Entropy().Mean();
/// </code>
/// </example>
public sealed class Categorical
{
    private Tensor? _probs;
    private Tensor? _logits;
    private readonly bool _fromProbs;
    private readonly bool _validateArgs;
    private readonly int[] _batchShape;

    /// <summary>
    /// A categorical distribution given <paramref name="probs"/> or <paramref name="logits"/>, exactly one, of shape
    /// (*batch, K) with K ≥ 1 categories. A bool or integer parameter is taken as float32, as in PyTorch.
    /// </summary>
    /// <param name="probs">Non-negative, finite weights along the last dim, each row with a positive sum; they are divided by it.</param>
    /// <param name="logits">Log weights (−∞ allowed: a category of probability 0, at least one finite per row); they are shifted by their log-sum-exp.</param>
    /// <param name="validateArgs">Check the parameter here and the values given to <see cref="LogProb"/>, as PyTorch's <c>validate_args</c> (on by default).</param>
    public Categorical(Tensor? probs = null, Tensor? logits = null, bool validateArgs = true)
    {
        if ((probs is null) == (logits is null))
            throw new ArgumentException($"Categorical: give exactly one of probs and logits, got {(probs is null ? "neither" : $"probs {ShapeUtil.Describe(probs)} and logits {ShapeUtil.Describe(logits!)}")}.");
        var parameter = (probs ?? logits)!;
        string name = probs is null ? "logits" : "probs";
        if (parameter.Rank == 0)
            throw new ArgumentException($"Categorical: {name} must have at least one dimension (the categories), got {ShapeUtil.Describe(parameter)}.", name);
        if (parameter.Shape[^1] == 0)
            throw new ArgumentException($"Categorical: {name} has no categories, got {ShapeUtil.Describe(parameter)}.", name);
        parameter = parameter.AsInputOf("Categorical", UnaryDTypeRule.IntToFloat);
        _fromProbs = probs is not null;
        _validateArgs = validateArgs;
        _batchShape = parameter.Shape.Take(parameter.Rank - 1).ToArray();
        if (validateArgs) Validate(name, parameter);
        if (_fromProbs) _probs = parameter / parameter.Sum(-1, keepDim: true);
        else _logits = parameter - parameter.LogSumExp(-1, keepDim: true);
    }

    /// <summary>The normalised probabilities, (*batch, K): each row sums to 1 (softmax of the logits when given logits).</summary>
    public Tensor Probs => _probs ??= _logits!.Softmax(-1);

    /// <summary>
    /// The normalised log probabilities, (*batch, K): log-sum-exp 0 per row. Given probs, log p with p clamped to
    /// [ε, 1 − ε] (ε the dtype's machine epsilon), as PyTorch's <c>probs_to_logits</c>, so that a zero weight gives a
    /// finite logit.
    /// </summary>
    public Tensor Logits => _logits ??= ProbsToLogits(_probs!);

    /// <summary>The batch shape: the parameter's shape without its last dim.</summary>
    public IReadOnlyList<int> BatchShape => _batchShape;

    /// <summary>The event shape, empty: a sample of one distribution is a single index.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "A property of the distribution, as torch's event_shape.")]
    public IReadOnlyList<int> EventShape => [];

    /// <summary>The number of categories K.</summary>
    public int NumEvents => Param.Shape[^1];

    /// <summary>The parameter as given (normalised): <see cref="Probs"/> or <see cref="Logits"/>.</summary>
    private Tensor Param => _fromProbs ? _probs! : _logits!;

    /// <summary>The most likely category of each batch element (the first on ties), int64 of the batch shape.</summary>
    public Tensor Mode => Probs.Detach().Argmax(-1);

    /// <summary>
    /// Draws samples, like <c>Categorical.sample(sample_shape)</c>: an int64 tensor of shape
    /// <paramref name="sampleShape"/> + <see cref="BatchShape"/>, each index drawn from its batch element's
    /// distribution. Never recorded in the graph.
    /// </summary>
    /// <param name="sampleShape">The shape of the independent draws per batch element; null or empty for one.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public Tensor Sample(int[]? sampleShape = null, Generator? generator = null)
    {
        sampleShape ??= [];
        ShapeUtil.ValidateShape("Categorical.Sample", sampleShape);
        int[] shape = [.. sampleShape, .. _batchShape];
        int draws = ShapeUtil.Numel(sampleShape), rows = ShapeUtil.Numel(_batchShape);
        if (draws == 0 || rows == 0) return Tensor.Zeros(shape, DType.Int64);
        // One row of probabilities per batch element, drawn with replacement: PyTorch's multinomial(probs_2d, n, True).T.
        var probs2d = Probs.Detach().Reshape(rows, NumEvents);
        var samples = probs2d.Multinomial(draws, replacement: true, generator: generator);
        return samples.T.Contiguous().Reshape(shape);
    }

    /// <summary>
    /// log P(value), like <c>Categorical.log_prob</c>: <paramref name="value"/> holds category indices (int64, or any
    /// dtype with whole values) of a shape that broadcasts with <see cref="BatchShape"/>; the result has the broadcast
    /// shape and is differentiable in the parameter.
    /// </summary>
    /// <param name="value">Category indices in [0, K).</param>
    public Tensor LogProb(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (_validateArgs) ValidateSample(value);
        var index = value.DType == DType.Int64 ? value : value.To(DType.Int64);
        var logits = Logits;
        int[] valueShape = [.. index.Shape, 1];
        var shape = ShapeUtil.BroadcastShapes("Categorical.LogProb", valueShape, logits.ShapeArray);
        int[] indexShape = [.. shape.AsSpan(0, shape.Length - 1), 1];
        var expandedIndex = index.Unsqueeze(-1).Expand(indexShape);
        var expandedLogits = ShapeUtil.SameShape(logits.ShapeArray, shape) ? logits : logits.Expand(shape);
        return expandedLogits.Gather(-1, expandedIndex).Squeeze(-1);
    }

    /// <summary>
    /// The entropy −Σₖ pₖ log pₖ of each batch element, of the batch shape, like <c>Categorical.entropy</c>;
    /// differentiable. Categories of probability 0 add nothing (their −∞ logit is clamped to the dtype's lowest value).
    /// </summary>
    public Tensor Entropy()
    {
        var logits = Logits;
        double lowest = logits.DType == DType.Float64 ? double.MinValue : float.MinValue;
        return -(logits.Clamp(min: lowest) * Probs).Sum(-1);
    }

    /// <summary>
    /// The K categories as a tensor of values for <see cref="LogProb"/>, like <c>enumerate_support</c>: int64 of
    /// shape (K, *batch) when <paramref name="expand"/> (each category repeated over the batch), else (K, 1, …, 1).
    /// </summary>
    /// <param name="expand">Whether to expand over the batch shape.</param>
    public Tensor EnumerateSupport(bool expand = true)
    {
        int[] shape = [NumEvents, .. Enumerable.Repeat(1, _batchShape.Length)];
        var values = Tensor.Arange(NumEvents).Reshape(shape);
        return expand ? values.Expand([NumEvents, .. _batchShape]) : values;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Categorical({(_fromProbs ? "probs" : "logits")}: {ShapeUtil.Format(Param.ShapeArray)})";

    private static Tensor ProbsToLogits(Tensor probs)
    {
        double eps = probs.DType == DType.Float64 ? Math.BitIncrement(1.0) - 1 : MathF.BitIncrement(1f) - 1f;
        return probs.Clamp(eps, 1 - eps).Log();
    }

    private void Validate(string name, Tensor parameter)
    {
        var values = parameter.Detach().ToDoubleArray();
        int k = parameter.Shape[^1];
        for (int row = 0; row * k < values.Length; row++)
        {
            double total = 0;
            bool finite = false;
            for (int c = 0; c < k; c++)
            {
                double v = values[row * k + c];
                string where = _batchShape.Length == 0 ? $"index {c}" : $"row {row}, category {c}";
                if (_fromProbs && !(v >= 0 && double.IsFinite(v)))
                    throw new ArgumentException(Invariant($"Categorical: probs must be non-negative and finite, got {v} at {where} of {ShapeUtil.Describe(parameter)}."), name);
                if (!_fromProbs && (double.IsNaN(v) || double.IsPositiveInfinity(v)))
                    throw new ArgumentException(Invariant($"Categorical: logits must be real numbers or −∞, got {v} at {where} of {ShapeUtil.Describe(parameter)}."), name);
                total += v;
                finite |= double.IsFinite(v);
            }
            string which = _batchShape.Length == 0 ? "" : $" of row {row}";
            if (_fromProbs && !(total > 0 && double.IsFinite(total)))
                throw new ArgumentException(Invariant($"Categorical: the probs{which} sum to {total}; each row needs a positive, finite sum ({ShapeUtil.Describe(parameter)})."), name);
            if (!_fromProbs && !finite)
                throw new ArgumentException($"Categorical: the logits{which} are all −∞; each row needs a finite logit ({ShapeUtil.Describe(parameter)}).", name);
        }
    }

    private void ValidateSample(Tensor value)
    {
        if (value.DType.IsStorageOnly() || value.DType == DType.Bool)
            throw new ArgumentException($"Categorical.LogProb: the values must be category indices (int64 or whole numbers), got {ShapeUtil.Describe(value)}.", nameof(value));
        int[] valueShape = [.. value.Shape];
        int lead = Math.Max(valueShape.Length, _batchShape.Length);
        for (int i = 0; i < lead; i++)
        {
            int a = i < lead - valueShape.Length ? 1 : valueShape[i - (lead - valueShape.Length)];
            int b = i < lead - _batchShape.Length ? 1 : _batchShape[i - (lead - _batchShape.Length)];
            if (a != b && a != 1 && b != 1)
                throw new ArgumentException($"Categorical.LogProb: the value shape {ShapeUtil.Format(valueShape)} does not broadcast with the batch shape {ShapeUtil.Format(_batchShape)}.", nameof(value));
        }
        var values = value.Detach().ToDoubleArray();
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (!(v >= 0 && v < NumEvents && v == Math.Floor(v)))
                throw new ArgumentException(Invariant($"Categorical.LogProb: the values must be category indices in [0, {NumEvents}), got {v} at flat index {i} of {ShapeUtil.Describe(value)}."), nameof(value));
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
