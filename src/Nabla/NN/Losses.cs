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
