namespace Nabla.Optim.Schedulers;

/// <summary>
/// Multiplies each group's learning rate by γ every <see cref="StepSize"/> steps:
/// <c>lrₜ = base_lr · γ^⌊t / step_size⌋</c> (PyTorch's <c>StepLR</c>).
/// </summary>
public sealed class StepLR : LRScheduler
{
    /// <summary>Decays every <paramref name="stepSize"/> steps by <paramref name="gamma"/>.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="stepSize">The period of the decay, in steps; at least 1.</param>
    /// <param name="gamma">The multiplicative factor γ; greater than 0.</param>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        if (stepSize < 1) throw new ArgumentException($"StepLR: stepSize must be at least 1, got {stepSize}.", nameof(stepSize));
        if (!(gamma > 0)) throw new ArgumentException($"StepLR: gamma must be greater than 0, got {gamma}.", nameof(gamma));
        StepSize = stepSize;
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>The period of the decay, in steps.</summary>
    public int StepSize { get; }

    /// <summary>The multiplicative factor γ.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override double[] GetLR()
    {
        var lrs = GroupLRs();
        if (LastEpoch == 0 || LastEpoch % StepSize != 0) return lrs;
        return [.. lrs.Select(lr => lr * Gamma)];
    }

    /// <inheritdoc/>
    protected override double[] GetClosedFormLR() => [.. BaseLRs.Select(b => b * Math.Pow(Gamma, LastEpoch / StepSize))];
}
