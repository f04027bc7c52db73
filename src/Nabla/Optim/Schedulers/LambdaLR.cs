namespace Nabla.Optim.Schedulers;

/// <summary>
/// Sets each group's learning rate to its base rate times a function of the step:
/// <c>lrₜ = base_lr · λ(t)</c> (PyTorch's <c>LambdaLR</c>).
/// </summary>
public sealed class LambdaLR : LRScheduler
{
    private readonly Func<int, double>[] _lambdas;

    /// <summary>One factor function for every group.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="lrLambda">λ(t), the multiplier of the base learning rate at step t.</param>
    public LambdaLR(Optimizer optimizer, Func<int, double> lrLambda) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(lrLambda);
        _lambdas = Enumerable.Repeat(lrLambda, GroupCount).ToArray();
        InitialStep();
    }

    /// <summary>One factor function per group, in group order.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="lrLambdas">λᵢ(t) for each group i.</param>
    public LambdaLR(Optimizer optimizer, IReadOnlyList<Func<int, double>> lrLambdas) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(lrLambdas);
        if (lrLambdas.Count != GroupCount)
            throw new ArgumentException($"LambdaLR: expected {GroupCount} lrLambdas (one per parameter group), but got {lrLambdas.Count}.", nameof(lrLambdas));
        _lambdas = [.. lrLambdas];
        InitialStep();
    }

    /// <inheritdoc/>
    protected override double[] GetLR() => [.. BaseLRs.Select((b, i) => b * _lambdas[i](LastEpoch))];
}
