namespace Nabla.Optim.Schedulers;

/// <summary>
/// Scales each group's learning rate by a factor that moves linearly from <see cref="StartFactor"/> to
/// <see cref="EndFactor"/> over <see cref="TotalIters"/> steps, then stays there — a warm-up when the start
/// is small: <c>lrₜ = base_lr · (s + (e − s) · min(t, T) / T)</c> (PyTorch's <c>LinearLR</c>).
/// </summary>
public sealed class LinearLR : LRScheduler
{
    /// <summary>A linear ramp of the learning-rate factor.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="startFactor">s, the factor at step 0; in (0, 1].</param>
    /// <param name="endFactor">e, the factor from step <paramref name="totalIters"/> on; in [0, 1].</param>
    /// <param name="totalIters">T, the number of steps of the ramp; at least 1.</param>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5) : base(optimizer)
    {
        if (!(startFactor > 0 && startFactor <= 1))
            throw new ArgumentException($"LinearLR: startFactor must be in (0, 1], got {startFactor}.", nameof(startFactor));
        if (!(endFactor >= 0 && endFactor <= 1))
            throw new ArgumentException($"LinearLR: endFactor must be in [0, 1], got {endFactor}.", nameof(endFactor));
        if (totalIters < 1)
            throw new ArgumentException($"LinearLR: totalIters must be at least 1, got {totalIters}.", nameof(totalIters));
        StartFactor = startFactor;
        EndFactor = endFactor;
        TotalIters = totalIters;
        InitialStep();
    }

    /// <summary>The factor at step 0.</summary>
    public double StartFactor { get; }

    /// <summary>The factor from step <see cref="TotalIters"/> on.</summary>
    public double EndFactor { get; }

    /// <summary>The number of steps of the ramp.</summary>
    public int TotalIters { get; }

    /// <inheritdoc/>
    protected override double[] GetLR()
    {
        var lrs = GroupLRs();
        if (LastEpoch == 0) return [.. lrs.Select(lr => lr * StartFactor)];
        if (LastEpoch > TotalIters) return lrs;
        double factor = 1.0 + (EndFactor - StartFactor) / (TotalIters * StartFactor + (LastEpoch - 1) * (EndFactor - StartFactor));
        return [.. lrs.Select(lr => lr * factor)];
    }

    /// <inheritdoc/>
    protected override double[] GetClosedFormLR() =>
        [.. BaseLRs.Select(b => b * (StartFactor + (EndFactor - StartFactor) * Math.Min(TotalIters, LastEpoch) / TotalIters))];
}
