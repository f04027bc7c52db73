using Nabla.Dispatch;

namespace Nabla;

/// <summary>
/// Linear algebra on batches of matrices, the counterpart of <c>torch.linalg</c>: the singular value decomposition and
/// the matrix and vector norms built on it. Every function takes (…, m, n) float tensors and is differentiable.
/// </summary>
public static class Linalg
{
    /// <summary>
    /// The singular value decomposition A = U·diag(S)·Vh of each matrix of <paramref name="a"/> (…, m, n), like
    /// <c>torch.linalg.svd</c>: S (…, k) descending, k = min(m, n); with <paramref name="fullMatrices"/> U is (…, m, m)
    /// and Vh (…, n, n), otherwise U is (…, m, k) and Vh (…, k, n). Singular vectors are defined up to sign (and, for
    /// repeated singular values, up to a rotation), so a loss should not depend on that choice, as in PyTorch; the
    /// gradient is PyTorch's, and the columns of U and rows of Vh beyond k receive none.
    /// </summary>
    public static (Tensor U, Tensor S, Tensor Vh) Svd(Tensor a, bool fullMatrices = true)
    {
        Require("Svd", a);
        int m = a.ShapeArray[^2], n = a.ShapeArray[^1];
        var (u, s, vh) = Tensor.SplitSvd(Tensor.SvdOp(a), m, n);
        if (fullMatrices && m > n) u = Tensor.Cat([u, LinearAlgebra.Complement(u)], -1);
        if (fullMatrices && n > m) vh = Tensor.Cat([vh, LinearAlgebra.Complement(vh.Transpose(-1, -2)).Transpose(-1, -2)], -2);
        return (u, s, vh);
    }

    /// <summary>
    /// The singular values (…, min(m, n)) of each matrix of <paramref name="a"/>, descending, like
    /// <c>torch.linalg.svdvals</c>; their gradient U·diag(g)·Vh is defined even where singular values repeat or vanish.
    /// </summary>
    public static Tensor Svdvals(Tensor a)
    {
        Require("Svdvals", a);
        return Tensor.SplitSvd(Tensor.SvdOp(a), a.ShapeArray[^2], a.ShapeArray[^1]).S;
    }

    /// <summary>
    /// The matrix norm of each matrix over <paramref name="dim"/> (two dims, default the last two), like
    /// <c>torch.linalg.matrix_norm</c>: <paramref name="ord"/> "fro" (Frobenius, the default) or "nuc" (nuclear: the sum
    /// of the singular values).
    /// </summary>
    public static Tensor MatrixNorm(Tensor a, string ord = "fro", int[]? dim = null, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(ord);
        var (d0, d1) = MatrixDims("MatrixNorm", a, dim);
        return ord switch
        {
            "fro" => a.Norm(2, [d0, d1], keepDim),
            "nuc" => Nuclear(a, d0, d1, keepDim),
            _ => throw new ArgumentException($"MatrixNorm: ord must be \"fro\" or \"nuc\" or a number, got \"{ord}\" (input {ShapeUtil.Describe(a)})."),
        };
    }

    /// <summary>
    /// The matrix norm of order <paramref name="ord"/> over <paramref name="dim"/> (default the last two), like
    /// <c>torch.linalg.matrix_norm</c> with a number: 2 and −2 the largest and smallest singular value, 1 and −1 the
    /// largest and smallest column sum of |a|, ∞ and −∞ the largest and smallest row sum.
    /// </summary>
    public static Tensor MatrixNorm(Tensor a, double ord, int[]? dim = null, bool keepDim = false)
    {
        var (d0, d1) = MatrixDims("MatrixNorm", a, dim);
        if (Math.Abs(ord) == 2)
        {
            var s = Svdvals(MoveLast(a, d0, d1));
            return KeepDims(ord > 0 ? s.Amax([-1]) : s.Amin([-1]), d0, d1, keepDim);
        }
        int sumDim = Math.Abs(ord) == 1 ? d0 : Math.Abs(ord) == double.PositiveInfinity ? d1 : -1;
        if (sumDim < 0)
            throw new ArgumentException($"MatrixNorm: ord must be ±1, ±2 or ±∞ (or \"fro\", \"nuc\"), got {ord} (input {ShapeUtil.Describe(a)}).");
        var sums = a.Abs().Sum([sumDim], keepDim: true);
        var result = ord > 0 ? sums.Amax([d0, d1], keepDim: true) : sums.Amin([d0, d1], keepDim: true);
        return keepDim ? result : result.SqueezeDims([Math.Min(d0, d1), Math.Max(d0, d1)]);
    }

    /// <summary>
    /// The vector p-norm over <paramref name="dim"/> (null: all elements), like <c>torch.linalg.vector_norm</c>
    /// (see <see cref="Tensor.Norm(double, int[], bool)"/>).
    /// </summary>
    public static Tensor VectorNorm(Tensor x, double ord = 2, int[]? dim = null, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Norm(ord, dim, keepDim);
    }

    private static Tensor Nuclear(Tensor a, int d0, int d1, bool keepDim)
    {
        return KeepDims(Svdvals(MoveLast(a, d0, d1)).Sum(-1), d0, d1, keepDim);
    }

    /// <summary>A reduction over the matrix dims <paramref name="d0"/> and <paramref name="d1"/>, with them put back as size 1 when <paramref name="keepDim"/>.</summary>
    private static Tensor KeepDims(Tensor reduced, int d0, int d1, bool keepDim) =>
        keepDim ? reduced.Unsqueeze(Math.Min(d0, d1)).Unsqueeze(Math.Max(d0, d1)) : reduced;

    /// <summary>The tensor with dims <paramref name="d0"/> and <paramref name="d1"/> moved to the end, in that order.</summary>
    private static Tensor MoveLast(Tensor a, int d0, int d1)
    {
        var order = new List<int>();
        for (int d = 0; d < a.Rank; d++)
        {
            if (d != d0 && d != d1) order.Add(d);
        }
        order.Add(d0);
        order.Add(d1);
        return a.Permute([.. order]);
    }

    private static (int D0, int D1) MatrixDims(string op, Tensor a, int[]? dim)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Rank < 2 || a.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"{op}: expected a float32 or float64 tensor of rank ≥ 2, got {ShapeUtil.Describe(a)}.");
        dim ??= [-2, -1];
        if (dim.Length != 2)
            throw new ArgumentException($"{op}: dim must name two dims, got {dim.Length} (input {ShapeUtil.Describe(a)}).");
        int d0 = ShapeUtil.NormalizeDim(op, dim[0], a.Rank), d1 = ShapeUtil.NormalizeDim(op, dim[1], a.Rank);
        if (d0 == d1) throw new ArgumentException($"{op}: dim must name two different dims, got ({dim[0]}, {dim[1]}) (input {ShapeUtil.Describe(a)}).");
        return (d0, d1);
    }

    private static void Require(string op, Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Rank < 2 || a.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"{op}: expected a float32 or float64 tensor of rank ≥ 2 (…, m, n), got {ShapeUtil.Describe(a)}.");
        if (a.Numel == 0)
            throw new ArgumentException($"{op}: the matrices are empty ({ShapeUtil.Describe(a)}).");
    }
}
