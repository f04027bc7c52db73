using Nabla.Dispatch;

namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>
    /// The elements in reverse order along each of <paramref name="dims"/> (as <c>torch.flip</c>); a copy, never a view.
    /// With no dims it is a plain copy.
    /// </summary>
    /// <param name="dims">The dims to reverse (negative counts from the end), each at most once.</param>
    public Tensor Flip(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length == 0) return Clone();
        var d = ShapeUtil.NormalizeDims("Flip", dims, Rank);
        if (Rank == 0) return Clone();
        var flipped = new bool[Rank];
        foreach (int k in d) flipped[k] = true;
        return Record(Indexing.Flip(this, flipped), new OpKind.Flip(d), this);
    }

    /// <summary>Reverses the columns (dim 1) of a tensor of rank ≥ 2, as <c>torch.fliplr</c>.</summary>
    public Tensor Fliplr()
    {
        if (Rank < 2) throw new ArgumentException($"Fliplr: the input must have at least 2 dims, got {ShapeUtil.Describe(this)}.");
        return Flip(1);
    }

    /// <summary>Reverses the rows (dim 0) of a tensor of rank ≥ 1, as <c>torch.flipud</c>.</summary>
    public Tensor Flipud()
    {
        if (Rank < 1) throw new ArgumentException($"Flipud: the input must have at least 1 dim, got {ShapeUtil.Describe(this)}.");
        return Flip(0);
    }

    /// <summary>
    /// Rolls the elements along <paramref name="dims"/> by <paramref name="shifts"/> (as <c>torch.roll</c>): an element
    /// at index i moves to (i + shift) mod n, wrapping around. Without dims the tensor is flattened, rolled by its one
    /// shift and given its shape back. Composed of two narrows and a concatenation per rolled dim.
    /// </summary>
    /// <param name="shifts">The shift of each dim in <paramref name="dims"/> (any sign, any size).</param>
    /// <param name="dims">The dims to roll, as many as shifts; null rolls the flattened tensor.</param>
    public Tensor Roll(int[] shifts, int[]? dims = null)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        if (dims is null || dims.Length == 0)
        {
            if (shifts.Length != 1)
                throw new ArgumentException($"Roll: without dims exactly one shift is allowed, got {shifts.Length} for {ShapeUtil.Describe(this)}.");
            return Flatten().RollDim(shifts[0], 0).View(ShapeArray);
        }
        if (shifts.Length != dims.Length)
            throw new ArgumentException($"Roll: shifts and dims must have the same length, got {shifts.Length} shifts and {dims.Length} dims for {ShapeUtil.Describe(this)}.");
        var result = this;
        for (int i = 0; i < dims.Length; i++) result = result.RollDim(shifts[i], ShapeUtil.NormalizeDim("Roll", dims[i], Rank));
        return result;
    }

    /// <summary>Rolls by <paramref name="shifts"/> along <paramref name="dim"/>, or the flattened tensor when dim is null (as <c>torch.roll</c>).</summary>
    /// <param name="shifts">The shift (any sign).</param>
    /// <param name="dim">The dim to roll; null rolls the flattened tensor.</param>
    public Tensor Roll(int shifts, int? dim = null) => Roll([shifts], dim is null ? null : [dim.Value]);

    private Tensor RollDim(int shift, int dim)
    {
        int n = ShapeArray[dim];
        if (n == 0) return this;
        int s = (int)(((shift % (long)n) + n) % n);
        if (s == 0) return this;
        return Cat([Narrow(dim, n - s, s), Narrow(dim, 0, n - s)], dim);
    }

    /// <summary>
    /// Tiles the tensor <paramref name="repeats"/>[i] times along dim i (as <c>torch.Tensor.repeat</c>). There must be
    /// at least as many repeats as dims; extra leading repeats add new leading dims. Composed of an expand and a reshape.
    /// </summary>
    /// <param name="repeats">Non-negative repeat counts, one per dim of the result.</param>
    public Tensor Repeat(params int[] repeats)
    {
        ArgumentNullException.ThrowIfNull(repeats);
        if (repeats.Length < Rank)
        {
            throw new ArgumentException(
                $"Repeat: the number of repeats ({repeats.Length}, {ShapeUtil.Format(repeats)}) cannot be smaller than the number of dims of the input {ShapeUtil.Describe(this)}.");
        }
        if (repeats.Any(r => r < 0)) throw new ArgumentException($"Repeat: repeats must be non-negative, got {ShapeUtil.Format(repeats)}.");
        int lead = repeats.Length - Rank;
        var split = new int[2 * repeats.Length];
        var expanded = new int[2 * repeats.Length];
        var final = new int[repeats.Length];
        for (int i = 0; i < repeats.Length; i++)
        {
            int size = i < lead ? 1 : ShapeArray[i - lead];
            split[2 * i] = 1;
            split[(2 * i) + 1] = size;
            expanded[2 * i] = repeats[i];
            expanded[(2 * i) + 1] = size;
            final[i] = repeats[i] * size;
        }
        return Reshape(split).Expand(expanded).Reshape(final);
    }

    /// <summary>
    /// Tiles the tensor as <c>torch.tile</c>: like <see cref="Repeat"/>, but with fewer reps than dims the reps are
    /// padded with leading 1s (so the leading dims are kept as they are).
    /// </summary>
    /// <param name="reps">Non-negative repeat counts for the trailing dims (or for more dims than the input has).</param>
    public Tensor Tile(params int[] reps)
    {
        ArgumentNullException.ThrowIfNull(reps);
        if (reps.Length >= Rank) return Repeat(reps);
        var padded = new int[Rank];
        Array.Fill(padded, 1);
        reps.CopyTo(padded, Rank - reps.Length);
        return Repeat(padded);
    }

    /// <summary>
    /// Repeats every element (or every slice along <paramref name="dim"/>) <paramref name="repeats"/> times in place,
    /// as <c>torch.repeat_interleave</c>: [a, b] becomes [a, a, b, b]. Without a dim the tensor is flattened first.
    /// </summary>
    /// <param name="repeats">The number of copies of each element, ≥ 0.</param>
    /// <param name="dim">The dim along which to repeat; null repeats the flattened elements.</param>
    public Tensor RepeatInterleave(int repeats, int? dim = null)
    {
        if (repeats < 0) throw new ArgumentException($"RepeatInterleave: repeats must be non-negative, got {repeats} for {ShapeUtil.Describe(this)}.");
        var x = dim is null ? Flatten() : this;
        int d = ShapeUtil.NormalizeDim("RepeatInterleave", dim ?? 0, x.Rank);
        if (x.Rank == 0) x = x.Reshape(1);
        var shape = new List<int>(x.ShapeArray);
        shape.Insert(d + 1, repeats);
        return x.Unsqueeze(d + 1).Expand([.. shape]).Flatten(d, d + 1);
    }

    /// <summary>
    /// Repeats slice i along <paramref name="dim"/> <paramref name="repeats"/>[i] times, as <c>torch.repeat_interleave</c>
    /// with a tensor of repeats: an int64 tensor with one non-negative count per slice, or a single count for all.
    /// Without a dim the tensor is flattened first. Composed of an index selection.
    /// </summary>
    /// <param name="repeats">int64 counts, 0-D, one element, or one per slice along the dim.</param>
    /// <param name="dim">The dim along which to repeat; null repeats the flattened elements.</param>
    public Tensor RepeatInterleave(Tensor repeats, int? dim = null)
    {
        ArgumentNullException.ThrowIfNull(repeats);
        var x = dim is null ? Flatten() : this;
        int d = ShapeUtil.NormalizeDim("RepeatInterleave", dim ?? 0, x.Rank);
        if (x.Rank == 0) x = x.Reshape(1);
        if (repeats.DType != DType.Int64 || repeats.Rank > 1)
            throw new ArgumentException($"RepeatInterleave: repeats must be a 0-D or 1-D int64 tensor, got {ShapeUtil.Describe(repeats)} for input {ShapeUtil.Describe(this)}.");
        int n = x.ShapeArray[d];
        var counts = repeats.ToArray<long>();
        if (counts.Length != 1 && counts.Length != n)
        {
            throw new ArgumentException(
                $"RepeatInterleave: repeats {ShapeUtil.Describe(repeats)} must have one element or {n}, the size of dim {d} of input {ShapeUtil.Describe(x)}.");
        }
        if (counts.Any(c => c < 0)) throw new ArgumentException($"RepeatInterleave: repeats must be non-negative, got [{string.Join(", ", counts)}].");
        var index = new List<long>();
        for (int i = 0; i < n; i++)
        {
            long c = counts.Length == 1 ? counts[0] : counts[i];
            for (long k = 0; k < c; k++) index.Add(i);
        }
        return x.IndexSelect(d, FromArray(index.ToArray(), index.Count));
    }

    /// <summary>
    /// A view of a diagonal of the matrices in dims <paramref name="dim1"/> and <paramref name="dim2"/>, as
    /// <c>torch.diagonal</c>: those dims are removed and the diagonal is appended as the last dim. Offset 0 is the
    /// main diagonal, positive offsets lie above it and negative ones below.
    /// </summary>
    /// <param name="offset">Which diagonal.</param>
    /// <param name="dim1">The first dim of the matrices (their rows).</param>
    /// <param name="dim2">The second dim of the matrices (their columns).</param>
    public Tensor Diagonal(int offset = 0, int dim1 = 0, int dim2 = 1)
    {
        if (Rank < 2) throw new ArgumentException($"Diagonal: the input must have at least 2 dims, got {ShapeUtil.Describe(this)}.");
        int a = ShapeUtil.NormalizeDim("Diagonal", dim1, Rank), b = ShapeUtil.NormalizeDim("Diagonal", dim2, Rank);
        if (a == b) throw new ArgumentException($"Diagonal: dim1 and dim2 cannot be the same dim ({dim1}, {dim2}) of {ShapeUtil.Describe(this)}.");
        return Record(DiagonalView(offset, a, b), new OpKind.Diagonal(offset, a, b), this);
    }

    /// <summary>The diagonal view of normalised, distinct dims <paramref name="a"/> and <paramref name="b"/>; never recorded.</summary>
    internal Tensor DiagonalView(int offset, int a, int b)
    {
        int rows = ShapeArray[a], cols = ShapeArray[b];
        long length = offset >= 0 ? Math.Min(rows, (long)cols - offset) : Math.Min((long)rows + offset, cols);
        int n = (int)Math.Max(length, 0);
        int start = Offset;
        if (n > 0) start += offset >= 0 ? offset * StridesArray[b] : -offset * StridesArray[a];
        var shape = new List<int>(Rank - 1);
        var strides = new List<int>(Rank - 1);
        for (int i = 0; i < Rank; i++)
        {
            if (i == a || i == b) continue;
            shape.Add(ShapeArray[i]);
            strides.Add(StridesArray[i]);
        }
        shape.Add(n);
        strides.Add(StridesArray[a] + StridesArray[b]);
        return ViewRaw([.. shape], [.. strides], start);
    }

    /// <summary>
    /// Matrices whose diagonal <paramref name="offset"/> (in dims <paramref name="dim1"/>, <paramref name="dim2"/> of
    /// the result) holds the last dim of this tensor, zeros elsewhere, as <c>torch.diag_embed</c>. The result has one
    /// dim more; the matrices are square, of the last dim's size plus |offset|.
    /// </summary>
    /// <param name="offset">Which diagonal to fill.</param>
    /// <param name="dim1">The first dim of the matrices in the result.</param>
    /// <param name="dim2">The second dim of the matrices in the result.</param>
    public Tensor DiagEmbed(int offset = 0, int dim1 = -2, int dim2 = -1)
    {
        if (Rank < 1) throw new ArgumentException($"DiagEmbed: the input must have at least 1 dim, got {ShapeUtil.Describe(this)}.");
        int a = ShapeUtil.NormalizeDim("DiagEmbed", dim1, Rank + 1), b = ShapeUtil.NormalizeDim("DiagEmbed", dim2, Rank + 1);
        if (a == b) throw new ArgumentException($"DiagEmbed: dim1 and dim2 cannot be the same dim ({dim1}, {dim2}) of the result for input {ShapeUtil.Describe(this)}.");
        int m = checked(ShapeArray[^1] + Math.Abs(offset));
        var shape = new int[Rank + 1];
        for (int i = 0, j = 0; i < shape.Length; i++) shape[i] = i == a || i == b ? m : ShapeArray[j++];
        return DiagEmbedOp(this, shape, offset, a, b);
    }

    /// <summary>The DiagEmbed primitive: zeros of <paramref name="shape"/> with <paramref name="x"/> on the diagonal; the adjoint of <see cref="Diagonal"/>.</summary>
    internal static Tensor DiagEmbedOp(Tensor x, int[] shape, int offset, int a, int b) =>
        Record(Indexing.DiagEmbed(x, (int[])shape.Clone(), t => t.DiagonalView(offset, a, b)), new OpKind.DiagEmbed((int[])shape.Clone(), offset, a, b), x);

    /// <summary>
    /// As <c>torch.diag</c>: a 1-D input becomes the square matrix with it on diagonal <paramref name="diagonal"/>; a
    /// 2-D input gives a copy of that diagonal as a 1-D tensor.
    /// </summary>
    /// <param name="diagonal">Which diagonal: 0 the main one, positive above, negative below.</param>
    public Tensor Diag(int diagonal = 0) => Rank switch
    {
        1 => DiagEmbed(diagonal, 0, 1),
        2 => Diagonal(diagonal, 0, 1).Clone(),
        _ => throw new ArgumentException($"Diag: expected a 1-D or 2-D tensor, got {ShapeUtil.Describe(this)}."),
    };

    /// <summary>This tensor viewed with the shape of <paramref name="other"/> (as <c>Tensor.view_as</c>).</summary>
    public Tensor ViewAs(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return View(other.ShapeArray);
    }

    /// <summary>This tensor reshaped to the shape of <paramref name="other"/> (as <c>Tensor.reshape_as</c>).</summary>
    public Tensor ReshapeAs(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Reshape(other.ShapeArray);
    }

    /// <summary>
    /// Coordinate grids from 0-D or 1-D tensors, as <c>torch.meshgrid</c>: result i holds tensor i's values along its
    /// own dim, broadcast (a view) over the others. With "ij" indexing the result has shape (n₀, n₁, …); with "xy"
    /// (Cartesian) indexing the first two dims are swapped, (n₁, n₀, …).
    /// </summary>
    /// <param name="tensors">The coordinate vectors, all of one dtype.</param>
    /// <param name="indexing">"ij" (matrix indexing) or "xy" (Cartesian indexing).</param>
    public static Tensor[] Meshgrid(IReadOnlyList<Tensor> tensors, string indexing = "ij")
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (indexing is not ("ij" or "xy")) throw new ArgumentException($"Meshgrid: indexing must be \"ij\" or \"xy\", got \"{indexing}\".");
        if (tensors.Count == 0) throw new ArgumentException("Meshgrid: expected at least one tensor.");
        foreach (var t in tensors)
        {
            if (t.Rank > 1 || t.DType != tensors[0].DType)
                throw new ArgumentException($"Meshgrid: expected 0-D or 1-D tensors of one dtype, got {string.Join(", ", tensors.Select(ShapeUtil.Describe))}.");
        }
        bool swap = indexing == "xy" && tensors.Count >= 2;
        var shape = tensors.Select(t => t.Numel).ToArray();
        if (swap) (shape[0], shape[1]) = (shape[1], shape[0]);
        var result = new Tensor[tensors.Count];
        for (int i = 0; i < result.Length; i++)
        {
            int position = swap && i < 2 ? 1 - i : i;
            var view = new int[shape.Length];
            Array.Fill(view, 1);
            view[position] = shape[position];
            result[i] = tensors[i].Reshape(view).Expand(shape);
        }
        return result;
    }
}
