namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>
    /// The lower triangle of the last two dims (as <c>torch.tril</c>): element (…, i, j) is kept where
    /// j − i ≤ <paramref name="diagonal"/> and zeroed elsewhere. Composed over <see cref="Where(Tensor, Tensor, Tensor)"/>, so the gradient
    /// is the output gradient on the kept elements and zero on the others.
    /// </summary>
    /// <param name="diagonal">0 for the main diagonal, positive to keep diagonals above it, negative to drop more.</param>
    public Tensor Tril(int diagonal = 0) => Triangle("Tril", diagonal, lower: true);

    /// <summary>
    /// The upper triangle of the last two dims (as <c>torch.triu</c>): element (…, i, j) is kept where
    /// j − i ≥ <paramref name="diagonal"/> and zeroed elsewhere.
    /// </summary>
    /// <param name="diagonal">0 for the main diagonal, positive to drop diagonals above it, negative to keep some below.</param>
    public Tensor Triu(int diagonal = 0) => Triangle("Triu", diagonal, lower: false);

    /// <summary>
    /// This tensor with <paramref name="value"/> wherever <paramref name="mask"/> is true (as <c>Tensor.masked_fill</c>).
    /// A mask is a Bool tensor (<c>x &gt; 0</c>); any other dtype is read as nonzero-is-true. It must broadcast to this
    /// tensor's shape. The filled elements receive no gradient, the others the
    /// output gradient unchanged, so a fill of −∞ leaves no NaN in the backward pass.
    /// </summary>
    /// <param name="mask">Where to fill, broadcastable to this tensor's shape.</param>
    /// <param name="value">The value written, e.g. −∞ for attention scores.</param>
    public Tensor MaskedFill(Tensor mask, double value)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var shape = ShapeUtil.BroadcastShapes("MaskedFill", mask.ShapeArray, ShapeArray);
        if (!ShapeUtil.SameShape(shape, ShapeArray))
            throw new ArgumentException($"MaskedFill: the mask {ShapeUtil.Describe(mask)} must broadcast to the input's shape {ShapeUtil.Describe(this)}.", nameof(mask));
        return Where(mask, ScalarLike(value), this);
    }

    private Tensor Triangle(string op, int diagonal, bool lower)
    {
        if (Rank < 2)
            throw new ArgumentException($"{op}: the input must have at least 2 dims, got {ShapeUtil.Describe(this)}.");
        return Where(TriangleMask(ShapeArray[^2], ShapeArray[^1], diagonal, lower, DType), this, ScalarLike(0));
    }

    /// <summary>A (rows, cols) tensor of <paramref name="dtype"/>: 1 on the kept triangle (j − i ≤ diagonal when lower, ≥ otherwise), 0 elsewhere.</summary>
    internal static Tensor TriangleMask(int rows, int cols, int diagonal, bool lower, DType dtype)
    {
        var keep = Empty([rows, cols], dtype);
        switch (dtype)
        {
            case DType.Float32: FillTriangle(keep.AsSpan<float>(), rows, cols, diagonal, lower); break;
            case DType.Float64: FillTriangle(keep.AsSpan<double>(), rows, cols, diagonal, lower); break;
            default: FillTriangle(keep.AsSpan<long>(), rows, cols, diagonal, lower); break;
        }
        return keep;
    }

    private static void FillTriangle<T>(Span<T> keep, int rows, int cols, int diagonal, bool lower) where T : System.Numerics.INumberBase<T>
    {
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                long d = (long)j - i;
                keep[(i * cols) + j] = (lower ? d <= diagonal : d >= diagonal) ? T.One : T.Zero;
            }
        }
    }
}
