using System.Diagnostics;

namespace Nabla.NN;

/// <summary>
/// Instance normalisation (Ulyanov et al., 2016), the shared implementation of <see cref="InstanceNorm1d"/>,
/// <see cref="InstanceNorm2d"/> and <see cref="InstanceNorm3d"/>, which differ only in their number of spatial dims, as
/// PyTorch's <c>_InstanceNorm</c>: each channel of each sample is normalised over its spatial dims with its own mean
/// and biased variance, y = (x − E[x]) / √(Var[x] + eps) · weight + bias (see <see cref="Functional.InstanceNorm"/>).
/// With <c>trackRunningStats</c>, training passes also update the buffers <c>running_mean</c> and <c>running_var</c>
/// (with the batch's averages of the instances' mean and unbiased variance) and evaluation uses them; without it
/// both modes use the instances' statistics. An input without the batch dim is normalised as a batch of one.
/// </summary>
public abstract class InstanceNorm : NormBase
{
    private readonly int _spatialDims;

    private protected InstanceNorm(int spatialDims, int numFeatures, double eps, double momentum, bool affine, bool trackRunningStats, DType dtype)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, dtype) => _spatialDims = spatialDims;

    /// <summary>The weight of each new batch in the running statistics.</summary>
    public double Momentum => MomentumOrNull!.Value;

    /// <summary>The normalised input (see the class summary for training versus evaluation mode).</summary>
    /// <param name="input">The input, (N, C, *) or (C, *) with the subclass's number of spatial dims.</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != _spatialDims + 1 && input.Rank != _spatialDims + 2)
        {
            string spatial = _spatialDims switch { 1 => "L", 2 => "H, W", _ => "D, H, W" };
            throw new ArgumentException($"{TypeName}: expected a {_spatialDims + 1}-D (C, {spatial}) or {_spatialDims + 2}-D (N, C, {spatial}) input, got {ShapeUtil.Describe(input)}.", nameof(input));
        }
        bool unbatched = input.Rank == _spatialDims + 1;
        int featureDim = unbatched ? 0 : 1;
        if (input.Shape[featureDim] != NumFeatures)
        {
            // As PyTorch: numFeatures matters only to the affine map and the running statistics.
            if (Weight is not null || RunningMean is not null)
                throw new ArgumentException($"{TypeName}: expected {NumFeatures} channels in dim {featureDim}, got input {ShapeUtil.Describe(input)}.", nameof(input));
            Trace.TraceWarning($"{TypeName}: the input {ShapeUtil.Describe(input)} has {input.Shape[featureDim]} channels in dim {featureDim}, not numFeatures = {NumFeatures}, " +
                "which is unused without affine or running statistics.");
        }
        var batch = unbatched ? input.Unsqueeze(0) : input;
        var output = Functional.InstanceNorm(batch, RunningMean, RunningVar, Weight, Bias,
            useInputStats: IsTraining || RunningMean is null, momentum: Momentum, eps: Eps);
        return unbatched ? output.Squeeze(0) : output;
    }
}

/// <summary>Instance normalisation over (N, C, L) or unbatched (C, L) inputs, as PyTorch's <c>nn.InstanceNorm1d</c> (see <see cref="InstanceNorm"/>).</summary>
/// <param name="numFeatures">The number of channels C.</param>
/// <param name="eps">Added to the variance for stability, &gt; 0.</param>
/// <param name="momentum">The weight of each new batch in the running statistics, in [0, 1].</param>
/// <param name="affine">Whether to learn a per-channel weight (ones) and bias (zeros).</param>
/// <param name="trackRunningStats">Whether to keep running statistics, updated in training and used in evaluation.</param>
/// <param name="dtype">The parameters' and statistics' dtype.</param>
public sealed class InstanceNorm1d(int numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = false, bool trackRunningStats = false, DType dtype = DType.Float32)
    : InstanceNorm(1, numFeatures, eps, momentum, affine, trackRunningStats, dtype);

/// <summary>Instance normalisation over (N, C, H, W) or unbatched (C, H, W) inputs, as PyTorch's <c>nn.InstanceNorm2d</c> (see <see cref="InstanceNorm"/>).</summary>
/// <param name="numFeatures">The number of channels C.</param>
/// <param name="eps">Added to the variance for stability, &gt; 0.</param>
/// <param name="momentum">The weight of each new batch in the running statistics, in [0, 1].</param>
/// <param name="affine">Whether to learn a per-channel weight (ones) and bias (zeros).</param>
/// <param name="trackRunningStats">Whether to keep running statistics, updated in training and used in evaluation.</param>
/// <param name="dtype">The parameters' and statistics' dtype.</param>
public sealed class InstanceNorm2d(int numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = false, bool trackRunningStats = false, DType dtype = DType.Float32)
    : InstanceNorm(2, numFeatures, eps, momentum, affine, trackRunningStats, dtype);

/// <summary>Instance normalisation over (N, C, D, H, W) or unbatched (C, D, H, W) inputs, as PyTorch's <c>nn.InstanceNorm3d</c> (see <see cref="InstanceNorm"/>).</summary>
/// <param name="numFeatures">The number of channels C.</param>
/// <param name="eps">Added to the variance for stability, &gt; 0.</param>
/// <param name="momentum">The weight of each new batch in the running statistics, in [0, 1].</param>
/// <param name="affine">Whether to learn a per-channel weight (ones) and bias (zeros).</param>
/// <param name="trackRunningStats">Whether to keep running statistics, updated in training and used in evaluation.</param>
/// <param name="dtype">The parameters' and statistics' dtype.</param>
public sealed class InstanceNorm3d(int numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = false, bool trackRunningStats = false, DType dtype = DType.Float32)
    : InstanceNorm(3, numFeatures, eps, momentum, affine, trackRunningStats, dtype);
