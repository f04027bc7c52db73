namespace Nabla;

/// <summary>
/// One entry of a tensor index, as in PyTorch's <c>x[...]</c>: an integer (selects and removes a dim), a slice
/// (C# ranges <c>1..3</c>, <c>^2..</c>, <c>..</c>, or <see cref="Slice"/> with a step), <see cref="Ellipsis"/>,
/// <see cref="NewAxis"/> (None), or an index tensor (int64 positions, broadcast together with the other index
/// tensors; a Bool tensor is a mask). Integers, ranges, <see cref="Index"/> and tensors convert implicitly, so
/// <c>x[0, 1..^1, TensorIndex.NewAxis, idx]</c> reads as in Python.
/// </summary>
public sealed class TensorIndex
{
    private TensorIndex(TensorIndexKind kind) => Kind = kind;

    /// <summary>What this entry is.</summary>
    public TensorIndexKind Kind { get; }

    /// <summary>For an integer index: the position (negative counts from the end).</summary>
    public int Value { get; private init; }

    /// <summary>For an integer index made from a C# <see cref="Index"/> <c>^n</c>: true, and <see cref="Value"/> is n.</summary>
    public bool FromEnd { get; private init; }

    /// <summary>For a slice: the first position, or null for the start of the dim.</summary>
    public Index? Start { get; private init; }

    /// <summary>For a slice: the position after the last, or null for the end of the dim.</summary>
    public Index? Stop { get; private init; }

    /// <summary>For a slice: the step (positive, as PyTorch requires).</summary>
    public int Step { get; private init; } = 1;

    /// <summary>For a tensor index: the index tensor.</summary>
    public Tensor? Tensor { get; private init; }

    /// <summary>Stands for as many full slices as the other entries leave dims (Python's <c>...</c>).</summary>
    public static TensorIndex Ellipsis { get; } = new(TensorIndexKind.Ellipsis);

    /// <summary>Inserts a dim of size 1 (Python's <c>None</c>).</summary>
    public static TensorIndex NewAxis { get; } = new(TensorIndexKind.NewAxis);

    /// <summary>The whole dim (Python's <c>:</c>, C#'s <c>..</c>).</summary>
    public static TensorIndex All { get; } = new(TensorIndexKind.Slice);

    /// <summary>Selects the position <paramref name="index"/> and removes the dim; negative counts from the end.</summary>
    public static TensorIndex Single(int index) => new(TensorIndexKind.Integer) { Value = index };

    /// <summary>
    /// Python's slice <c>start:stop:step</c>: null bounds mean the start and the end of the dim, negative bounds count
    /// from the end, and out-of-range bounds are clamped; <paramref name="step"/> must be positive.
    /// </summary>
    public static TensorIndex Slice(int? start = null, int? stop = null, int step = 1)
    {
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), $"TensorIndex.Slice: step must be greater than zero, got {step}.");
        return new(TensorIndexKind.Slice) { Start = ToIndex(start), Stop = ToIndex(stop), Step = step };
    }

    /// <summary>An index tensor (int64 positions, or a Bool mask over as many dims as it has).</summary>
    public static TensorIndex FromTensor(Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return new(TensorIndexKind.Tensor) { Tensor = index };
    }

    /// <summary>An integer index.</summary>
    public static implicit operator TensorIndex(int index) => Single(index);

    /// <summary>An integer index from a C# <see cref="System.Index"/> (<c>^1</c> is the last position).</summary>
    public static implicit operator TensorIndex(Index index) =>
        new(TensorIndexKind.Integer) { Value = index.Value, FromEnd = index.IsFromEnd };

    /// <summary>A slice with step 1 from a C# <see cref="System.Range"/> (<c>1..3</c>, <c>..^1</c>, <c>..</c>).</summary>
    public static implicit operator TensorIndex(Range range) =>
        new(TensorIndexKind.Slice) { Start = range.Start, Stop = range.End };

    /// <summary>An index tensor.</summary>
    public static implicit operator TensorIndex(Tensor index) => FromTensor(index);

    /// <summary>Python's spelling of this entry, for messages.</summary>
    public override string ToString() => Kind switch
    {
        TensorIndexKind.Integer => FromEnd ? $"^{Value}" : Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        TensorIndexKind.Slice => $"{Format(Start)}:{Format(Stop)}{(Step == 1 ? "" : $":{Step}")}",
        TensorIndexKind.Ellipsis => "...",
        TensorIndexKind.NewAxis => "None",
        _ => $"tensor({ShapeUtil.Describe(Tensor!)})",
    };

    /// <summary>The position of an integer index in a dim of <paramref name="size"/>, or −1 when it is out of range.</summary>
    internal int Resolve(int size)
    {
        long i = FromEnd ? (long)size - Value : Value < 0 ? (long)Value + size : Value;
        return i >= 0 && i < size ? (int)i : -1;
    }

    /// <summary>The (start, length) of a slice in a dim of <paramref name="size"/>, bounds clamped as in Python.</summary>
    internal (int Start, int Length) ResolveSlice(int size)
    {
        int start = Start is { } s ? Math.Clamp(s.IsFromEnd ? size - s.Value : s.Value, 0, size) : 0;
        int stop = Stop is { } e ? Math.Clamp(e.IsFromEnd ? size - e.Value : e.Value, 0, size) : size;
        int length = stop <= start ? 0 : ((stop - start) + Step - 1) / Step;
        return (start, length);
    }

    private static Index? ToIndex(int? bound) => bound switch
    {
        null => null,
        < 0 => new Index(-bound.Value, fromEnd: true),
        _ => new Index(bound.Value),
    };

    private static string Format(Index? bound) =>
        bound is not { } b ? "" : b.IsFromEnd ? $"-{b.Value}" : b.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The kinds of <see cref="TensorIndex"/> entries.</summary>
public enum TensorIndexKind
{
    /// <summary>A single position; removes the dim.</summary>
    Integer,

    /// <summary>A range of positions with a step; keeps the dim.</summary>
    Slice,

    /// <summary>Python's <c>...</c>.</summary>
    Ellipsis,

    /// <summary>Python's <c>None</c>: a new dim of size 1.</summary>
    NewAxis,

    /// <summary>An index tensor (advanced indexing).</summary>
    Tensor,
}
