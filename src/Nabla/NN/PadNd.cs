using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// The shared part of the padding layers (<see cref="ZeroPad2d"/>, <see cref="ConstantPad2d"/>, <see cref="ReflectionPad2d"/>,
/// <see cref="ReplicationPad2d"/>, <see cref="CircularPad2d"/> and their 1-D and 3-D forms), PyTorch's <c>_ConstantPadNd</c>,
/// <c>_ReflectionPadNd</c>, <c>_ReplicationPadNd</c> and <c>_CircularPadNd</c>: each pads the last 1, 2 or 3 dims with
/// <see cref="Functional.Pad"/> in its mode. The padding is PyTorch's: (before, after) pairs from the last dim backwards,
/// (left, right), then (top, bottom), then (front, back); negative values crop.
/// </summary>
public abstract class PadNd : Module
{
    private readonly int[] _padding;

    private protected PadNd(int dims, int[] padding, string mode, double value = 0)
    {
        ArgumentNullException.ThrowIfNull(padding);
        if (padding.Length != 2 * dims)
        {
            string names = dims switch { 1 => "(left, right)", 2 => "(left, right, top, bottom)", _ => "(left, right, top, bottom, front, back)" };
            throw new ArgumentException($"{TypeName}: padding must hold {2 * dims} values {names}, got {ShapeUtil.Format(padding)}.", nameof(padding));
        }
        Dims = dims;
        _padding = (int[])padding.Clone();
        Mode = mode;
        FillValue = value;
    }

    /// <summary>The padding, (before, after) pairs from the last dim backwards.</summary>
    public IReadOnlyList<int> Padding => _padding;

    /// <summary>The number of trailing dims padded: 1, 2 or 3.</summary>
    public int Dims { get; }

    /// <summary>The <see cref="Functional.Pad"/> mode: "constant", "reflect", "replicate" or "circular".</summary>
    public string Mode { get; }

    /// <summary>The value of the padded elements in "constant" mode.</summary>
    private protected double FillValue { get; }

    /// <summary>The padded input.</summary>
    /// <param name="input">The input: at least <see cref="Dims"/> dims in "constant" mode, else (C, *) or (N, C, *) with <see cref="Dims"/> spatial dims.</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (Mode == "constant")
        {
            if (input.Rank < Dims)
                throw new ArgumentException($"{TypeName}: expected an input with at least {Dims} dims to pad its last {Dims}, got {ShapeUtil.Describe(input)}.", nameof(input));
            return Functional.Pad(input, _padding, Mode, FillValue);
        }
        if (input.Rank != Dims + 1 && input.Rank != Dims + 2)
        {
            string spatial = Dims switch { 1 => "W", 2 => "H, W", _ => "D, H, W" };
            throw new ArgumentException($"{TypeName}: expected a {Dims + 1}-D (C, {spatial}) or {Dims + 2}-D (N, C, {spatial}) input, got {ShapeUtil.Describe(input)}.", nameof(input));
        }
        // Functional.Pad, as PyTorch 1.13's F.pad, pads circularly only with the batch dim; an unbatched input is a batch of one.
        return Mode == "circular" && input.Rank == Dims + 1
            ? Functional.Pad(input.Unsqueeze(0), _padding, Mode).Squeeze(0)
            : Functional.Pad(input, _padding, Mode);
    }

    /// <inheritdoc/>
    public override string ExtraRepr() => PaddingTuple();

    /// <summary>The padding as Python prints a tuple: <c>(1, 1, 2, 0)</c>.</summary>
    private protected string PaddingTuple() => "(" + string.Join(", ", _padding.Select(p => p.ToString(CultureInfo.InvariantCulture))) + ")";

    /// <summary><paramref name="padding"/> on both sides of each of <paramref name="dims"/> dims.</summary>
    private protected static int[] Uniform(int dims, int padding) => Enumerable.Repeat(padding, 2 * dims).ToArray();
}
