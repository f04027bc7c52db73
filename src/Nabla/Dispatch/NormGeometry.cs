namespace Nabla.Dispatch;

/// <summary>
/// How a batch, group or layer norm lays out its input: the kernel's view, (N, C, S) per channel for batch norm or
/// rows (<see cref="Rows"/>, <see cref="ChannelsPerGroup"/>, <see cref="Spatial"/>) for the others, and the shapes
/// the differentiable formula of its derivative reduces over.
/// </summary>
internal sealed class NormGeometry
{
    /// <summary>Batch norm (statistics per channel over N and S) rather than a row norm (statistics per row).</summary>
    public required bool IsBatch { get; init; }

    /// <summary>Whether the statistics are the input's own, so that they depend on it (false for batch norm in evaluation).</summary>
    public required bool BatchStatistics { get; init; }

    /// <summary>Rows of a row norm: N·groups for group norm, the leading elements for layer norm.</summary>
    public int Rows { get; init; }

    /// <summary>The groups the rows of a row norm cycle through (1 for layer norm).</summary>
    public int Groups { get; init; } = 1;

    /// <summary>Affine channels per row.</summary>
    public int ChannelsPerGroup { get; init; }

    /// <summary>Elements per affine channel in a row.</summary>
    public int Spatial { get; init; } = 1;

    /// <summary>The input reshaped so that each group of statistics is reduced over <see cref="StatDims"/>.</summary>
    public required int[] StatShape { get; init; }

    /// <summary>The dims of <see cref="StatShape"/> each statistic reduces.</summary>
    public required int[] StatDims { get; init; }

    /// <summary>The shape of fixed (running) statistics against <see cref="StatShape"/>.</summary>
    public int[] FixedStatShape { get; init; } = [];

    /// <summary>The shape of the weight, the bias and their gradients.</summary>
    public required int[] AffineShape { get; init; }

    /// <summary>The weight's shape when it is broadcast against the input.</summary>
    public required int[] AffineBroadcastShape { get; init; }

    /// <summary>The input's dims that the affine gradients sum over.</summary>
    public required int[] AffineSumDims { get; init; }

    /// <summary>The layout of batch norm of <paramref name="x"/>, (N, C, *).</summary>
    public static NormGeometry Of(Tensor x, OpKind.BatchNorm op)
    {
        var shape = x.ShapeArray;
        var allButChannel = Enumerable.Range(0, shape.Length).Where(d => d != 1).ToArray();
        var channelShape = ChannelShape(shape.Length, shape[1]);
        return new NormGeometry
        {
            IsBatch = true,
            BatchStatistics = op.Training,
            StatShape = (int[])shape.Clone(),
            StatDims = allButChannel,
            FixedStatShape = channelShape,
            AffineShape = [shape[1]],
            AffineBroadcastShape = channelShape,
            AffineSumDims = allButChannel,
        };
    }

    /// <summary>The layout of group norm of <paramref name="x"/>, (N, C, *).</summary>
    public static NormGeometry Of(Tensor x, OpKind.GroupNorm op)
    {
        var shape = x.ShapeArray;
        int n = shape[0], c = shape[1], s = 1;
        for (int d = 2; d < shape.Length; d++) s *= shape[d];
        int k = c / op.Groups;
        return new NormGeometry
        {
            IsBatch = false,
            BatchStatistics = true,
            Rows = n * op.Groups,
            Groups = op.Groups,
            ChannelsPerGroup = k,
            Spatial = s,
            StatShape = [n, op.Groups, k * s],
            StatDims = [2],
            AffineShape = [c],
            AffineBroadcastShape = ChannelShape(shape.Length, c),
            AffineSumDims = Enumerable.Range(0, shape.Length).Where(d => d != 1).ToArray(),
        };
    }

    /// <summary>The layout of layer norm of <paramref name="x"/> over its trailing normalised shape.</summary>
    public static NormGeometry Of(Tensor x, OpKind.LayerNorm op)
    {
        var shape = x.ShapeArray;
        int lead = shape.Length - op.NormalizedShape.Length, rows = 1, m = 1;
        for (int d = 0; d < lead; d++) rows *= shape[d];
        foreach (int size in op.NormalizedShape) m *= size;
        return new NormGeometry
        {
            IsBatch = false,
            BatchStatistics = true,
            Rows = rows,
            ChannelsPerGroup = m,
            StatShape = [.. shape[..lead], m],
            StatDims = [lead],
            AffineShape = (int[])op.NormalizedShape.Clone(),
            AffineBroadcastShape = (int[])op.NormalizedShape.Clone(),
            AffineSumDims = Enumerable.Range(0, lead).ToArray(),
        };
    }

    /// <summary>[1, C, 1, …] for broadcasting a per-channel vector over an input of rank <paramref name="rank"/>.</summary>
    public static int[] ChannelShape(int rank, int channels)
    {
        var shape = new int[rank];
        Array.Fill(shape, 1);
        shape[1] = channels;
        return shape;
    }
}
