namespace Nabla.Optim.Schedulers;

/// <summary>Multiplies each group's learning rate by γ every step: <c>lrₜ = base_lr · γᵗ</c> (PyTorch's <c>ExponentialLR</c>).</summary>
public sealed class ExponentialLR : LRScheduler
{
    /// <summary>Decays by <paramref name="gamma"/> every step.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="gamma">The multiplicative factor γ; greater than 0.</param>
    public ExponentialLR(Optimizer optimizer, double gamma) : base(optimizer)
    {
        if (!(gamma > 0)) throw new ArgumentException($"ExponentialLR: gamma must be greater than 0, got {gamma}.", nameof(gamma));
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>The multiplicative factor γ.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override double[] GetLR()
    {
        var lrs = GroupLRs();
        return LastEpoch == 0 ? lrs : [.. lrs.Select(lr => lr * Gamma)];
    }

    /// <inheritdoc/>
    protected override double[] GetClosedFormLR() => [.. BaseLRs.Select(b => b * Math.Pow(Gamma, LastEpoch))];
}
