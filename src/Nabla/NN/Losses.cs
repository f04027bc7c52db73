namespace Nabla.NN;

/// <summary>
/// The base of the loss modules: a module with two inputs, <c>Forward(input, target)</c>, that calls the matching
/// <see cref="Functional"/> loss with its settings. Class weights are registered as buffers, so they follow
/// <see cref="Module.To(DType)"/>.
/// </summary>
/// <param name="reduction">How per-element losses are combined.</param>
public abstract class Loss(Reduction reduction) : Module
{
    /// <summary>How per-element losses are combined.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
    /// <param name="input">The prediction.</param>
    /// <param name="target">The target.</param>
    public abstract Tensor Forward(Tensor input, Tensor target);

    /// <summary>Not supported: a loss needs a target; call <see cref="Forward(Tensor, Tensor)"/>.</summary>
    /// <param name="input">Unused.</param>
    public sealed override Tensor Forward(Tensor input) =>
        throw new NotSupportedException($"{TypeName} takes two inputs; call Forward(input, target).");

    /// <summary>Calls <see cref="Forward(Tensor, Tensor)"/> with exactly two inputs (input, target).</summary>
    /// <param name="inputs">The prediction and the target.</param>
    public sealed override Tensor Forward(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != 2)
            throw new ArgumentException($"{TypeName}.Forward: expected 2 inputs (input, target), got {inputs.Length}.", nameof(inputs));
        return Forward(inputs[0], inputs[1]);
    }

    /// <inheritdoc/>
    public override string ExtraRepr() => Reduction == Reduction.Mean ? "" : $"reduction={Reduction}";
}

/// <summary>Mean squared error (see <see cref="Functional.MseLoss"/>).</summary>
/// <param name="reduction">How per-element losses are combined.</param>
public sealed class MSELoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.MseLoss(input, target, Reduction);
}

/// <summary>Mean absolute error (see <see cref="Functional.L1Loss"/>).</summary>
/// <param name="reduction">How per-element losses are combined.</param>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.L1Loss(input, target, Reduction);
}

/// <summary>Smooth L1 loss, quadratic below β and linear above (see <see cref="Functional.SmoothL1Loss"/>).</summary>
public sealed class SmoothL1Loss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">How per-element losses are combined.</param>
    /// <param name="beta">The width of the quadratic region, ≥ 0.</param>
    public SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0) : base(reduction)
    {
        if (!(beta >= 0)) throw new ArgumentOutOfRangeException(nameof(beta), beta, $"SmoothL1Loss: beta must be non-negative, got {beta}.");
        Beta = beta;
    }

    /// <summary>The width of the quadratic region.</summary>
    public double Beta { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.SmoothL1Loss(input, target, Reduction, Beta);
}

/// <summary>Huber loss, quadratic below δ and linear (slope δ) above (see <see cref="Functional.HuberLoss"/>).</summary>
public sealed class HuberLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">How per-element losses are combined.</param>
    /// <param name="delta">The threshold δ &gt; 0.</param>
    public HuberLoss(Reduction reduction = Reduction.Mean, double delta = 1.0) : base(reduction)
    {
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), delta, $"HuberLoss: delta must be positive, got {delta}.");
        Delta = delta;
    }

    /// <summary>The threshold between the quadratic and linear regions.</summary>
    public double Delta { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.HuberLoss(input, target, Reduction, Delta);
}

/// <summary>Binary cross-entropy of probabilities (see <see cref="Functional.BinaryCrossEntropy"/>).</summary>
public sealed class BCELoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Optional weights broadcast to the input's shape.</param>
    /// <param name="reduction">How per-element losses are combined.</param>
    public BCELoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) : base(reduction)
    {
        if (weight is not null) RegisterBuffer("weight", weight.Detach());
    }

    /// <summary>The element weights, or null.</summary>
    public Tensor? Weight => TryGetBuffer("weight");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.BinaryCrossEntropy(input, target, Weight, Reduction);
}

/// <summary>Binary cross-entropy on logits, numerically stable (see <see cref="Functional.BinaryCrossEntropyWithLogits"/>).</summary>
public sealed class BCEWithLogitsLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Optional weights broadcast to the input's shape.</param>
    /// <param name="reduction">How per-element losses are combined.</param>
    /// <param name="posWeight">Optional positive-class weights, broadcast over the last dim.</param>
    public BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null) : base(reduction)
    {
        if (weight is not null) RegisterBuffer("weight", weight.Detach());
        if (posWeight is not null) RegisterBuffer("pos_weight", posWeight.Detach());
    }

    /// <summary>The element weights, or null.</summary>
    public Tensor? Weight => TryGetBuffer("weight");

    /// <summary>The positive-class weights, or null.</summary>
    public Tensor? PosWeight => TryGetBuffer("pos_weight");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) =>
        Functional.BinaryCrossEntropyWithLogits(input, target, Weight, Reduction, PosWeight);
}

