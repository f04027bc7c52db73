using Nabla.Dispatch;

namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>The running sum along <paramref name="d"/> (normalized), from the back when <paramref name="reverse"/>.</summary>
    internal Tensor CumSumOp(int d, bool reverse) =>
        Record(Sorting.Scan(this, d, reverse, product: false), new OpKind.CumSum(d, reverse), this);

    /// <summary>The running log-sum-exp along <paramref name="d"/> (normalized), from the back when <paramref name="reverse"/>.</summary>
    internal Tensor LogCumSumExpOp(int d, bool reverse) =>
        Record(Sorting.LogCumSumExp(this, d, reverse), new OpKind.LogCumSumExp(d, reverse), this);

    /// <summary>The running product along <paramref name="d"/> (normalized).</summary>
    internal Tensor CumProdOp(int d) => Record(Sorting.Scan(this, d, reverse: false, product: true), new OpKind.CumProd(d), this);

    /// <summary>The cumulative sum along <paramref name="dim"/>: yᵢ = x₁ + … + xᵢ, like <c>torch.cumsum</c>.</summary>
    public Tensor CumSum(int dim) => CumSumOp(ShapeUtil.NormalizeDim("CumSum", dim, Rank), reverse: false);

    /// <summary>
    /// The cumulative log-sum-exp along <paramref name="dim"/>: yᵢ = log(exp(x₁) + … + exp(xᵢ)), like
    /// <c>torch.logcumsumexp</c>; computed without overflow or underflow, for float32 and float64 tensors.
    /// </summary>
    public Tensor LogCumSumExp(int dim)
    {
        RequireFloat("LogCumSumExp");
        return LogCumSumExpOp(ShapeUtil.NormalizeDim("LogCumSumExp", dim, Rank), reverse: false);
    }

    /// <summary>
    /// The cumulative product along <paramref name="dim"/>: yᵢ = x₁ · … · xᵢ, like <c>torch.cumprod</c>; the gradient is
    /// exact where the input has zeros.
    /// </summary>
    public Tensor CumProd(int dim) => CumProdOp(ShapeUtil.NormalizeDim("CumProd", dim, Rank));

    /// <summary>
    /// The running maximum along <paramref name="dim"/> and the index (int64) where it was taken, like
    /// <c>torch.cummax</c>: an element equal to the running maximum takes its place, and a NaN propagates.
    /// </summary>
    public (Tensor Values, Tensor Indices) Cummax(int dim) => CumExtreme("Cummax", dim, max: true);

    /// <summary>The running minimum along <paramref name="dim"/> and the index (int64) where it was taken, like <c>torch.cummin</c>.</summary>
    public (Tensor Values, Tensor Indices) Cummin(int dim) => CumExtreme("Cummin", dim, max: false);

    private (Tensor Values, Tensor Indices) CumExtreme(string op, int dim, bool max)
    {
        int d = ShapeUtil.NormalizeDim(op, dim, Rank);
        if (Rank == 0)
        {
            var (v, i) = Reshape(1).CumExtreme(op, 0, max);
            return (v.Reshape([]), i.Reshape([]));
        }
        var indices = Sorting.CumExtremeIndices(this, d, max);
        return (Selected(Indexing.Gather(this, d, indices), d, indices), indices);
    }

    /// <summary>The product of all elements (a 0-dim tensor), with PyTorch's gradient where elements are zero.</summary>
    public Tensor Prod() => Reshape(-1).Prod(0);

    /// <summary>
    /// The product over <paramref name="dim"/>, like <c>torch.prod</c>. The gradient of an element is the product of the
    /// others, so it stays exact with one zero (the zero receives the product of the rest) or several (all receive 0).
    /// </summary>
    public Tensor Prod(int dim, bool keepDim = false)
    {
        int d = ShapeUtil.NormalizeDim("Prod", dim, Rank);
        if (Rank == 0) return CumProdOp(0);
        int n = ShapeArray[d];
        Tensor kept;
        if (n == 0)
        {
            var shape = (int[])ShapeArray.Clone();
            shape[d] = 1;
            kept = Full(shape, 1, DType);
        }
        else
        {
            kept = CumProdOp(d).Narrow(d, n - 1, 1);
        }
        return keepDim ? kept : kept.SqueezeDims([d]);
    }

    /// <summary>
    /// values, recorded as the gather of this tensor along <paramref name="d"/> at <paramref name="indices"/> (which is
    /// what they are), so that the gradient is scattered back through the indices.
    /// </summary>
    private Tensor Selected(Tensor values, int d, Tensor indices) => Record(values, new OpKind.Gather(d), [this, indices]);
}
