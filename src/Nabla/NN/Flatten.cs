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

/// <summary>
/// Splits one dim into several, the inverse of <see cref="Flatten"/>, as PyTorch's <c>nn.Unflatten</c>:
/// <c>new Unflatten(1, [2, 5])</c> turns (N, 10) into (N, 2, 5).
/// </summary>
public sealed class Unflatten : Module
{
    private readonly int[] _unflattenedSize;

    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dim split (negative counts from the end).</param>
    /// <param name="unflattenedSize">The sizes it is split into; one may be −1.</param>
    public Unflatten(int dim, int[] unflattenedSize)
    {
        ArgumentNullException.ThrowIfNull(unflattenedSize);
        if (unflattenedSize.Length == 0) throw new ArgumentException("Unflatten: unflattenedSize must be non-empty.", nameof(unflattenedSize));
        Dim = dim;
        _unflattenedSize = (int[])unflattenedSize.Clone();
    }

    /// <summary>The dim split.</summary>
    public int Dim { get; }

    /// <summary>The sizes it is split into.</summary>
    public IReadOnlyList<int> UnflattenedSize => _unflattenedSize;

    /// <summary>The input with dim <see cref="Dim"/> split into <see cref="UnflattenedSize"/> (a view when the input is contiguous).</summary>
    /// <param name="input">A tensor whose dim <see cref="Dim"/> has the product of the sizes.</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Unflatten(Dim, _unflattenedSize);
    }

    /// <inheritdoc/>
    public override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture, $"dim={Dim}, unflattened_size=({string.Join(", ", _unflattenedSize)}{(_unflattenedSize.Length == 1 ? "," : "")})");
}
