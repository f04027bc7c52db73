using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// Batch normalisation (Ioffe and Szegedy, 2015), the shared implementation of <see cref="BatchNorm1d"/> and
/// <see cref="BatchNorm2d"/>, which differ only in the input ranks they accept. In training mode each channel is
/// normalised with the batch mean and biased variance over every dim but the channel dim (1), and the buffers
/// <c>running_mean</c>, <c>running_var</c> (updated with the unbiased variance) and <c>num_batches_tracked</c> are
/// updated; in evaluation mode the running statistics are used. y = (x − mean) / √(var + eps) · weight + bias.
/// </summary>
public abstract class BatchNorm : Module
{
    /// <summary>Creates the layer: weight ones, bias zeros, running mean zeros, running variance ones.</summary>
    /// <param name="numFeatures">The number of channels C.</param>
    /// <param name="eps">Added to the variance for stability, &gt; 0.</param>
    /// <param name="momentum">The weight of each new batch in the running statistics, in [0, 1]; null for a cumulative (equal-weight) average.</param>
    /// <param name="affine">Whether to learn a per-channel weight and bias.</param>
    /// <param name="trackRunningStats">Whether to keep running statistics for evaluation; without them batch statistics are always used.</param>
    /// <param name="dtype">The parameters' and statistics' dtype.</param>
    protected BatchNorm(int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats, DType dtype)
    {
        if (numFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(numFeatures), numFeatures, $"{TypeName}: numFeatures must be positive, got {numFeatures}.");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"{TypeName}: eps must be positive, got {eps}.");
        if (momentum is { } m && !(m >= 0 && m <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), m, $"{TypeName}: momentum must be in [0, 1] or null, got {m}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"{TypeName}: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        if (affine) RegisterAffine([numFeatures], dtype);
        if (trackRunningStats)
        {
            RegisterBuffer("running_mean", Tensor.Zeros([numFeatures], dtype));
            RegisterBuffer("running_var", Tensor.Ones([numFeatures], dtype));
            RegisterBuffer("num_batches_tracked", Tensor.Zeros([], DType.Int64));
        }
    }

    /// <summary>The number of channels C.</summary>
    public int NumFeatures { get; }

    /// <summary>Added to the variance for stability.</summary>
    public double Eps { get; }

    /// <summary>The weight of each new batch in the running statistics; null for a cumulative average.</summary>
    public double? Momentum { get; }

    /// <summary>The per-channel scale, (C), or null without affine.</summary>
    public Tensor? Weight => TryGetParameter("weight");

    /// <summary>The per-channel shift, (C), or null without affine.</summary>
    public Tensor? Bias => TryGetParameter("bias");

    /// <summary>The running mean, (C), or null without running statistics.</summary>
    public Tensor? RunningMean => TryGetBuffer("running_mean");

    /// <summary>The running (unbiased) variance, (C), or null without running statistics.</summary>
    public Tensor? RunningVar => TryGetBuffer("running_var");

    /// <summary>The number of training batches seen (an int64 scalar), or null without running statistics.</summary>
    public Tensor? NumBatchesTracked => TryGetBuffer("num_batches_tracked");

    /// <summary>Resets the running statistics to mean 0, variance 1 and no batches seen.</summary>
    public void ResetRunningStats()
    {
        using var noGrad = Autograd.NoGrad();
        RunningMean?.Zero();
        RunningVar?.Fill(1);
        NumBatchesTracked?.Zero();
    }

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

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"{NumFeatures}, eps={PyRepr.Float(Eps)}, momentum={(Momentum is { } m ? PyRepr.Float(m) : "None")}, affine={PyRepr.Bool(Weight is not null)}, track_running_stats={PyRepr.Bool(RunningMean is not null)}");
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
