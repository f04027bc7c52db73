namespace Nabla.Optim.Schedulers;

/// <summary>
/// Cosine annealing from Loshchilov &amp; Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts"
/// (ICLR 2017), without the restarts (PyTorch's <c>CosineAnnealingLR</c>):
/// <c>lrₜ = η_min + ½(base_lr − η_min)(1 + cos(π t / T_max))</c>. Like PyTorch it is computed recursively
/// from the current rate, <c>lrₜ = η_min + (lrₜ₋₁ − η_min)(1 + cos(π t / T_max)) / (1 + cos(π (t − 1) / T_max))</c>,
/// so it composes with other schedules and its values match PyTorch's step for step; past T_max the
/// rate rises again along the cosine.
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    /// <summary>Anneals over <paramref name="tMax"/> steps down to <paramref name="etaMin"/>.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="tMax">T_max, the number of steps of half a cosine period; at least 1.</param>
    /// <param name="etaMin">η_min, the lowest learning rate.</param>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        if (tMax < 1) throw new ArgumentException($"CosineAnnealingLR: tMax must be at least 1, got {tMax}.", nameof(tMax));
        if (!(etaMin >= 0)) throw new ArgumentException($"CosineAnnealingLR: etaMin must be at least 0, got {etaMin}.", nameof(etaMin));
        TMax = tMax;
        EtaMin = etaMin;
        InitialStep();
    }

    /// <summary>T_max, the number of steps from the base rate down to η_min.</summary>
    public int TMax { get; }

    /// <summary>η_min, the lowest learning rate.</summary>
    public double EtaMin { get; }

    /// <inheritdoc/>
    protected override double[] GetLR()
    {
        var lrs = GroupLRs();
        int t = LastEpoch;
        if (t == 0) return lrs;
        if ((t - 1 - TMax) % (2 * TMax) == 0)
        {
            // At the bottom of the cosine the recursive ratio is 0/0, so PyTorch steps up by the closed-form increment.
            double rise = 1 - Math.Cos(Math.PI / TMax);
            return [.. lrs.Select((lr, i) => lr + (BaseLRs[i] - EtaMin) * rise / 2)];
        }
        double ratio = (1 + Math.Cos(Math.PI * t / TMax)) / (1 + Math.Cos(Math.PI * (t - 1) / TMax));
        return [.. lrs.Select(lr => ratio * (lr - EtaMin) + EtaMin)];
    }

    /// <inheritdoc/>
    protected override double[] GetClosedFormLR() =>
        [.. BaseLRs.Select(b => EtaMin + (b - EtaMin) * (1 + Math.Cos(Math.PI * LastEpoch / TMax)) / 2)];
}
