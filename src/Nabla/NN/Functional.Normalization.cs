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
        CheckAffine("LayerNorm", weight, normalizedShape, "weight");
        CheckAffine("LayerNorm", bias, normalizedShape, "bias");
        var dims = Enumerable.Range(input.Rank - k, k).ToArray();
        var normalized = Normalize(input, dims, eps);
        if (weight is not null) normalized = normalized * weight;
        return bias is null ? normalized : normalized + bias;
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
        CheckAffine("GroupNorm", weight, [c], "weight");
        CheckAffine("GroupNorm", bias, [c], "bias");
        var shape = input.Shape.ToArray();
        var normalized = Normalize(input.Reshape(n, numGroups, -1), [2], eps).Reshape(shape);
        var channelShape = ChannelShape(input.Rank, c);
        if (weight is not null) normalized = normalized * weight.Reshape(channelShape);
        return bias is null ? normalized : normalized + bias.Reshape(channelShape);
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
        CheckAffine("BatchNorm", runningMean, [c], "runningMean");
        CheckAffine("BatchNorm", runningVar, [c], "runningVar");
        CheckAffine("BatchNorm", weight, [c], "weight");
        CheckAffine("BatchNorm", bias, [c], "bias");
        var channelShape = ChannelShape(input.Rank, c);

        if (!training && runningMean is not null)
        {
            var scale = (runningVar! + eps).Rsqrt();
            if (weight is not null) scale = scale * weight;
            var shift = -runningMean * scale;
            if (bias is not null) shift = shift + bias;
            return input * scale.Reshape(channelShape) + shift.Reshape(channelShape);
        }

        int count = input.Numel / Math.Max(c, 1);
        if (count <= 1)
            throw new ArgumentException($"BatchNorm: expected more than 1 value per channel when training, got input {ShapeUtil.Describe(input)}.", nameof(input));
        var dims = Enumerable.Range(0, input.Rank).Where(d => d != 1).ToArray();
        var mean = input.Mean(dims, keepDim: true);
        var centered = input - mean;
        var variance = (centered * centered).Mean(dims, keepDim: true);
        if (training && runningMean is not null)
        {
            using var noGrad = Autograd.NoGrad();
            runningMean.MulInPlace(1 - momentum).AddInPlace(mean.Detach().Reshape(c), momentum);
            runningVar!.MulInPlace(1 - momentum).AddInPlace(variance.Detach().Reshape(c), momentum * count / (count - 1));
        }
        var factor = (variance + eps).Rsqrt();
        if (weight is not null) factor = factor * weight.Reshape(channelShape);
        var output = centered * factor;
        return bias is null ? output : output + bias.Reshape(channelShape);
    }

    /// <summary>(x − mean) / √(biased var + eps) over <paramref name="dims"/>.</summary>
    private static Tensor Normalize(Tensor input, int[] dims, double eps)
    {
        var centered = input - input.Mean(dims, keepDim: true);
        var variance = (centered * centered).Mean(dims, keepDim: true);
        return centered * (variance + eps).Rsqrt();
    }

    /// <summary>[1, C, 1, …] for broadcasting a per-channel vector over an input of rank <paramref name="rank"/>.</summary>
    private static int[] ChannelShape(int rank, int channels)
    {
        var shape = new int[rank];
        Array.Fill(shape, 1);
        shape[1] = channels;
        return shape;
    }

    private static void CheckAffine(string op, Tensor? t, int[] expected, string name)
    {
        if (t is not null && !ShapeUtil.SameShape(t.ShapeSpan, expected))
            throw new ArgumentException($"{op}: {name} must have shape {ShapeUtil.Format(expected)}, got {ShapeUtil.Describe(t)}.", name);
    }
}
