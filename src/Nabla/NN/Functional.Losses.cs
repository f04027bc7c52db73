using System.Numerics;

namespace Nabla.NN;

public static partial class Functional
{
    /// <summary>e^−100: below it, log is clamped to −100 as PyTorch's binary cross-entropy does.</summary>
    private static readonly double LogFloorArgument = Math.Exp(-100);

    /// <summary>Mean squared error: reduce((x − y)²). Input and target have the same shape; both may require grad.</summary>
    /// <param name="input">The prediction.</param>
    /// <param name="target">The target, of the input's shape.</param>
    /// <param name="reduction">Mean, Sum or None.</param>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckPair("MseLoss", input, target);
        var diff = input - target;
        return Reduce("MseLoss", diff * diff, reduction);
    }

    /// <summary>Mean absolute error: reduce(|x − y|).</summary>
    /// <param name="input">The prediction.</param>
    /// <param name="target">The target, of the input's shape.</param>
    /// <param name="reduction">Mean, Sum or None.</param>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckPair("L1Loss", input, target);
        return Reduce("L1Loss", (input - target).Abs(), reduction);
    }

    /// <summary>
    /// Smooth L1 loss: with d = |x − y|, 0.5·d²/β where d &lt; β and d − 0.5·β elsewhere (plain L1 for β = 0).
    /// </summary>
    /// <param name="input">The prediction.</param>
    /// <param name="target">The target, of the input's shape.</param>
    /// <param name="reduction">Mean, Sum or None.</param>
    /// <param name="beta">The width of the quadratic region, ≥ 0.</param>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        CheckPair("SmoothL1Loss", input, target);
        if (!(beta >= 0)) throw new ArgumentOutOfRangeException(nameof(beta), beta, $"SmoothL1Loss: beta must be non-negative, got {beta}.");
        var d = (input - target).Abs();
        if (beta == 0) return Reduce("SmoothL1Loss", d, reduction);
        var q = QuadraticPart(d, beta);
        return Reduce("SmoothL1Loss", Tensor.Where(d.Lt(beta), q * q * (0.5 / beta), d - 0.5 * beta), reduction);
    }

    /// <summary>Huber loss: with d = |x − y|, 0.5·d² where d &lt; δ and δ·(d − 0.5·δ) elsewhere.</summary>
    /// <param name="input">The prediction.</param>
    /// <param name="target">The target, of the input's shape.</param>
    /// <param name="reduction">Mean, Sum or None.</param>
    /// <param name="delta">The threshold δ &gt; 0 between the quadratic and linear regions.</param>
    public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0)
    {
        CheckPair("HuberLoss", input, target);
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), delta, $"HuberLoss: delta must be positive, got {delta}.");
        var d = (input - target).Abs();
        var q = QuadraticPart(d, delta);
        return Reduce("HuberLoss", Tensor.Where(d.Lt(delta), q * q * 0.5, (d - 0.5 * delta) * delta), reduction);
    }

    /// <summary>
    /// d for the quadratic branch: 0 where the linear branch is taken, so that the square of an infinite d, not taken,
    /// cannot turn Where's zero gradient into NaN; a NaN d stays NaN, and so does its gradient, as in PyTorch.
    /// </summary>
    private static Tensor QuadraticPart(Tensor d, double threshold) => Tensor.Where(d.Ge(threshold), Tensor.Scalar(0, d.DType), d);

    /// <summary>
    /// Binary cross-entropy of probabilities: −w·(y·log p + (1 − y)·log(1 − p)), each log clamped at −100 as in
    /// PyTorch so that p = 0 or 1 gives a finite loss. Prefer <see cref="BinaryCrossEntropyWithLogits"/> on raw
    /// scores: it is numerically stable.
    /// </summary>
    /// <param name="input">Probabilities p in [0, 1].</param>
    /// <param name="target">Targets y in [0, 1], of the input's shape.</param>
    /// <param name="weight">Optional weights broadcast to the input's shape.</param>
    /// <param name="reduction">Mean, Sum or None.</param>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        CheckPair("BinaryCrossEntropy", input, target);
        if (input.Numel > 0)
        {
            double lo, hi;
            using (Autograd.NoGrad()) { lo = input.Amin().Item(); hi = input.Amax().Item(); }
            if (!(lo >= 0 && hi <= 1))
                throw new ArgumentOutOfRangeException(nameof(input), $"BinaryCrossEntropy: all input elements must be probabilities in [0, 1], got values in [{lo}, {hi}]; use BinaryCrossEntropyWithLogits for raw scores.");
        }
        var loss = -(target * ClampedLog(input) + (1.0 - target) * ClampedLog(1.0 - input));
        if (weight is not null) loss = loss * weight;
        return Reduce("BinaryCrossEntropy", loss, reduction);
    }

    /// <summary>max(log x, −100), with a zero (never NaN) gradient where clamped.</summary>
    private static Tensor ClampedLog(Tensor x)
    {
        Tensor low;
        using (Autograd.NoGrad()) low = x.Le(LogFloorArgument);
        var safe = Tensor.Where(low, Tensor.Scalar(1, x.DType), x).Log();
        return Tensor.Where(low, Tensor.Scalar(-100, x.DType), safe);
    }

    /// <summary>
    /// Binary cross-entropy on logits x, i.e. on σ(x): (1 − y)·log(1 + eˣ) + pw·y·log(1 + e⁻ˣ), times the optional
    /// weight. Both terms are non-negative softplus values, computed without overflow, so the loss keeps full relative
    /// precision even where it is tiny (no large terms cancel). For hard labels (every y is 0 or 1, the target not
    /// requiring grad) this is (1 + (pw − 1)·y)·log(1 + e^((1 − 2y)·x)), one softplus.
    /// </summary>
    /// <param name="input">Raw scores (logits).</param>
    /// <param name="target">Targets y in [0, 1], of the input's shape.</param>
    /// <param name="weight">Optional weights broadcast to the input's shape.</param>
    /// <param name="reduction">Mean, Sum or None.</param>
    /// <param name="posWeight">Optional weight pw of the positive class, broadcast over the last dim (one per class), to trade recall against precision.</param>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null)
    {
        CheckPair("BinaryCrossEntropyWithLogits", input, target);
        Tensor loss;
        if (!target.RequiresGrad && IsBinary(target))
        {
            // The identity holds only at y ∈ {0, 1}, so a target that needs its own gradient takes the general form.
            loss = ((1.0 - 2.0 * target) * input).LogOnePlusExp();
            if (posWeight is not null) loss = (1.0 + (posWeight - 1.0) * target) * loss;
        }
        else
        {
            var positive = target * (-input).LogOnePlusExp();
            if (posWeight is not null) positive = posWeight * positive;
            loss = (1.0 - target) * input.LogOnePlusExp() + positive;
        }
        if (weight is not null) loss = loss * weight;
        return Reduce("BinaryCrossEntropyWithLogits", loss, reduction);
    }

    /// <summary>Whether every element is exactly 0 or 1.</summary>
    private static bool IsBinary(Tensor t)
    {
        var c = t.Materialize();
        return c.DType == DType.Float32 ? IsBinary(c.AsSpan<float>()) : IsBinary(c.AsSpan<double>());
    }

    private static bool IsBinary<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var v in values)
            if (v != T.Zero && v != T.One) return false;
        return true;
    }

    /// <summary>
    /// Cross-entropy between logits and targets, i.e. <see cref="NllLoss"/> of the log-softmax over the class
    /// dimension. <paramref name="input"/> is (N, C), (N, C, d₁, …) or (C). The target is either int64 class
    /// indices of shape (N), (N, d₁, …) or () — entries equal to <paramref name="ignoreIndex"/> contribute nothing —
    /// or class probabilities of the input's shape. With class weights w the mean divides by the sum of the targets'
    /// weights, as PyTorch does. Label smoothing ε mixes the target with the uniform distribution:
    /// loss = (1 − ε)·nll + (ε/C)·Σ_c w_c·(−log p_c).
    /// </summary>
    /// <param name="input">Unnormalised scores (logits).</param>
    /// <param name="target">Class indices (int64) or probabilities of the input's shape.</param>
    /// <param name="weight">Optional per-class weights, (C); treated as constants.</param>
    /// <param name="ignoreIndex">A class-index target value to skip (class-index targets only).</param>
    /// <param name="reduction">Mean, Sum or None (one value per sample).</param>
    /// <param name="labelSmoothing">ε in [0, 1].</param>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, int ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        const string Op = "CrossEntropy";
        RequireFloat(Op, input);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, $"{Op}: labelSmoothing must be in [0, 1], got {labelSmoothing}.");
        if (input.Rank == 0)
            throw new ArgumentException($"{Op}: the input needs a class dimension, got {ShapeUtil.Describe(input)}.", nameof(input));
        int classDim = input.Rank == 1 ? 0 : 1;
        int classes = input.Shape[classDim];
        CheckClassWeight(Op, weight, classes);
        var logProbs = input.LogSoftmax(classDim);
        if (target.DType.IsFloatingPoint() && ShapeUtil.SameShape(target.ShapeSpan, input.ShapeSpan))
            return ProbabilityCrossEntropy(logProbs, target, weight, ignoreIndex, reduction, labelSmoothing, classDim);
        return ClassIndexLoss(Op, logProbs, target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    /// <summary>
    /// Negative log-likelihood of class-index targets given log-probabilities: −w[t]·input[t] per sample, with the
    /// layouts of <see cref="CrossEntropy"/>. The mean divides by the sum of the counted targets' weights.
    /// </summary>
    /// <param name="input">Log-probabilities, (N, C), (N, C, d₁, …) or (C).</param>
    /// <param name="target">Int64 class indices, (N), (N, d₁, …) or ().</param>
    /// <param name="weight">Optional per-class weights, (C); treated as constants.</param>
    /// <param name="ignoreIndex">A target value to skip.</param>
    /// <param name="reduction">Mean, Sum or None (one value per sample).</param>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        RequireFloat("NllLoss", input);
        if (input.Rank == 0)
            throw new ArgumentException($"NllLoss: the input needs a class dimension, got {ShapeUtil.Describe(input)}.", nameof(input));
        CheckClassWeight("NllLoss", weight, input.Shape[input.Rank == 1 ? 0 : 1]);
        return ClassIndexLoss("NllLoss", input, target, weight, ignoreIndex, reduction, 0);
    }

    private static void CheckClassWeight(string op, Tensor? weight, int classes)
    {
        if (weight is not null && (weight.Rank != 1 || weight.Shape[0] != classes || !weight.DType.IsFloatingPoint()))
            throw new ArgumentException($"{op}: the class weight must be a floating-point [{classes}], got {ShapeUtil.Describe(weight)}.", nameof(weight));
    }

    private static Tensor ClassIndexLoss(string op, Tensor logProbs, Tensor target, Tensor? weight, int ignoreIndex, Reduction reduction, double labelSmoothing)
    {
        bool unbatched = logProbs.Rank == 1;
        var expected = logProbs.Shape.Where((_, i) => i != (unbatched ? 0 : 1)).ToArray();
        if (target.DType != DType.Int64 || !ShapeUtil.SameShape(target.ShapeSpan, expected))
        {
            throw new ArgumentException(
                $"{op}: expected int64 class indices of shape {ShapeUtil.Format(expected)} (or probabilities of the input's shape) for input {ShapeUtil.Describe(logProbs)}, got target {ShapeUtil.Describe(target)}.",
                nameof(target));
        }

        if (reduction == Reduction.BatchMean)
            throw new ArgumentException($"{op}: reduction BatchMean is only defined for KlDiv.", nameof(reduction));
        if (unbatched)
        {
            logProbs = logProbs.Unsqueeze(0);
            target = target.Reshape(1);
        }
        int classes = logProbs.Shape[1];
        var labels = target.ToArray<long>();
        var classWeight = weight?.ToDoubleArray();
        var safe = new long[labels.Length];
        var targetWeight = new double[labels.Length];
        double totalWeight = 0;
        bool anyIgnored = false;
        for (int i = 0; i < labels.Length; i++)
        {
            long t = labels[i];
            if (t == ignoreIndex) { anyIgnored = true; continue; }
            if (t < 0 || t >= classes)
                throw new ArgumentOutOfRangeException(nameof(target), $"{op}: target {t} is out of range for {classes} classes.");
            safe[i] = t;
            targetWeight[i] = classWeight?[t] ?? 1;
            totalWeight += targetWeight[i];
        }
        var targetShape = target.Shape.ToArray();
        var picked = logProbs.Gather(1, Tensor.FromArray(safe, targetShape).Unsqueeze(1)).Squeeze(1);
        Tensor? sampleWeight = classWeight is not null || anyIgnored ? Tensor.FromArray(targetWeight, targetShape).To(logProbs.DType) : null;
        var loss = sampleWeight is null ? -picked : -(picked * sampleWeight);
        if (labelSmoothing > 0)
        {
            var perClass = weight is null ? logProbs : logProbs * weight.Detach().Reshape(ChannelShape(logProbs.Rank, classes));
            var smooth = -perClass.Sum(1);
            if (anyIgnored)
                smooth = smooth * Tensor.FromArray(Array.ConvertAll(labels, t => t == ignoreIndex ? 0.0 : 1.0), targetShape).To(logProbs.DType);
            loss = loss * (1 - labelSmoothing) + smooth * (labelSmoothing / classes);
        }
        return reduction switch
        {
            Reduction.Mean => loss.Sum() / totalWeight,
            Reduction.Sum => loss.Sum(),
            _ => unbatched ? loss.Reshape() : loss,
        };
    }

    private static Tensor ProbabilityCrossEntropy(Tensor logProbs, Tensor target, Tensor? weight, int ignoreIndex, Reduction reduction, double labelSmoothing, int classDim)
    {
        if (ignoreIndex >= 0)
            throw new ArgumentException($"CrossEntropy: ignoreIndex is not supported for probability targets, got {ignoreIndex}.", nameof(ignoreIndex));
        if (reduction == Reduction.BatchMean)
            throw new ArgumentException("CrossEntropy: reduction BatchMean is only defined for KlDiv.", nameof(reduction));
        int classes = logProbs.Shape[classDim];
        if (labelSmoothing > 0) target = target * (1 - labelSmoothing) + labelSmoothing / classes;
        var product = logProbs * target;
        if (weight is not null)
        {
            var shape = Enumerable.Repeat(1, logProbs.Rank).ToArray();
            shape[classDim] = classes;
            product = product * weight.Detach().Reshape(shape);
        }
        var loss = -product.Sum(classDim);
        return reduction switch
        {
            Reduction.Mean => loss.Mean(),
            Reduction.Sum => loss.Sum(),
            _ => loss,
        };
    }

    /// <summary>
    /// Kullback–Leibler divergence KL(target ‖ input) with <paramref name="input"/> given as log-probabilities:
    /// target·(log target − input) pointwise (0 where target ≤ 0), or e^target·(target − input) when
    /// <paramref name="logTarget"/>. <see cref="Reduction.BatchMean"/> divides the sum by the batch size and gives
    /// the true divergence; <see cref="Reduction.Mean"/> divides by the element count, as PyTorch does.
    /// </summary>
    /// <param name="input">Log-probabilities.</param>
    /// <param name="target">Probabilities (or log-probabilities with <paramref name="logTarget"/>), of the input's shape.</param>
    /// <param name="reduction">Mean, BatchMean, Sum or None.</param>
    /// <param name="logTarget">Whether the target is given as log-probabilities.</param>
    public static Tensor KlDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false)
    {
        CheckPair("KlDiv", input, target);
        Tensor loss;
        if (logTarget)
        {
            loss = target.Exp() * (target - input);
        }
        else
        {
            Tensor positive;
            using (Autograd.NoGrad()) positive = target.Gt(0.0);
            var logTargetSafe = Tensor.Where(positive, target, Tensor.Scalar(1, target.DType)).Log();
            loss = Tensor.Where(positive, target * (logTargetSafe - input), Tensor.Scalar(0, input.DType));
        }
        if (reduction == Reduction.BatchMean) return input.Rank == 0 ? loss.Sum() : loss.Sum() / input.Shape[0];
        return Reduce("KlDiv", loss, reduction);
    }

    /// <summary>
    /// Σᵢ wᵢ·Lᵢ: combines several objectives (e.g. a task loss and a regulariser, or the heads of a multi-task
    /// model) into the one tensor that is backpropagated. See <see cref="MultiObjectiveLoss"/> to also track each term.
    /// </summary>
    /// <param name="terms">The losses and their weights; at least one.</param>
    public static Tensor WeightedSum(params (Tensor Loss, double Weight)[] terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Length == 0) throw new ArgumentException("WeightedSum: expected at least one term.", nameof(terms));
        Tensor? total = null;
        foreach (var (loss, w) in terms)
        {
            ArgumentNullException.ThrowIfNull(loss, nameof(terms));
            var term = w == 1 ? loss : loss * w;
            total = total is null ? term : total + term;
        }
        return total!;
    }

    /// <summary>
    /// The triplet margin loss of Schroff et al., "FaceNet" (2015): max(d(a, p) − d(a, n) + margin, 0), d the
    /// <see cref="PairwiseDistance"/> with degree <paramref name="p"/>; with <paramref name="swap"/> the negative distance
    /// is the smaller of d(a, n) and d(p, n) (Balntas et al., 2016).
    /// </summary>
    /// <param name="anchor">The anchors, (N, D) or (D).</param>
    /// <param name="positive">Examples of the anchors' class, of the anchors' shape.</param>
    /// <param name="negative">Examples of other classes, of the anchors' shape.</param>
    /// <param name="margin">The required gap between the distances.</param>
    /// <param name="p">The norm degree of the distance.</param>
    /// <param name="eps">Added to the differences (see <see cref="PairwiseDistance"/>).</param>
    /// <param name="swap">Use the distance swap.</param>
    /// <param name="reduction">Mean, Sum or None.</param>
    public static Tensor TripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin = 1.0, double p = 2, double eps = 1e-6,
        bool swap = false, Reduction reduction = Reduction.Mean)
    {
        CheckFloatPair("TripletMarginLoss", anchor, positive);
        CheckFloatPair("TripletMarginLoss", anchor, negative);
        if (anchor.Rank is < 1 or > 2 || positive.Rank != anchor.Rank || negative.Rank != anchor.Rank)
        {
            throw new ArgumentException($"TripletMarginLoss: the anchor, positive and negative tensors must all be (N, D) or all (D), got " +
                $"{ShapeUtil.Describe(anchor)}, {ShapeUtil.Describe(positive)} and {ShapeUtil.Describe(negative)}.");
        }
        var positiveDistance = PairwiseDistance(anchor, positive, p, eps);
        var negativeDistance = PairwiseDistance(anchor, negative, p, eps);
        if (swap) negativeDistance = negativeDistance.Minimum(PairwiseDistance(positive, negative, p, eps));
        return Reduce("TripletMarginLoss", (positiveDistance - negativeDistance + margin).Clamp(min: 0), reduction);
    }

    /// <summary>
    /// The cosine embedding loss: with c the cosine of x₁ and x₂ along their last dim, 1 − c where y = 1 and
    /// max(0, c − margin) where y = −1 (0 for any other label), c = x₁·x₂ / √((‖x₁‖² + 1e-12)(‖x₂‖² + 1e-12)) as in PyTorch.
    /// </summary>
    /// <param name="input1">The first embeddings, (N, D) or (D).</param>
    /// <param name="input2">The second embeddings, of the first's shape.</param>
    /// <param name="target">The labels 1 (similar) or −1 (dissimilar), (N) or 0-d.</param>
    /// <param name="margin">The cosine below which dissimilar pairs cost nothing, in [−1, 1].</param>
    /// <param name="reduction">Mean, Sum or None.</param>
    public static Tensor CosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target, double margin = 0, Reduction reduction = Reduction.Mean)
    {
        CheckFloatPair("CosineEmbeddingLoss", input1, input2);
        ArgumentNullException.ThrowIfNull(target);
        if (input1.Rank is < 1 or > 2 || !ShapeUtil.SameShape(input1.ShapeSpan, input2.ShapeSpan) || target.Rank != input1.Rank - 1
            || (target.Rank == 1 && target.Shape[0] != input1.Shape[0]))
        {
            throw new ArgumentException($"CosineEmbeddingLoss: expected inputs (N, D) with target (N), or (D) with a 0-d target, got " +
                $"{ShapeUtil.Describe(input1)}, {ShapeUtil.Describe(input2)} and target {ShapeUtil.Describe(target)}.");
        }
        const double Epsilon = 1e-12;
        int dim = input1.Rank - 1;
        var product = (input1 * input2).Sum(dim);
        var magnitude1 = (input1 * input1).Sum(dim) + Epsilon;
        var magnitude2 = (input2 * input2).Sum(dim) + Epsilon;
        var cos = product / (magnitude1 * magnitude2).Sqrt();
        var zeros = Tensor.Scalar(0, cos.DType);
        var loss = Tensor.Where(target.Eq(1.0), 1 - cos, zeros) + Tensor.Where(target.Eq(-1.0), (cos - margin).Clamp(min: 0), zeros);
        return Reduce("CosineEmbeddingLoss", loss, reduction);
    }

    /// <summary>The margin ranking loss max(0, −y·(x₁ − x₂) + margin), y = 1 when x₁ should rank higher and −1 when x₂ should.</summary>
    /// <param name="input1">The first scores.</param>
    /// <param name="input2">The second scores, of the first's shape.</param>
    /// <param name="target">The labels 1 or −1, of the scores' shape.</param>
    /// <param name="margin">The required gap between the scores.</param>
    /// <param name="reduction">Mean, Sum or None.</param>
    public static Tensor MarginRankingLoss(Tensor input1, Tensor input2, Tensor target, double margin = 0, Reduction reduction = Reduction.Mean)
    {
        CheckFloatPair("MarginRankingLoss", input1, input2);
        ArgumentNullException.ThrowIfNull(target);
        if (input1.Rank != input2.Rank || input1.Rank != target.Rank)
        {
            throw new ArgumentException($"MarginRankingLoss: all input tensors should have the same number of dims, got " +
                $"{ShapeUtil.Describe(input1)}, {ShapeUtil.Describe(input2)} and target {ShapeUtil.Describe(target)}.");
        }
        return Reduce("MarginRankingLoss", (-target * (input1 - input2) + margin).Clamp(min: 0), reduction);
    }

    /// <summary>
    /// The hinge embedding loss: x where y = 1 and max(0, margin − x) where y = −1 (x being a distance, for learning
    /// embeddings or semi-supervised similarity); an element whose label is neither contributes both terms, as in PyTorch.
    /// </summary>
    /// <param name="input">The distances.</param>
    /// <param name="target">The labels 1 or −1, broadcastable with the input.</param>
    /// <param name="margin">The distance beyond which dissimilar pairs cost nothing.</param>
    /// <param name="reduction">Mean, Sum or None.</param>
    public static Tensor HingeEmbeddingLoss(Tensor input, Tensor target, double margin = 1.0, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"HingeEmbeddingLoss: expected a floating-point input, got {ShapeUtil.Describe(input)}.", nameof(input));
        var zeros = Tensor.Scalar(0, input.DType);
        var loss = Tensor.Where(target.Ne(1.0), (margin - input).Clamp(min: 0), zeros) + Tensor.Where(target.Ne(-1.0), input, zeros);
        return Reduce("HingeEmbeddingLoss", loss, reduction);
    }

    /// <summary>
    /// The negative log-likelihood of a Poisson target: exp(x) − y·x for log-rate inputs (<paramref name="logInput"/>),
    /// else x − y·log(x + ε); with <paramref name="full"/> the Stirling term y·log y − y + ½·log(2πy) is added where y &gt; 1.
    /// </summary>
    /// <param name="input">The predicted log-rates (or rates).</param>
    /// <param name="target">The observed counts, of the input's shape.</param>
    /// <param name="logInput">Whether the input is the log of the rate.</param>
    /// <param name="full">Add the Stirling approximation of log(y!).</param>
    /// <param name="eps">Keeps log(x) finite at x = 0 when the input is the rate.</param>
    /// <param name="reduction">Mean, Sum or None.</param>
    public static Tensor PoissonNllLoss(Tensor input, Tensor target, bool logInput = true, bool full = false, double eps = 1e-8, Reduction reduction = Reduction.Mean)
    {
        CheckPair("PoissonNllLoss", input, target);
        var loss = logInput ? input.Exp() - target * input : input - target * (input + eps).Log();
        if (full)
        {
            var stirling = target * target.Log() - target + 0.5 * (2 * Math.PI * target).Log();
            loss += Tensor.Where(target.Le(1.0), Tensor.Scalar(0, stirling.DType), stirling);
        }
        return Reduce("PoissonNllLoss", loss, reduction);
    }

    /// <summary>
    /// The negative log-likelihood of a Gaussian target with predicted mean and variance: ½(log v + (x − y)² / v), plus
    /// ½·log(2π) with <paramref name="full"/>. The variance has the input's shape (heteroscedastic), or lacks its last dim or
    /// has 1 there (one variance per row); it is floored at ε for the value while its gradient passes unchanged, as in PyTorch.
    /// </summary>
    /// <param name="input">The predicted means.</param>
    /// <param name="target">The targets, of the input's shape.</param>
    /// <param name="var">The predicted variances, non-negative.</param>
    /// <param name="full">Add the constant ½·log(2π).</param>
    /// <param name="eps">The floor of the variance.</param>
    /// <param name="reduction">Mean, Sum or None.</param>
    public static Tensor GaussianNllLoss(Tensor input, Tensor target, Tensor var, bool full = false, double eps = 1e-6, Reduction reduction = Reduction.Mean)
    {
        CheckPair("GaussianNllLoss", input, target);
        ArgumentNullException.ThrowIfNull(var);
        if (var.DType != input.DType)
            throw new ArgumentException($"GaussianNllLoss: var {ShapeUtil.Describe(var)} must have the input's dtype ({input.DType.Name()}).", nameof(var));
        if (!ShapeUtil.SameShape(var.ShapeSpan, input.ShapeSpan))
        {
            bool rowVariance = input.Rank >= 1 && var.ShapeSpan.SequenceEqual(input.ShapeSpan[..^1]);
            if (rowVariance) var = var.Unsqueeze(-1);
            else if (!(input.Rank >= 1 && var.Rank == input.Rank && var.ShapeSpan[..^1].SequenceEqual(input.ShapeSpan[..^1]) && var.Shape[^1] == 1))
                throw new ArgumentException($"GaussianNllLoss: var {ShapeUtil.Describe(var)} is of incorrect size for input {ShapeUtil.Describe(input)}: it must have the input's shape, lack its last dim, or have 1 there.", nameof(var));
        }
        if (var.Lt(0.0).Any().Item() != 0)
            throw new ArgumentException($"GaussianNllLoss: var has negative entries (var {ShapeUtil.Describe(var)}).", nameof(var));
        Tensor floored;
        using (Autograd.NoGrad()) floored = var.Clamp(min: eps) - var;
        var v = var + floored;
        var loss = 0.5 * (v.Log() + (input - target).Square() / v);
        if (full) loss += 0.5 * Math.Log(2 * Math.PI);
        return Reduce("GaussianNllLoss", loss, reduction);
    }

    private static void CheckPair(string op, Tensor input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!input.DType.IsFloatingPoint() || !target.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: input and target must be floating-point, got input {ShapeUtil.Describe(input)} and target {ShapeUtil.Describe(target)}.");
        if (!ShapeUtil.SameShape(input.ShapeSpan, target.ShapeSpan))
            throw new ArgumentException($"{op}: input {ShapeUtil.Describe(input)} and target {ShapeUtil.Describe(target)} must have the same shape.");
    }

    private static Tensor Reduce(string op, Tensor loss, Reduction reduction) => reduction switch
    {
        Reduction.Mean => loss.Mean(),
        Reduction.Sum => loss.Sum(),
        Reduction.None => loss,
        _ => throw new ArgumentException($"{op}: reduction {reduction} is only defined for KlDiv.", nameof(reduction)),
    };
}
