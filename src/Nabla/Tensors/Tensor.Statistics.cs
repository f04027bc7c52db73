using Nabla.Dispatch;

namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>
    /// The vector p-norm over <paramref name="dim"/> (null: all elements), like <c>torch.norm</c> with a number p:
    /// (Σ|x|ᵖ)^(1/p); p = ∞ gives max|x|, p = −∞ min|x|, p = 0 the number of nonzero elements. Gradients are PyTorch's:
    /// 0 where the norm is 0 (so the 2-norm at the origin has gradient 0), 0 at zero elements for p &lt; 1, shared evenly
    /// among the extreme elements for p = ±∞, and 0 for p = 0.
    /// </summary>
    public Tensor Norm(double p = 2, int[]? dim = null, bool keepDim = false)
    {
        RequireFloat("Norm");
        if (double.IsNaN(p)) throw new ArgumentException($"Norm: p must be a number, got NaN (input {ShapeUtil.Describe(this)}).");
        ShapeUtil.NormalizeDims("Norm", dim, Rank);
        if (double.IsPositiveInfinity(p)) return Abs().Amax(dim, keepDim);
        if (double.IsNegativeInfinity(p)) return Abs().Amin(dim, keepDim);
        var isZero = Eq(0.0);
        if (p == 0) return Where(isZero, this * 0.0, ScalarLike(1)).Sum(dim, keepDim);
        if (p == 1) return Abs().Sum(dim, keepDim);
        // |x|ᵖ and s^(1/p) see 1 where x = 0 and s = 0, so that their infinite slopes there never meet a gradient.
        var powered = p == 2 ? this * this : Where(isZero, ScalarLike(Math.Pow(0, p)), Where(isZero, ScalarLike(1), Abs()).Pow(p));
        var sum = powered.Sum(dim, keepDim);
        var zeroSum = sum.Eq(0.0);
        var safe = Where(zeroSum, ScalarLike(1), sum);
        return Where(zeroSum, ScalarLike(0), p == 2 ? safe.Sqrt() : safe.Pow(1 / p));
    }

    /// <summary>The vector p-norm over one dim (see <see cref="Norm(double, int[], bool)"/>).</summary>
    public Tensor Norm(double p, int dim, bool keepDim = false) => Norm(p, [dim], keepDim);

    /// <summary>
    /// The Frobenius (<paramref name="p"/> "fro") or nuclear ("nuc") norm, like <c>torch.norm</c> with a string p: "fro"
    /// is the 2-norm over <paramref name="dim"/> (null: all elements); "nuc" is the sum of the singular values of the
    /// matrices over two dims (null: a 2-D input's own).
    /// </summary>
    public Tensor Norm(string p, int[]? dim = null, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(p);
        switch (p)
        {
            case "fro":
                return Norm(2, dim, keepDim);
            case "nuc":
                if (dim is null && Rank != 2)
                    throw new ArgumentException($"Norm: the nuclear norm of {ShapeUtil.Describe(this)} needs dim naming two dims (or a 2-D input).");
                return Linalg.MatrixNorm(this, "nuc", dim ?? [0, 1], keepDim);
            default:
                throw new ArgumentException($"Norm: p must be \"fro\", \"nuc\" or a number, got \"{p}\" (input {ShapeUtil.Describe(this)}).");
        }
    }

    /// <summary>The p-norm of this − <paramref name="other"/> (broadcast), like <c>torch.dist</c>.</summary>
    public Tensor Dist(Tensor other, double p = 2)
    {
        ArgumentNullException.ThrowIfNull(other);
        return (this - other).Norm(p);
    }

    /// <summary>
    /// The p-norm distance between each row of <paramref name="x1"/> (…, P, M) and each row of <paramref name="x2"/>
    /// (…, R, M), batched over broadcast leading dims: a (…, P, R) tensor, like <c>torch.cdist</c> (p ≥ 0, computed
    /// directly, as PyTorch does for p ≠ 2 and for P, R ≤ 25).
    /// </summary>
    public static Tensor Cdist(Tensor x1, Tensor x2, double p = 2)
    {
        ArgumentNullException.ThrowIfNull(x1);
        ArgumentNullException.ThrowIfNull(x2);
        if (x1.Rank < 2 || x2.Rank < 2 || x1.ShapeArray[^1] != x2.ShapeArray[^1] || x1.DType != x2.DType || !x1.DType.IsFloatingPoint())
        {
            throw new ArgumentException(
                $"Cdist: expected float tensors of one dtype, of rank ≥ 2, with the same last dim, got x1 {ShapeUtil.Describe(x1)} and x2 {ShapeUtil.Describe(x2)}.");
        }
        if (!(p >= 0)) throw new ArgumentOutOfRangeException(nameof(p), $"Cdist: p must be ≥ 0, got {p} (x1 {ShapeUtil.Describe(x1)}, x2 {ShapeUtil.Describe(x2)}).");
        ShapeUtil.BroadcastShapes("Cdist", x1.ShapeArray.AsSpan(0, x1.Rank - 2), x2.ShapeArray.AsSpan(0, x2.Rank - 2));
        return (x1.Unsqueeze(-2) - x2.Unsqueeze(-3)).Norm(p, -1);
    }

    /// <summary>The number of nonzero elements over <paramref name="dim"/> (null: all), as int64, like <c>torch.count_nonzero</c>.</summary>
    public Tensor CountNonzero(int[]? dim = null) => Ne(0.0).To(DType.Int64).Sum(ShapeUtil.NormalizeDims("CountNonzero", dim, Rank));

    /// <summary>The number of nonzero elements over one dim, as int64.</summary>
    public Tensor CountNonzero(int dim) => CountNonzero([dim]);

    /// <summary>The sum over <paramref name="dim"/> (null: all) treating NaN as 0, like <c>torch.nansum</c>; NaN elements receive gradient 0.</summary>
    public Tensor Nansum(int[]? dim = null, bool keepDim = false) =>
        DType.IsFloatingPoint() ? Where(Ne(this), ScalarLike(0), this).Sum(dim, keepDim) : Sum(dim, keepDim);

    /// <summary>The mean over <paramref name="dim"/> (null: all) of the elements that are not NaN, like <c>torch.nanmean</c>.</summary>
    public Tensor Nanmean(int[]? dim = null, bool keepDim = false)
    {
        RequireFloat("Nanmean");
        return Nansum(dim, keepDim) / Eq(this).To(DType).Sum(dim, keepDim);
    }

    /// <summary>
    /// The number of occurrences of each value 0, 1, …, max of a 1-D non-negative int64 tensor (at least
    /// <paramref name="minlength"/> bins), or the sum of <paramref name="weights"/> (same length) at each value, like
    /// <c>torch.bincount</c>: int64 counts, or weights in their float dtype (float64 for int64 weights). Not differentiable.
    /// </summary>
    public Tensor Bincount(Tensor? weights = null, int minlength = 0)
    {
        string what = $"input {ShapeUtil.Describe(this)}" + (weights is null ? "" : $", weights {ShapeUtil.Describe(weights)}");
        if (Rank != 1 || DType != DType.Int64) throw new ArgumentException($"Bincount: the input must be a 1-D int64 tensor, got {what}.");
        if (minlength < 0) throw new ArgumentOutOfRangeException(nameof(minlength), $"Bincount: minlength must be ≥ 0, got {minlength} ({what}).");
        if (weights is not null && (weights.Rank != 1 || weights.ShapeArray[0] != ShapeArray[0]))
            throw new ArgumentException($"Bincount: the weights must be 1-D with one weight per input element, got {what}.");
        long max = -1;
        foreach (long v in ReadContiguous<long>())
        {
            if (v < 0) throw new ArgumentException($"Bincount: the input must be non-negative, found {v} ({what}).");
            max = Math.Max(max, v);
        }
        return Sorting.Bincount(this, weights?.Detach(), (int)Math.Max(max + 1, minlength));
    }

    /// <summary>
    /// The histogram of the elements in <paramref name="bins"/> equal bins over [<paramref name="min"/>,
    /// <paramref name="max"/>] (the data's own range when min = max), in this tensor's float dtype, like
    /// <c>torch.histc</c>: the last bin includes max, elements outside the range are ignored. Not differentiable.
    /// </summary>
    public Tensor Histc(int bins = 100, double min = 0, double max = 0)
    {
        if (!DType.IsFloatingPoint()) throw new NotSupportedException($"Histc: the input must be a float tensor, got {ShapeUtil.Describe(this)}.");
        if (bins <= 0) throw new ArgumentOutOfRangeException(nameof(bins), $"Histc: bins must be > 0, got {bins} (input {ShapeUtil.Describe(this)}).");
        if (min > max) throw new ArgumentException($"Histc: max ({max}) must be ≥ min ({min}) (input {ShapeUtil.Describe(this)}).");
        var x = Detach();
        if (min == max && Numel > 0)
        {
            min = x.Min().Item();
            max = x.Max().Item();
        }
        if (min == max)
        {
            min -= 1;
            max += 1;
        }
        if (!double.IsFinite(min) || !double.IsFinite(max))
            throw new ArgumentException($"Histc: the range [{min}, {max}] is not finite (input {ShapeUtil.Describe(this)}).");
        return Sorting.Histc(x, bins, min, max);
    }
}
