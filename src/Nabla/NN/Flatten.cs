using System.Globalization;

namespace Nabla.NN;

/// <summary>Flattens dims startDim..endDim into one (by default everything but the batch dim): (N, C, H, W) → (N, C·H·W).</summary>
public sealed class Flatten : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="startDim">The first dim flattened.</param>
    /// <param name="endDim">The last dim flattened (negative counts from the end).</param>
    public Flatten(int startDim = 1, int endDim = -1)
    {
        StartDim = startDim;
        EndDim = endDim;
    }

    /// <summary>The first dim flattened.</summary>
    public int StartDim { get; }

    /// <summary>The last dim flattened.</summary>
    public int EndDim { get; }

    /// <summary>The input with dims StartDim..EndDim merged (a view when the input is contiguous).</summary>
    /// <param name="input">A tensor with at least StartDim + 1 dims.</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Flatten(StartDim, EndDim);
    }

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"start_dim={StartDim}, end_dim={EndDim}");
}
