using Nabla.Dispatch;

namespace Nabla.NN;

public static partial class Functional
{
    /// <summary>
    /// Layer normalisation (Ba et al., 2016): over the trailing dims given by <paramref name="normalizedShape"/>,
    /// y = (x − E[x]) / √(Var[x] + eps) · weight + bias, with the biased variance.
    /// </summary>
    /// <param name="input">The input, (*, normalizedShape...).</param>
    /// <param name="normalizedShape">The trailing shape that is normalised.</param>
    /// <param name="weight">The optional scale, of shape <paramref name="normalizedShape"/>.</param>
    /// <param name="bias">The optional shift, of shape <paramref name="normalizedShape"/>.</param>
    /// <param name="eps">Added to the variance for stability.</param>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        RequireFloat("LayerNorm", input);
        int k = normalizedShape.Length;
        bool fits = k > 0 && k <= input.Rank;
        for (int i = 0; fits && i < k; i++) fits = input.Shape[input.Rank - k + i] == normalizedShape[i];
        if (!fits)
            throw new ArgumentException($"LayerNorm: expected input with trailing shape {ShapeUtil.Format(normalizedShape)}, got {ShapeUtil.Describe(input)}.", nameof(input));
        CheckAffine("LayerNorm", input, weight, normalizedShape, "weight");
        CheckAffine("LayerNorm", input, bias, normalizedShape, "bias");
        int rows = 1, m = 1;
        for (int d = 0; d < input.Rank - k; d++) rows *= input.Shape[d];
        foreach (int size in normalizedShape) m *= size;
        var mean = new double[rows];
        var rstd = new double[rows];
        var output = Normalization.RowNorm(input, weight, bias, rows, 1, m, 1, eps, mean, rstd);
        return Tensor.Record(output, new OpKind.LayerNorm((int[])normalizedShape.Clone(), weight is not null, bias is not null, eps, mean, rstd), Inputs(input, weight, bias));
    }

    /// <summary>
    /// Group normalisation (Wu and He, 2018): the C channels of an (N, C, *) input are split into
    /// <paramref name="numGroups"/> groups, each group of each sample is normalised with its own mean and biased
    /// variance, then scaled and shifted per channel.
    /// </summary>
    /// <param name="input">The input, (N, C, *).</param>
    /// <param name="numGroups">The number of groups; must divide C.</param>
    /// <param name="weight">The optional per-channel scale, (C).</param>
    /// <param name="bias">The optional per-channel shift, (C).</param>
    /// <param name="eps">Added to the variance for stability.</param>
    public static Tensor GroupNorm(Tensor input, int numGroups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        RequireFloat("GroupNorm", input);
        if (input.Rank < 2)
            throw new ArgumentException($"GroupNorm: expected input (N, C, *), got {ShapeUtil.Describe(input)}.", nameof(input));
        int n = input.Shape[0], c = input.Shape[1];
        if (numGroups <= 0 || c % numGroups != 0)
            throw new ArgumentException($"GroupNorm: {c} channels cannot be split into {numGroups} groups (input {ShapeUtil.Describe(input)}).", nameof(numGroups));
        CheckAffine("GroupNorm", input, weight, [c], "weight");
        CheckAffine("GroupNorm", input, bias, [c], "bias");
        int spatial = 1;
        for (int d = 2; d < input.Rank; d++) spatial *= input.Shape[d];
        var mean = new double[n * numGroups];
        var rstd = new double[n * numGroups];
        var output = Normalization.RowNorm(input, weight, bias, n * numGroups, numGroups, c / numGroups, spatial, eps, mean, rstd);
        return Tensor.Record(output, new OpKind.GroupNorm(numGroups, weight is not null, bias is not null, eps, mean, rstd), Inputs(input, weight, bias));
    }

    /// <summary>
    /// Batch normalisation (Ioffe and Szegedy, 2015) of an (N, C, *) input per channel. In training mode (or when
    /// no running statistics are given) it uses the batch mean and biased variance over N and the spatial dims,
    /// and updates the running statistics in place:
    /// running_mean ← (1 − momentum)·running_mean + momentum·mean and
    /// running_var ← (1 − momentum)·running_var + momentum·unbiased_var. In evaluation mode it uses the running
    /// statistics. Then y = (x − mean) / √(var + eps) · weight + bias.
    /// </summary>
    /// <param name="input">The input, (N, C, *).</param>
    /// <param name="runningMean">The running mean, (C), or null.</param>
    /// <param name="runningVar">The running variance, (C), or null.</param>
    /// <param name="weight">The optional per-channel scale, (C).</param>
    /// <param name="bias">The optional per-channel shift, (C).</param>
    /// <param name="training">Use and record batch statistics (true) or use the running ones (false).</param>
    /// <param name="momentum">The weight of the new batch in the running statistics.</param>
    /// <param name="eps">Added to the variance for stability.</param>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        RequireFloat("BatchNorm", input);
        if (input.Rank < 2)
            throw new ArgumentException($"BatchNorm: expected input (N, C, *), got {ShapeUtil.Describe(input)}.", nameof(input));
        if ((runningMean is null) != (runningVar is null))
            throw new ArgumentException("BatchNorm: runningMean and runningVar must be given together.");
        int c = input.Shape[1];
        CheckAffine("BatchNorm", input, runningMean, [c], "runningMean");
        CheckAffine("BatchNorm", input, runningVar, [c], "runningVar");
        CheckAffine("BatchNorm", input, weight, [c], "weight");
        CheckAffine("BatchNorm", input, bias, [c], "bias");
        bool batchStatistics = training || runningMean is null;
        int count = input.Numel / Math.Max(c, 1);
        if (batchStatistics && count <= 1)
            throw new ArgumentException($"BatchNorm: expected more than 1 value per channel when training, got input {ShapeUtil.Describe(input)}.", nameof(input));
        double[] mean, variance;
        if (batchStatistics)
        {
            mean = new double[c];
            variance = new double[c];
        }
        else
        {
            mean = runningMean!.To(DType.Float64).ReadContiguous<double>().ToArray();
            variance = runningVar!.To(DType.Float64).ReadContiguous<double>().ToArray();
        }
        var rstd = new double[c];
        var output = Normalization.BatchNorm(input, weight, bias, batchStatistics, eps, mean, variance, rstd);
        if (training && runningMean is not null)
        {
            // PyTorch records the unbiased variance in the running statistics.
            var unbiased = new double[c];
            for (int i = 0; i < c; i++) unbiased[i] = variance[i] * count / (count - 1);
            using var noGrad = Autograd.NoGrad();
            runningMean.MulInPlace(1 - momentum).AddInPlace(Tensor.FromArray(mean, c).To(runningMean.DType), momentum);
            runningVar!.MulInPlace(1 - momentum).AddInPlace(Tensor.FromArray(unbiased, c).To(runningVar.DType), momentum);
        }
        return Tensor.Record(output, new OpKind.BatchNorm(batchStatistics, weight is not null, bias is not null, eps, mean, rstd), Inputs(input, weight, bias));
    }

    /// <summary>
    /// Instance normalisation (Ulyanov et al., 2016), as <c>torch.nn.functional.instance_norm</c>: each channel of each
    /// sample of an (N, C, *) input is normalised over its spatial dims, y = (x − E[x]) / √(Var[x] + eps) · weight + bias,
    /// with the biased variance. With <paramref name="useInputStats"/> false the running statistics are used instead,
    /// per channel. With <paramref name="useInputStats"/> and running statistics, these are updated in place with the
    /// statistics averaged over the batch: running_mean ← (1 − momentum)·running_mean + momentum·mean and
    /// running_var ← (1 − momentum)·running_var + momentum·unbiased_var. The forward pass is the fused group norm with
    /// one group per channel (or, from running statistics, the fused evaluation-mode batch norm).
    /// </summary>
    /// <param name="input">The input, (N, C, *).</param>
    /// <param name="runningMean">The running mean, (C), or null.</param>
    /// <param name="runningVar">The running variance, (C), or null.</param>
    /// <param name="weight">The optional per-channel scale, (C).</param>
    /// <param name="bias">The optional per-channel shift, (C).</param>
    /// <param name="useInputStats">Normalise with each instance's statistics (true) or with the running ones (false).</param>
    /// <param name="momentum">The weight of the new statistics in the running ones.</param>
    /// <param name="eps">Added to the variance for stability.</param>
    public static Tensor InstanceNorm(Tensor input, Tensor? runningMean = null, Tensor? runningVar = null, Tensor? weight = null, Tensor? bias = null,
        bool useInputStats = true, double momentum = 0.1, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        RequireFloat("InstanceNorm", input);
        if (input.Rank < 2)
            throw new ArgumentException($"InstanceNorm: expected input (N, C, *), got {ShapeUtil.Describe(input)}.", nameof(input));
        if ((runningMean is null) != (runningVar is null))
            throw new ArgumentException("InstanceNorm: runningMean and runningVar must be given together.");
        if (!useInputStats && runningMean is null)
            throw new ArgumentException($"InstanceNorm: running statistics are needed when useInputStats is false (input {ShapeUtil.Describe(input)}).", nameof(runningMean));
        int n = input.Shape[0], c = input.Shape[1];
        CheckAffine("InstanceNorm", input, runningMean, [c], "runningMean");
        CheckAffine("InstanceNorm", input, runningVar, [c], "runningVar");
        CheckAffine("InstanceNorm", input, weight, [c], "weight");
        CheckAffine("InstanceNorm", input, bias, [c], "bias");
        if (!useInputStats) return BatchNorm(input, runningMean, runningVar, weight, bias, training: false, eps: eps);

        int spatial = n * c == 0 ? 0 : input.Numel / (n * c);
        if (spatial <= 1)
            throw new ArgumentException($"InstanceNorm: expected more than 1 spatial element per channel when using input statistics, got input {ShapeUtil.Describe(input)}.", nameof(input));
        if (runningMean is not null)
        {
            using var noGrad = Autograd.NoGrad();
            var instances = input.Reshape(n, c, spatial);
            // The instances' statistics, averaged over the batch, as PyTorch updates each instance's copy and then averages them.
            var mean = instances.Mean(2).Mean(0);
            var unbiased = instances.Var(2).Mean(0);
            runningMean.MulInPlace(1 - momentum).AddInPlace(mean.To(runningMean.DType), momentum);
            runningVar!.MulInPlace(1 - momentum).AddInPlace(unbiased.To(runningVar.DType), momentum);
        }
        return GroupNorm(input, c, weight, bias, eps);
    }

    /// <summary>The recorded inputs of a norm: the input, then the weight and the bias when given.</summary>
    private static Tensor[] Inputs(Tensor input, Tensor? weight, Tensor? bias) =>
        (weight, bias) switch
        {
            (null, null) => [input],
            (null, _) => [input, bias],
            (_, null) => [input, weight],
            _ => [input, weight, bias],
        };

    /// <summary>[1, C, 1, …] for broadcasting a per-channel vector over an input of rank <paramref name="rank"/>.</summary>
    private static int[] ChannelShape(int rank, int channels) => NormGeometry.ChannelShape(rank, channels);

    private static void CheckAffine(string op, Tensor input, Tensor? t, int[] expected, string name)
    {
        if (t is null) return;
        if (!ShapeUtil.SameShape(t.ShapeSpan, expected))
            throw new ArgumentException($"{op}: {name} must have shape {ShapeUtil.Format(expected)}, got {ShapeUtil.Describe(t)}.", name);
        if (t.DType != input.DType && name is "weight" or "bias")
            throw new ArgumentException($"{op}: {name} {ShapeUtil.Describe(t)} must have the input's dtype, got input {ShapeUtil.Describe(input)}.", name);
    }
}
