namespace Nabla;

/// <summary>Shape arithmetic shared by every op: strides, broadcasting, dimension normalisation.</summary>
internal static class ShapeUtil
{
    /// <summary>
    /// The number of elements of <paramref name="shape"/>. The product is checked as it grows, and so is the product of
    /// the dims counted as at least 1, which is the largest contiguous stride: a shape whose size or strides do not fit
    /// an int is an error naming it, never a count wrapped around to something small (or to 0).
    /// </summary>
    public static int Numel(ReadOnlySpan<int> shape)
    {
        long n = 1, extent = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Tensor with shape {Format(shape)} has a negative dimension.");
            n *= d;
            extent *= Math.Max(d, 1);
            // Both factors are at most int.MaxValue, so the products cannot overflow a long before this check.
            if (extent > int.MaxValue)
            {
                throw new ArgumentException(n == 0
                    ? $"Tensor with shape {Format(shape)} has strides beyond {int.MaxValue}, the most Nabla's int strides hold."
                    : $"Tensor with shape {Format(shape)} has more than {int.MaxValue} elements, the most a tensor holds.");
            }
        }
        return (int)n;
    }

    /// <summary>The multi-index of row-major element <paramref name="flat"/> in <paramref name="shape"/>, for messages.</summary>
    public static int[] Unravel(long flat, ReadOnlySpan<int> shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            int size = Math.Max(shape[d], 1);
            index[d] = (int)(flat % size);
            flat /= size;
        }
        return index;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static string Describe(Tensor t) => $"{Format(t.ShapeSpan)} {t.DType.Name()}";

    public static void ValidateShape(string op, ReadOnlySpan<int> shape)
    {
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"{op}: negative dimension in shape {Format(shape)}.");
        Numel(shape);
    }

    /// <summary>Normalises a possibly negative dimension index against <paramref name="rank"/>.</summary>
    public static int NormalizeDim(string op, int dim, int rank)
    {
        int r = Math.Max(rank, 1);
        if (dim < -r || dim >= r)
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dimension {dim} is out of range for a tensor of rank {rank} (expected in [{-r}, {r - 1}]).");
        return dim < 0 ? dim + r : dim;
    }

    /// <summary>Normalised, sorted, distinct dims; null or empty means all dims.</summary>
    public static int[] NormalizeDims(string op, int[]? dims, int rank)
    {
        if (dims is null || dims.Length == 0)
        {
            var all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        var result = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) result[i] = NormalizeDim(op, dims[i], rank);
        Array.Sort(result);
        for (int i = 1; i < result.Length; i++)
            if (result[i] == result[i - 1]) throw new ArgumentException($"{op}: dimension {result[i]} appears more than once in [{string.Join(", ", dims)}].");
        return result;
    }

    /// <summary>
    /// The NumPy broadcast of two tensors' shapes, or an error naming the op (a name or an <see cref="OpKind"/>, turned
    /// into text only when the error is raised) and both operands with their dtypes.
    /// </summary>
    public static int[] Broadcast<TOp>(TOp op, Tensor a, Tensor b) where TOp : notnull =>
        TryBroadcast(a.ShapeSpan, b.ShapeSpan, out int dim) ??
        throw BroadcastError(op.ToString()!, dim, a.ShapeSpan, b.ShapeSpan, Describe(a), Describe(b));

    /// <summary>The NumPy broadcast of two shapes, or an error naming the op and both shapes.</summary>
    public static int[] BroadcastShapes(string op, ReadOnlySpan<int> sa, ReadOnlySpan<int> sb) =>
        TryBroadcast(sa, sb, out int dim) ?? throw BroadcastError(op, dim, sa, sb, Format(sa), Format(sb));

    private static ArgumentException BroadcastError(string op, int dim, ReadOnlySpan<int> sa, ReadOnlySpan<int> sb, string describeA, string describeB)
    {
        int rank = Math.Max(sa.Length, sb.Length);
        int da = dim < rank - sa.Length ? 1 : sa[dim - (rank - sa.Length)];
        int db = dim < rank - sb.Length ? 1 : sb[dim - (rank - sb.Length)];
        return new ArgumentException($"{op}: shapes {describeA} and {describeB} cannot be broadcast together (dimension {dim}: {da} vs {db}).");
    }

    /// <summary>The broadcast shape, or null with the first incompatible dimension in <paramref name="badDim"/>.</summary>
    internal static int[]? TryBroadcast(ReadOnlySpan<int> sa, ReadOnlySpan<int> sb, out int badDim)
    {
        int rank = Math.Max(sa.Length, sb.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - sa.Length ? 1 : sa[i - (rank - sa.Length)];
            int db = i < rank - sb.Length ? 1 : sb[i - (rank - sb.Length)];
            if (da != db && da != 1 && db != 1)
            {
                badDim = i;
                return null;
            }
            result[i] = da == 1 ? db : da;
        }
        badDim = -1;
        return result;
    }

    /// <summary>Strides that view <paramref name="t"/> as <paramref name="shape"/> under broadcasting (0 on broadcast dims).</summary>
    public static int[] BroadcastStrides(Tensor t, ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int lead = shape.Length - t.Rank;
        for (int i = 0; i < t.Rank; i++)
            strides[lead + i] = t.ShapeSpan[i] == 1 && shape[lead + i] != 1 ? 0 : t.StridesSpan[i];
        return strides;
    }

    /// <summary>
    /// The error for an index outside a dimension: what .NET indexers throw, and the counterpart of PyTorch's IndexError.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2201:Do not raise reserved exception types",
        Justification = "An out-of-range index into a tensor is reported as .NET reports one into an array.")]
    public static IndexOutOfRangeException IndexError(string message) => new(message);

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);
}
