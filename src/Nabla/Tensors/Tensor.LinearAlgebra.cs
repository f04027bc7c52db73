using Nabla.Dispatch;

namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>The sum of the main diagonal of a 2-D tensor, as <c>torch.trace</c>.</summary>
    public Tensor Trace()
    {
        if (Rank != 2) throw new ArgumentException($"Trace: expected a 2-D tensor, got {ShapeUtil.Describe(this)}.");
        return Diagonal().Sum();
    }

    /// <summary>The outer product of two 1-D tensors, (n) ⊗ (m) → (n, m), as <c>torch.outer</c>.</summary>
    /// <param name="vec2">The second vector.</param>
    public Tensor Outer(Tensor vec2)
    {
        ArgumentNullException.ThrowIfNull(vec2);
        if (Rank != 1 || vec2.Rank != 1)
            throw new ArgumentException($"Outer: expected two 1-D tensors, got {ShapeUtil.Describe(this)} and {ShapeUtil.Describe(vec2)}.");
        return Unsqueeze(1) * vec2.Unsqueeze(0);
    }

    /// <summary>The dot product of two 1-D tensors of the same size and dtype, as <c>torch.dot</c>.</summary>
    /// <param name="other">The second vector.</param>
    public Tensor Dot(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank != 1 || other.Rank != 1 || ShapeArray[0] != other.ShapeArray[0] || DType != other.DType)
            throw new ArgumentException($"Dot: expected two 1-D tensors of the same size and dtype, got {ShapeUtil.Describe(this)} and {ShapeUtil.Describe(other)}.");
        return DType.IsFloatingPoint() ? MatMul(other) : (this * other).Sum();
    }

    /// <summary>The product of two matrices (n, m) and (m, p), as <c>torch.mm</c>: both must be 2-D, nothing broadcasts.</summary>
    /// <param name="mat2">The second matrix, (m, p).</param>
    public Tensor Mm(Tensor mat2)
    {
        ArgumentNullException.ThrowIfNull(mat2);
        if (Rank != 2 || mat2.Rank != 2 || ShapeArray[1] != mat2.ShapeArray[0])
            throw new ArgumentException($"Mm: expected matrices (n, m) and (m, p), got {ShapeUtil.Describe(this)} and {ShapeUtil.Describe(mat2)}.");
        return MatMul(mat2);
    }

    /// <summary>The product of a 2-D tensor (n, m) and a 1-D tensor (m), as <c>torch.mv</c>.</summary>
    /// <param name="vec">The vector, (m).</param>
    public Tensor Mv(Tensor vec)
    {
        ArgumentNullException.ThrowIfNull(vec);
        if (Rank != 2 || vec.Rank != 1 || ShapeArray[1] != vec.ShapeArray[0])
            throw new ArgumentException($"Mv: expected a matrix (n, m) and a vector (m), got {ShapeUtil.Describe(this)} and {ShapeUtil.Describe(vec)}.");
        return MatMul(vec);
    }

    /// <summary>
    /// The batched matrix product of two 3-D tensors (b, n, m) and (b, m, p), as <c>torch.bmm</c>: no broadcasting,
    /// both operands must be 3-D with the same batch size.
    /// </summary>
    /// <param name="mat2">The second batch of matrices, (b, m, p).</param>
    public Tensor Bmm(Tensor mat2)
    {
        ArgumentNullException.ThrowIfNull(mat2);
        CheckBatches("Bmm", this, mat2);
        return MatMul(mat2);
    }

    /// <summary>
    /// β·input + α·(mat1 @ mat2) for matrices mat1 (n, m) and mat2 (m, p), as <c>torch.addmm</c>; input broadcasts to
    /// (n, p). With β = 0 the input is ignored (NaN and infinity in it do not propagate).
    /// </summary>
    /// <param name="input">The matrix added, broadcastable to (n, p).</param>
    /// <param name="mat1">The first matrix, (n, m).</param>
    /// <param name="mat2">The second matrix, (m, p).</param>
    /// <param name="beta">The factor of the input.</param>
    /// <param name="alpha">The factor of the product.</param>
    public static Tensor Addmm(Tensor input, Tensor mat1, Tensor mat2, double beta = 1, double alpha = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(mat1);
        ArgumentNullException.ThrowIfNull(mat2);
        if (mat1.Rank != 2 || mat2.Rank != 2 || mat1.ShapeArray[1] != mat2.ShapeArray[0])
            throw new ArgumentException($"Addmm: expected matrices (n, m) and (m, p), got mat1 {ShapeUtil.Describe(mat1)} and mat2 {ShapeUtil.Describe(mat2)}.");
        return AddScaled("Addmm", input, mat1.MatMul(mat2), beta, alpha);
    }

    /// <summary>β·this + α·(mat1 @ mat2), as <c>Tensor.addmm</c>; see <see cref="Addmm(Tensor, Tensor, Tensor, double, double)"/>.</summary>
    /// <param name="mat1">The first matrix, (n, m).</param>
    /// <param name="mat2">The second matrix, (m, p).</param>
    /// <param name="beta">The factor of this tensor.</param>
    /// <param name="alpha">The factor of the product.</param>
    public Tensor Addmm(Tensor mat1, Tensor mat2, double beta = 1, double alpha = 1) => Addmm(this, mat1, mat2, beta, alpha);

    /// <summary>
    /// β·input + α·(batch1 @ batch2) for 3-D batch1 (b, n, m) and batch2 (b, m, p), as <c>torch.baddbmm</c>; input
    /// broadcasts to (b, n, p). With β = 0 the input is ignored.
    /// </summary>
    /// <param name="input">The tensor added, broadcastable to (b, n, p).</param>
    /// <param name="batch1">The first batch of matrices, (b, n, m).</param>
    /// <param name="batch2">The second batch of matrices, (b, m, p).</param>
    /// <param name="beta">The factor of the input.</param>
    /// <param name="alpha">The factor of the products.</param>
    public static Tensor Baddbmm(Tensor input, Tensor batch1, Tensor batch2, double beta = 1, double alpha = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(batch1);
        ArgumentNullException.ThrowIfNull(batch2);
        CheckBatches("Baddbmm", batch1, batch2);
        return AddScaled("Baddbmm", input, batch1.MatMul(batch2), beta, alpha);
    }

    /// <summary>β·this + α·(batch1 @ batch2), as <c>Tensor.baddbmm</c>; see <see cref="Baddbmm(Tensor, Tensor, Tensor, double, double)"/>.</summary>
    /// <param name="batch1">The first batch of matrices, (b, n, m).</param>
    /// <param name="batch2">The second batch of matrices, (b, m, p).</param>
    /// <param name="beta">The factor of this tensor.</param>
    /// <param name="alpha">The factor of the products.</param>
    public Tensor Baddbmm(Tensor batch1, Tensor batch2, double beta = 1, double alpha = 1) => Baddbmm(this, batch1, batch2, beta, alpha);

    /// <summary>
    /// The Kronecker product, as <c>torch.kron</c>: the ranks are matched by leading 1s, and block i of the result is
    /// this[i]·other. Composed of a broadcast product and a reshape.
    /// </summary>
    /// <param name="other">The second factor.</param>
    public Tensor Kron(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        int rank = Math.Max(Rank, other.Rank);
        var a = new int[2 * rank];
        var b = new int[2 * rank];
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int sa = i < rank - Rank ? 1 : ShapeArray[i - (rank - Rank)];
            int sb = i < rank - other.Rank ? 1 : other.ShapeArray[i - (rank - other.Rank)];
            (a[2 * i], a[(2 * i) + 1]) = (sa, 1);
            (b[2 * i], b[(2 * i) + 1]) = (1, sb);
            shape[i] = checked(sa * sb);
        }
        return (Reshape(a) * other.Reshape(b)).Reshape(shape);
    }

    private static void CheckBatches(string op, Tensor a, Tensor b)
    {
        if (a.Rank != 3 || b.Rank != 3)
            throw new ArgumentException($"{op}: both batches must be 3-D, got {ShapeUtil.Describe(a)} and {ShapeUtil.Describe(b)}.");
        if (a.ShapeArray[0] != b.ShapeArray[0] || a.ShapeArray[2] != b.ShapeArray[1])
            throw new ArgumentException($"{op}: expected batches (b, n, m) and (b, m, p), got {ShapeUtil.Describe(a)} and {ShapeUtil.Describe(b)}.");
    }

    private static Tensor AddScaled(string op, Tensor input, Tensor product, double beta, double alpha)
    {
        var shape = ShapeUtil.BroadcastShapes(op, input.ShapeArray, product.ShapeArray);
        if (!ShapeUtil.SameShape(shape, product.ShapeArray))
            throw new ArgumentException($"{op}: the input {ShapeUtil.Describe(input)} must broadcast to the product's shape {ShapeUtil.Describe(product)}.");
        var scaled = alpha == 1 ? product : product * alpha;
        if (beta == 0) return scaled;
        return (beta == 1 ? input : input * beta) + scaled;
    }

    /// <summary>The reduced SVD of (…, m, n) matrices as one recorded primitive: U, S and Vh flattened side by side (see <see cref="OpKind.Svd"/>).</summary>
    internal static Tensor SvdOp(Tensor a)
    {
        if (!a.Detach().IsFinite().All().Item<bool>())
            throw new ArgumentException($"Svd: the input holds NaN or infinity ({ShapeUtil.Describe(a)}).");
        return Record(LinearAlgebra.Svd(a.Detach()), new OpKind.Svd(a.ShapeArray[^2], a.ShapeArray[^1]), a);
    }

    /// <summary>The views U (…, m, k), S (…, k) and Vh (…, k, n) of an <see cref="SvdOp"/> output, or of its gradient.</summary>
    internal static (Tensor U, Tensor S, Tensor Vh) SplitSvd(Tensor packed, int m, int n)
    {
        int k = Math.Min(m, n);
        var lead = packed.ShapeArray[..^1];
        var u = packed.Narrow(-1, 0, k * m).Reshape([.. lead, m, k]);
        var s = packed.Narrow(-1, k * m, k);
        var vh = packed.Narrow(-1, (k * m) + k, k * n).Reshape([.. lead, k, n]);
        return (u, s, vh);
    }
}
