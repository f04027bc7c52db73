namespace Nabla.NN;

/// <summary>
/// Batch normalisation (Ioffe and Szegedy, 2015), the shared implementation of <see cref="BatchNorm1d"/> and
/// <see cref="BatchNorm2d"/>, which differ only in the input ranks they accept. In training mode each channel is
/// normalised with the batch mean and biased variance over every dim but the channel dim (1), and the buffers
/// <c>running_mean</c>, <c>running_var</c> (updated with the unbiased variance) and <c>num_batches_tracked</c> are
/// updated; in evaluation mode the running statistics are used. y = (x − mean) / √(var + eps) · weight + bias.
/// </summary>
public abstract class BatchNorm : NormBase
{
    /// <summary>Creates the layer: weight ones, bias zeros, running mean zeros, running variance ones.</summary>
    /// <param name="numFeatures">The number of channels C.</param>
    /// <param name="eps">Added to the variance for stability, &gt; 0.</param>
    /// <param name="momentum">The weight of each new batch in the running statistics, in [0, 1]; null for a cumulative (equal-weight) average.</param>
    /// <param name="affine">Whether to learn a per-channel weight and bias.</param>
    /// <param name="trackRunningStats">Whether to keep running statistics for evaluation; without them batch statistics are always used.</param>
    /// <param name="dtype">The parameters' and statistics' dtype.</param>
    protected BatchNorm(int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats, DType dtype)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, dtype)
    {
    }

    /// <summary>The weight of each new batch in the running statistics; null for a cumulative average.</summary>
    public double? Momentum => MomentumOrNull;

    /// <summary>Throws unless <paramref name="input"/> has a rank this layer accepts and C channels in dim 1.</summary>
    /// <param name="input">The input to check.</param>
    protected abstract void CheckInput(Tensor input);

    /// <summary>The normalised input (see the class summary for training versus evaluation mode).</summary>
    /// <param name="input">The input, (N, C, *) as the subclass documents.</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input);
        double factor = Momentum ?? 0;
        var runningMean = RunningMean;
        if (IsTraining && NumBatchesTracked is { } tracked)
        {
            using (Autograd.NoGrad()) tracked.Fill(tracked.Item() + 1);
            factor = Momentum ?? 1.0 / tracked.Item();
        }
        return Functional.BatchNorm(input, runningMean, RunningVar, Weight, Bias,
            training: IsTraining || runningMean is null, momentum: factor, eps: Eps);
    }
}

/// <summary>Batch normalisation over (N, C) or (N, C, L) inputs (see <see cref="BatchNorm"/>).</summary>
/// <param name="numFeatures">The number of channels C.</param>
/// <param name="eps">Added to the variance for stability, &gt; 0.</param>
/// <param name="momentum">The weight of each new batch in the running statistics; null for a cumulative average.</param>
/// <param name="affine">Whether to learn a per-channel weight and bias.</param>
/// <param name="trackRunningStats">Whether to keep running statistics for evaluation.</param>
/// <param name="dtype">The parameters' and statistics' dtype.</param>
public sealed class BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true, DType dtype = DType.Float32)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats, dtype)
{
    /// <inheritdoc/>
    protected override void CheckInput(Tensor input)
    {
        if (input.Rank is not (2 or 3) || input.Shape[1] != NumFeatures)
            throw new ArgumentException($"BatchNorm1d: expected 2-D (N, {NumFeatures}) or 3-D (N, {NumFeatures}, L) input, got {ShapeUtil.Describe(input)}.", nameof(input));
    }
}

/// <summary>Batch normalisation over (N, C, H, W) inputs (see <see cref="BatchNorm"/>).</summary>
/// <param name="numFeatures">The number of channels C.</param>
/// <param name="eps">Added to the variance for stability, &gt; 0.</param>
/// <param name="momentum">The weight of each new batch in the running statistics; null for a cumulative average.</param>
/// <param name="affine">Whether to learn a per-channel weight and bias.</param>
/// <param name="trackRunningStats">Whether to keep running statistics for evaluation.</param>
/// <param name="dtype">The parameters' and statistics' dtype.</param>
public sealed class BatchNorm2d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true, DType dtype = DType.Float32)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats, dtype)
{
    /// <inheritdoc/>
    protected override void CheckInput(Tensor input)
    {
        if (input.Rank != 4 || input.Shape[1] != NumFeatures)
            throw new ArgumentException($"BatchNorm2d: expected 4-D (N, {NumFeatures}, H, W) input, got {ShapeUtil.Describe(input)}.", nameof(input));
    }
}
