namespace Nabla.Optim.Schedulers;

/// <summary>
/// Multiplies each group's learning rate by γ at every milestone step (by γᵏ at a milestone listed k
/// times): <c>lrₜ = base_lr · γ^(number of milestones ≤ t)</c> (PyTorch's <c>MultiStepLR</c>).
/// </summary>
public sealed class MultiStepLR : LRScheduler
{
    private readonly Dictionary<int, int> _counts = [];
    private readonly int[] _sorted;

    /// <summary>Decays by <paramref name="gamma"/> at each of <paramref name="milestones"/>.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="milestones">The steps at which to decay.</param>
    /// <param name="gamma">The multiplicative factor γ; greater than 0.</param>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        if (!(gamma > 0)) throw new ArgumentException($"MultiStepLR: gamma must be greater than 0, got {gamma}.", nameof(gamma));
        _sorted = [.. milestones.Order()];
        foreach (int m in _sorted) _counts[m] = _counts.GetValueOrDefault(m) + 1;
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>The milestones in increasing order, repeated ones repeated.</summary>
    public IReadOnlyList<int> Milestones => _sorted;

    /// <summary>The multiplicative factor γ.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override double[] GetLR()
    {
        var lrs = GroupLRs();
        if (!_counts.TryGetValue(LastEpoch, out int count)) return lrs;
        return [.. lrs.Select(lr => lr * Math.Pow(Gamma, count))];
    }

    /// <inheritdoc/>
    protected override double[] GetClosedFormLR()
    {
        int passed = _sorted.Count(m => m <= LastEpoch);
        return [.. BaseLRs.Select(b => b * Math.Pow(Gamma, passed))];
    }
}