/// <summary>Cross-entropy of logits against class indices or probabilities (see <see cref="Functional.CrossEntropy"/>).</summary>
public sealed class CrossEntropyLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Optional per-class weights, (C).</param>
    /// <param name="ignoreIndex">A class-index target value to skip.</param>
    /// <param name="reduction">How per-sample losses are combined.</param>
    /// <param name="labelSmoothing">ε in [0, 1].</param>
    public CrossEntropyLoss(Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0) : base(reduction)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, $"CrossEntropyLoss: labelSmoothing must be in [0, 1], got {labelSmoothing}.");
        if (weight is not null) RegisterBuffer("weight", weight.Detach());
        IgnoreIndex = ignoreIndex;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>The per-class weights, or null.</summary>
    public Tensor? Weight => TryGetBuffer("weight");

    /// <summary>The class-index target value that is skipped.</summary>
    public int IgnoreIndex { get; }

    /// <summary>The label smoothing ε.</summary>
    public double LabelSmoothing { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) =>
        Functional.CrossEntropy(input, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);
}

/// <summary>Negative log-likelihood of class indices given log-probabilities (see <see cref="Functional.NllLoss"/>).</summary>
public sealed class NLLLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Optional per-class weights, (C).</param>
    /// <param name="ignoreIndex">A target value to skip.</param>
    /// <param name="reduction">How per-sample losses are combined.</param>
    public NLLLoss(Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean) : base(reduction)
    {
        if (weight is not null) RegisterBuffer("weight", weight.Detach());
        IgnoreIndex = ignoreIndex;
    }

    /// <summary>The per-class weights, or null.</summary>
    public Tensor? Weight => TryGetBuffer("weight");

    /// <summary>The target value that is skipped.</summary>
    public int IgnoreIndex { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.NllLoss(input, target, Weight, IgnoreIndex, Reduction);
}

/// <summary>Kullback–Leibler divergence of log-probability inputs from a target distribution (see <see cref="Functional.KlDiv"/>).</summary>
/// <param name="reduction">Mean, BatchMean (the true divergence), Sum or None.</param>
/// <param name="logTarget">Whether the target is given as log-probabilities.</param>
public sealed class KLDivLoss(Reduction reduction = Reduction.Mean, bool logTarget = false) : Loss(reduction)
{
    /// <summary>Whether the target is given as log-probabilities.</summary>
    public bool LogTarget { get; } = logTarget;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.KlDiv(input, target, Reduction, LogTarget);
}

/// <summary>
/// The base of the losses of three inputs (PyTorch's triplet, ranking, embedding and Gaussian losses): a module whose
/// <c>Forward(a, b, c)</c> calls the matching <see cref="Functional"/> loss with its settings.
/// </summary>
/// <param name="reduction">How per-element losses are combined.</param>
/// <param name="inputNames">The names of the three inputs, for messages.</param>
public abstract class ThreeInputLoss(Reduction reduction, string inputNames) : Module
{
    /// <summary>How per-element losses are combined.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of the three inputs, in the order the loss documents.</summary>
    /// <param name="first">The first input.</param>
    /// <param name="second">The second input.</param>
    /// <param name="third">The third input.</param>
    public abstract Tensor Forward(Tensor first, Tensor second, Tensor third);

    /// <summary>Not supported: the loss needs three inputs.</summary>
    /// <param name="input">Unused.</param>
    public sealed override Tensor Forward(Tensor input) =>
        throw new NotSupportedException($"{TypeName} takes three inputs; call Forward({inputNames}).");

    /// <summary>Calls <see cref="Forward(Tensor, Tensor, Tensor)"/> with exactly three inputs.</summary>
    /// <param name="inputs">The three inputs.</param>
    public sealed override Tensor Forward(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != 3)
            throw new ArgumentException($"{TypeName}.Forward: expected 3 inputs ({inputNames}), got {inputs.Length}.", nameof(inputs));
        return Forward(inputs[0], inputs[1], inputs[2]);
    }

    /// <summary>The settings for <see cref="ExtraRepr"/>, before the reduction.</summary>
    private protected virtual string Settings => "";

    /// <inheritdoc/>
    public override string ExtraRepr() =>
        string.Join(", ", new[] { Settings, Reduction == Reduction.Mean ? "" : $"reduction={Reduction}" }.Where(s => s.Length > 0));
}

