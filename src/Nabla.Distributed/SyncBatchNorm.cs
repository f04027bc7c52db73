using Nabla.NN;

namespace Nabla.Distributed;

/// <summary>
/// Batch normalisation whose training-mode statistics are those of the whole global batch, over all ranks of a
/// <see cref="ProcessGroup"/> (PyTorch's <c>torch.nn.SyncBatchNorm</c>). In training mode each channel's mean and
/// biased variance over N and the spatial dims are computed from every rank's examples: each rank sums its
/// examples (in float64), the sums and counts are all-reduced, then the squared deviations from the global mean are
/// summed and all-reduced (two passes, so a large mean does not cancel the variance away); every rank normalises
/// with the same statistics and updates the running statistics (<c>running_var</c> with the unbiased variance of
/// the global batch) alike. The all-reduces are differentiable, their backward being an all-reduce of the
/// gradients, so backward all-reduces the channels' sums of the output gradient and of its product with the
/// normalised input: the input gradient on each rank is exactly the rows of single-process batch norm's on the
/// concatenated batch, and the weight and bias gradients are this rank's part, which <see cref="DistributedDataParallel"/>
/// then averages. Every rank must run forward and backward through the layer in every training step.
/// <para>
/// In evaluation mode, and on a group of one process, it is plain <see cref="BatchNorm"/>. Its parameters and buffers
/// are named as <see cref="BatchNorm"/>'s (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>,
/// <c>num_batches_tracked</c>), so state dicts move between the two; <see cref="ConvertSyncBatchNorm"/> swaps every
/// batch norm of a built model:
/// <code>
/// using var group = ProcessGroup.Init();
/// var model = new DistributedDataParallel(SyncBatchNorm.ConvertSyncBatchNorm(BuildResNet(), group), group);
/// </code>
/// </para>
/// </summary>
public sealed class SyncBatchNorm : BatchNorm
{
    /// <summary>Creates the layer: weight ones, bias zeros, running mean zeros, running variance ones.</summary>
    /// <param name="numFeatures">The number of channels C.</param>
    /// <param name="processGroup">The ranks whose batches are normalised together (PyTorch's <c>process_group</c>; Nabla has no implicit world group).</param>
    /// <param name="eps">Added to the variance for stability, &gt; 0.</param>
    /// <param name="momentum">The weight of each new batch in the running statistics, in [0, 1]; null for a cumulative average.</param>
    /// <param name="affine">Whether to learn a per-channel weight and bias.</param>
    /// <param name="trackRunningStats">Whether to keep running statistics for evaluation.</param>
    /// <param name="dtype">The parameters' and statistics' dtype.</param>
    public SyncBatchNorm(int numFeatures, ProcessGroup processGroup, double eps = 1e-5, double? momentum = 0.1, bool affine = true,
        bool trackRunningStats = true, DType dtype = DType.Float32)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, dtype)
    {
        ArgumentNullException.ThrowIfNull(processGroup);
        Group = processGroup;
    }

    /// <summary>The ranks whose batches are normalised together.</summary>
    public ProcessGroup Group { get; }

    /// <inheritdoc/>
    protected override void CheckInput(Tensor input)
    {
        if (input.Rank < 2 || input.Shape[1] != NumFeatures)
            throw new ArgumentException($"SyncBatchNorm: expected input (N, {NumFeatures}, *) of at least 2 dims, got {ShapeUtil.Describe(input)}.", nameof(input));
    }

    /// <summary>The input normalised with the global batch's statistics in training mode, with the running statistics in evaluation mode.</summary>
    /// <param name="input">The input, (N, C, *); N may differ between ranks, and be 0 on some.</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input);
        if (!IsTraining || Group.WorldSize == 1) return base.Forward(input);
        double factor = Momentum ?? 0;
        if (NumBatchesTracked is { } tracked)
        {
            using (Autograd.NoGrad()) tracked.Fill(tracked.Item() + 1);
            factor = Momentum ?? 1.0 / tracked.Item();
        }
        var (output, mean, variance, count) = Normalize(input, Weight, Bias, Group, Eps);
        if (RunningMean is { } runningMean && RunningVar is { } runningVar)
        {
            using var noGrad = Autograd.NoGrad();
            runningMean.MulInPlace(1 - factor).AddInPlace(mean.To(runningMean.DType), factor);
            runningVar.MulInPlace(1 - factor).AddInPlace((variance * (count / (count - 1))).To(runningVar.DType), factor);
        }
        return output;
    }

    /// <summary>
    /// Replaces every <see cref="BatchNorm1d"/> and <see cref="BatchNorm2d"/> in <paramref name="module"/>'s tree by a
    /// <see cref="SyncBatchNorm"/> over <paramref name="processGroup"/> with the same settings, parameters (the same
    /// tensors, so an optimizer made before still trains them), buffers and training mode, as PyTorch's
    /// <c>convert_sync_batchnorm</c>. Returns <paramref name="module"/>, changed in place, or the new layer when it is a batch norm itself.
    /// </summary>
    /// <param name="module">The model; a field that holds a batch norm must be declared as a type a <see cref="SyncBatchNorm"/> fits (<see cref="Module"/> or <see cref="BatchNorm"/>).</param>
    /// <param name="processGroup">The ranks whose batches the new layers normalise together.</param>
    /// <exception cref="InvalidOperationException">A field declared as <see cref="BatchNorm1d"/> or <see cref="BatchNorm2d"/> holds one.</exception>
    public static Module ConvertSyncBatchNorm(Module module, ProcessGroup processGroup)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(processGroup);
        if (module is BatchNorm1d or BatchNorm2d) return Convert((BatchNorm)module, processGroup);
        foreach (var (name, child) in module.NamedChildren().ToArray())
        {
            var converted = ConvertSyncBatchNorm(child, processGroup);
            if (!ReferenceEquals(converted, child)) module.ReplaceChild(name, converted);
        }
        return module;
    }

    private static SyncBatchNorm Convert(BatchNorm bn, ProcessGroup group)
    {
        var dtype = bn.Weight?.DType ?? bn.RunningMean?.DType ?? DType.Float32;
        var sync = new SyncBatchNorm(bn.NumFeatures, group, bn.Eps, bn.Momentum, bn.Weight is not null, bn.RunningMean is not null, dtype);
        foreach (var (name, parameter) in new[] { ("weight", bn.Weight), ("bias", bn.Bias) })
        {
            if (parameter is null) continue;
            bool requiresGrad = parameter.RequiresGrad;
            sync.ReplaceParameter(name, parameter);
            parameter.RequiresGrad = requiresGrad;
        }
        if (bn.RunningMean is not null)
        {
            sync.RegisterBuffer("running_mean", bn.RunningMean);
            sync.RegisterBuffer("running_var", bn.RunningVar!);
            sync.RegisterBuffer("num_batches_tracked", bn.NumBatchesTracked!);
        }
        sync.Train(bn.IsTraining);
        return sync;
    }

    /// <summary>
    /// The training-mode normalisation over the ranks of <paramref name="group"/>, composed of differentiable ops and
    /// all-reduces, in float64: y = (x − mean) / √(var + eps) · weight + bias with the global mean and biased variance.
    /// Returns the output (in the input's dtype), the statistics (float64, not requiring grad) and the global count.
    /// </summary>
    internal static (Tensor Output, Tensor Mean, Tensor Variance, double Count) Normalize(Tensor input, Tensor? weight, Tensor? bias, ProcessGroup group, double eps)
    {
        int c = input.Shape[1];
        int[] dims = [0, .. Enumerable.Range(2, input.Rank - 2)];
        int[] channelShape = [1, c, .. Enumerable.Repeat(1, input.Rank - 2)];
        var x = input.To(DType.Float64);
        double localCount = c == 0 ? 0 : (double)input.Numel / c;
        var sums = AllReduceSum.Apply(group, Tensor.Cat([x.Sum(dims), Tensor.FromArray([localCount])]));
        double count = sums.Detach().Narrow(0, c, 1).Item();
        if (count <= 1)
            throw new ArgumentException($"SyncBatchNorm: expected more than 1 value per channel over the {group.WorldSize} ranks when training, got input {ShapeUtil.Describe(input)} on rank {group.Rank} and {count} values in all.", nameof(input));
        var mean = sums.Narrow(0, 0, c) / count;
        var centered = x - mean.Reshape(channelShape);
        var variance = AllReduceSum.Apply(group, centered.Square().Sum(dims)) / count;
        var y = centered * (variance + eps).Rsqrt().Reshape(channelShape);
        if (weight is not null) y = y * weight.To(DType.Float64).Reshape(channelShape);
        if (bias is not null) y = y + bias.To(DType.Float64).Reshape(channelShape);
        return (y.To(input.DType), mean.Detach(), variance.Detach(), count);
    }
}

/// <summary>
/// The sum of a tensor over all ranks as a differentiable op: every rank's output is the sum of every rank's input, so
/// the gradient of each rank's input is the sum over the ranks of their output gradients, an all-reduce again.
/// </summary>
internal sealed class AllReduceSum(ProcessGroup group) : Function
{
    public static Tensor Apply(ProcessGroup group, Tensor input) => new AllReduceSum(group).Apply(input);

    protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs) => group.AllReduce(inputs[0].Clone());

    protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [Apply(group, gradOutput)];
}
