using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// What batch and instance normalisation share, as PyTorch's <c>_NormBase</c>: C channels, eps, a momentum for the
/// running statistics, an optional per-channel affine map (<c>weight</c> ones, <c>bias</c> zeros) and optional buffers
/// <c>running_mean</c> (zeros), <c>running_var</c> (ones) and <c>num_batches_tracked</c> (an int64 0), so that the two
/// families have one state-dict layout. See <see cref="BatchNorm"/> and <see cref="InstanceNorm"/>.
/// </summary>
public abstract class NormBase : Module
{
    private protected NormBase(int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats, DType dtype)
    {
        if (numFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(numFeatures), numFeatures, $"{TypeName}: numFeatures must be positive, got {numFeatures}.");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"{TypeName}: eps must be positive, got {eps}.");
        if (momentum is { } m && !(m >= 0 && m <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), m, $"{TypeName}: momentum must be in [0, 1], got {m}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"{TypeName}: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
        NumFeatures = numFeatures;
        Eps = eps;
        MomentumOrNull = momentum;
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

    /// <summary>The weight of each new batch in the running statistics; null for a cumulative average (batch norm only).</summary>
    private protected double? MomentumOrNull { get; }

    /// <summary>The per-channel scale, (C), or null without affine.</summary>
    public Tensor? Weight => TryGetParameter("weight");

    /// <summary>The per-channel shift, (C), or null without affine.</summary>
    public Tensor? Bias => TryGetParameter("bias");

    /// <summary>The running mean, (C), or null without running statistics.</summary>
    public Tensor? RunningMean => TryGetBuffer("running_mean");

    /// <summary>The running (unbiased) variance, (C), or null without running statistics.</summary>
    public Tensor? RunningVar => TryGetBuffer("running_var");

    /// <summary>
    /// The number of training batches seen (an int64 scalar), or null without running statistics. Instance norm keeps
    /// it, as PyTorch does, only for the shared state-dict layout: it does not count batches, so it stays 0.
    /// </summary>
    public Tensor? NumBatchesTracked => TryGetBuffer("num_batches_tracked");

    /// <summary>Resets the running statistics to mean 0, variance 1 and no batches seen.</summary>
    public void ResetRunningStats()
    {
        using var noGrad = Autograd.NoGrad();
        RunningMean?.Zero();
        RunningVar?.Fill(1);
        NumBatchesTracked?.Zero();
    }

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"{NumFeatures}, eps={PyRepr.Float(Eps)}, momentum={(MomentumOrNull is { } m ? PyRepr.Float(m) : "None")}, affine={PyRepr.Bool(Weight is not null)}, track_running_stats={PyRepr.Bool(RunningMean is not null)}");
}