/// <summary>The triplet margin loss over (anchor, positive, negative) (see <see cref="Functional.TripletMarginLoss"/>).</summary>
/// <param name="margin">The required gap between the distances.</param>
/// <param name="p">The norm degree of the distance.</param>
/// <param name="eps">Added to the differences.</param>
/// <param name="swap">Use the distance swap.</param>
/// <param name="reduction">How per-triplet losses are combined.</param>
public sealed class TripletMarginLoss(double margin = 1.0, double p = 2, double eps = 1e-6, bool swap = false, Reduction reduction = Reduction.Mean)
    : ThreeInputLoss(reduction, "anchor, positive, negative")
{
    /// <summary>The required gap between the distances.</summary>
    public double Margin { get; } = margin;

    /// <summary>The norm degree of the distance.</summary>
    public double P { get; } = p;

    /// <summary>Added to the differences.</summary>
    public double Eps { get; } = eps;

    /// <summary>Whether the distance swap is used.</summary>
    public bool Swap { get; } = swap;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor first, Tensor second, Tensor third) =>
        Functional.TripletMarginLoss(first, second, third, Margin, P, Eps, Swap, Reduction);

    private protected override string Settings => $"margin={PyRepr.Float(Margin)}, p={PyRepr.Float(P)}" + (Swap ? ", swap=True" : "");
}

/// <summary>The cosine embedding loss over (input1, input2, target) (see <see cref="Functional.CosineEmbeddingLoss"/>).</summary>
/// <param name="margin">The cosine below which dissimilar pairs cost nothing.</param>
/// <param name="reduction">How per-pair losses are combined.</param>
public sealed class CosineEmbeddingLoss(double margin = 0, Reduction reduction = Reduction.Mean) : ThreeInputLoss(reduction, "input1, input2, target")
{
    /// <summary>The cosine below which dissimilar pairs cost nothing.</summary>
    public double Margin { get; } = margin;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor first, Tensor second, Tensor third) => Functional.CosineEmbeddingLoss(first, second, third, Margin, Reduction);

    private protected override string Settings => $"margin={PyRepr.Float(Margin)}";
}

/// <summary>The margin ranking loss over (input1, input2, target) (see <see cref="Functional.MarginRankingLoss"/>).</summary>
/// <param name="margin">The required gap between the scores.</param>
/// <param name="reduction">How per-pair losses are combined.</param>
public sealed class MarginRankingLoss(double margin = 0, Reduction reduction = Reduction.Mean) : ThreeInputLoss(reduction, "input1, input2, target")
{
    /// <summary>The required gap between the scores.</summary>
    public double Margin { get; } = margin;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor first, Tensor second, Tensor third) => Functional.MarginRankingLoss(first, second, third, Margin, Reduction);

    private protected override string Settings => $"margin={PyRepr.Float(Margin)}";
}

/// <summary>The Gaussian negative log-likelihood over (input, target, var) (see <see cref="Functional.GaussianNllLoss"/>).</summary>
/// <param name="full">Add the constant ½·log(2π).</param>
/// <param name="eps">The floor of the variance.</param>
/// <param name="reduction">How per-element losses are combined.</param>
public sealed class GaussianNLLLoss(bool full = false, double eps = 1e-6, Reduction reduction = Reduction.Mean) : ThreeInputLoss(reduction, "input, target, var")
{
    /// <summary>Whether the constant term is added.</summary>
    public bool Full { get; } = full;

    /// <summary>The floor of the variance.</summary>
    public double Eps { get; } = eps;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor first, Tensor second, Tensor third) => Functional.GaussianNllLoss(first, second, third, Full, Eps, Reduction);

    private protected override string Settings => $"eps={PyRepr.Float(Eps)}" + (Full ? ", full=True" : "");
}

/// <summary>The hinge embedding loss (see <see cref="Functional.HingeEmbeddingLoss"/>).</summary>
/// <param name="margin">The distance beyond which dissimilar pairs cost nothing.</param>
/// <param name="reduction">How per-element losses are combined.</param>
public sealed class HingeEmbeddingLoss(double margin = 1.0, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>The distance beyond which dissimilar pairs cost nothing.</summary>
    public double Margin { get; } = margin;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.HingeEmbeddingLoss(input, target, Margin, Reduction);
}

/// <summary>The Poisson negative log-likelihood (see <see cref="Functional.PoissonNllLoss"/>).</summary>
/// <param name="logInput">Whether the input is the log of the rate.</param>
/// <param name="full">Add the Stirling approximation of log(y!).</param>
/// <param name="eps">Keeps log(x) finite at x = 0 when the input is the rate.</param>
/// <param name="reduction">How per-element losses are combined.</param>
public sealed class PoissonNLLLoss(bool logInput = true, bool full = false, double eps = 1e-8, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>Whether the input is the log of the rate.</summary>
    public bool LogInput { get; } = logInput;

    /// <summary>Whether the Stirling term is added.</summary>
    public bool Full { get; } = full;

    /// <summary>Keeps log(x) finite at x = 0.</summary>
    public double Eps { get; } = eps;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.PoissonNllLoss(input, target, LogInput, Full, Eps, Reduction);
}
