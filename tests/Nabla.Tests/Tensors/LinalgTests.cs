using System.Text.Json;
using Nabla.Tests.NN;
using Nabla.Tests.Golden;

namespace Nabla.Tests.Tensors;

/// <summary>
/// The singular value decomposition and the matrix norms: the factors' defining properties on tall, wide, square,
/// batched, rank-deficient and zero matrices, PyTorch 1.13's values and gradients (tests/golden/linalg.json, made by
/// make_linalg_golden.py), and the errors for bad input. Gradient checks are in GradCheckOpTests.
/// </summary>
public sealed class LinalgTests
{
    public static TheoryData<string> CaseNames => GoldenFixture.Names("linalg.json");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPyTorch(string name)
    {
        var c = GoldenFixture.Entry("linalg.json", name);
        var dtype = c.GetProperty("dtype").GetString() == "float32" ? DType.Float32 : DType.Float64;
        double tol = dtype == DType.Float64 ? 1e-9 : 2e-4;
        var x = NNGoldenLoader.ToTensor(c.GetProperty("x"), dtype).SetRequiresGrad();
        var a = c.GetProperty("transpose").GetBoolean() ? x.Transpose(-2, -1) : x;
        var args = c.GetProperty("args");
        int[]? dim = args.GetProperty("dim").ValueKind == JsonValueKind.Array ? [.. args.GetProperty("dim").EnumerateArray().Select(d => d.GetInt32())] : null;
        bool keepDim = args.GetProperty("keepdim").GetBoolean();
        Tensor output, loss;
        switch (c.GetProperty("kind").GetString())
        {
            case "svd":
                var (u, s, vh) = Linalg.Svd(a, fullMatrices: false);
                output = s;
                loss = (u.Square() * Weights(u)).Sum() + (s * Weights(s)).Sum() + (vh.Square() * Weights(vh)).Sum();
                break;
            case "svdvals":
                output = Linalg.Svdvals(a);
                loss = (output * Weights(output)).Sum();
                break;
            case "matrix_norm":
                var ord = args.GetProperty("ord");
                output = ord.ValueKind == JsonValueKind.String && ord.GetString() is "fro" or "nuc"
                    ? Linalg.MatrixNorm(a, ord.GetString()!, dim, keepDim)
                    : Linalg.MatrixNorm(a, Number(ord), dim, keepDim);
                loss = (output * Weights(output)).Sum();
                break;
            default:
                output = a.Norm(args.GetProperty("p").GetString()!, dim, keepDim);
                loss = (output * Weights(output)).Sum();
                break;
        }
        Assert.Equal(dtype, output.DType);
        AssertClose(NNGoldenLoader.ToTensor(c.GetProperty("output"), dtype), output, tol, name + " output");
        Assert.Equal(c.GetProperty("loss").GetDouble(), loss.Item(), dtype == DType.Float64 ? 1e-9 * Math.Abs(loss.Item()) + 1e-9 : 1e-3);
        var grad = Autograd.Grad([loss], [x])[0]!;
        AssertClose(NNGoldenLoader.ToTensor(c.GetProperty("grad_x"), dtype), grad, dtype == DType.Float64 ? 1e-7 : 2e-3, name + " grad");
    }

    [Theory]
    [InlineData(6, 4)]
    [InlineData(4, 6)]
    [InlineData(5, 5)]
    [InlineData(1, 7)]
    [InlineData(7, 1)]
    public void FactorsReconstructTheMatrixWithOrthonormalVectors(int m, int n)
    {
        var a = Tensor.Randn([2, m, n], DType.Float64, new Generator((ulong)((m * 10) + n)));
        var (u, s, vh) = Linalg.Svd(a, fullMatrices: false);
        int k = Math.Min(m, n);
        Assert.Equal(new[] { 2, m, k }, u.ShapeArray);
        Assert.Equal(new[] { 2, k }, s.ShapeArray);
        Assert.Equal(new[] { 2, k, n }, vh.ShapeArray);
        AssertClose(a, (u * s.Unsqueeze(-2)).MatMul(vh), 1e-12, "U·S·Vh");
        AssertClose(Tensor.Eye(k, dtype: DType.Float64).Expand(2, k, k), u.Transpose(-1, -2).MatMul(u), 1e-12, "UᵀU");
        AssertClose(Tensor.Eye(k, dtype: DType.Float64).Expand(2, k, k), vh.MatMul(vh.Transpose(-1, -2)), 1e-12, "VhVhᵀ");
        var values = s.ToArray<double>();
        for (int b = 0; b < 2; b++)
        {
            for (int i = 1; i < k; i++) Assert.True(values[(b * k) + i - 1] >= values[(b * k) + i], "singular values descend");
        }
    }

    [Theory]
    [InlineData(5, 3)]
    [InlineData(3, 5)]
    public void FullMatricesCompleteTheBases(int m, int n)
    {
        var a = Tensor.Randn([m, n], DType.Float64, new Generator(7));
        var (u, s, vh) = Linalg.Svd(a);
        Assert.Equal(new[] { m, m }, u.ShapeArray);
        Assert.Equal(new[] { n, n }, vh.ShapeArray);
        AssertClose(Tensor.Eye(m, dtype: DType.Float64), u.T.MatMul(u), 1e-12, "UᵀU");
        AssertClose(Tensor.Eye(n, dtype: DType.Float64), vh.MatMul(vh.T), 1e-12, "VhVhᵀ");
        int k = Math.Min(m, n);
        AssertClose(a, (u.Narrow(1, 0, k) * s).MatMul(vh.Narrow(0, 0, k)), 1e-12, "U·S·Vh");
    }

    [Fact]
    public void RankDeficientAndZeroMatricesStillHaveOrthonormalFactors()
    {
        var rank1 = Tensor.FromArray(new double[] { 1, 2, 3 }).Reshape(3, 1).MatMul(Tensor.FromArray(new double[] { 1, -1, 2, 0 }).Reshape(1, 4));
        foreach (var a in new[] { rank1, Tensor.Zeros([3, 4], DType.Float64), Tensor.Zeros([4, 2], DType.Float64) })
        {
            var (u, s, vh) = Linalg.Svd(a, fullMatrices: false);
            int k = s.ShapeArray[0];
            AssertClose(a, (u * s).MatMul(vh), 1e-12, "U·S·Vh");
            AssertClose(Tensor.Eye(k, dtype: DType.Float64), u.T.MatMul(u), 1e-12, "UᵀU");
            AssertClose(Tensor.Eye(k, dtype: DType.Float64), vh.MatMul(vh.T), 1e-12, "VhVhᵀ");
        }
        Assert.Equal(Math.Sqrt(14) * Math.Sqrt(6), Linalg.Svdvals(rank1).ToArray<double>()[0], 12);
    }

    [Fact]
    public void SingularValueGradientsAreFiniteWhereValuesRepeatOrVanish()
    {
        // The nuclear norm of the identity has gradient I; of a zero-padded rank-1 matrix, u·vᵀ.
        var eye = Tensor.Eye(3, dtype: DType.Float64).SetRequiresGrad();
        var grad = Autograd.Grad([eye.Norm("nuc")], [eye])[0]!;
        AssertClose(Tensor.Eye(3, dtype: DType.Float64), grad, 1e-12, "d‖I‖*/dI");
        var a = Tensor.FromArray(new double[] { 3, 0, 0, 0, 0, 0 }).Reshape(3, 2).SetRequiresGrad();
        var g = Autograd.Grad([Linalg.Svdvals(a).Sum()], [a])[0]!.ToArray<double>();
        Assert.All(g, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(1, g[0], 12);
    }

    [Fact]
    public void Float32IsDecomposedInDoublePrecision()
    {
        var a = Tensor.Randn([6, 4], DType.Float32, new Generator(3));
        var s32 = Linalg.Svdvals(a).ToArray<float>();
        var s64 = Linalg.Svdvals(a.To(DType.Float64)).ToArray<double>();
        for (int i = 0; i < s32.Length; i++) Assert.Equal((float)s64[i], s32[i]);
    }

    [Fact]
    public void BadInputIsRefusedWithTheOpAndShape()
    {
        var vector = Tensor.Ones([3]);
        Assert.Contains("Svd", Assert.Throws<ArgumentException>(() => Linalg.Svd(vector)).Message);
        Assert.Contains("int64", Assert.Throws<ArgumentException>(() => Linalg.Svdvals(Tensor.Ones([2, 2], DType.Int64))).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => Linalg.Svdvals(Tensor.FromArray(new[] { 1f, float.NaN, 0f, 1f }).Reshape(2, 2))).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => Linalg.Svdvals(Tensor.Ones([0, 3]))).Message);
        Assert.Contains("ord", Assert.Throws<ArgumentException>(() => Linalg.MatrixNorm(Tensor.Ones([2, 2]), "max")).Message);
        Assert.Contains("ord", Assert.Throws<ArgumentException>(() => Linalg.MatrixNorm(Tensor.Ones([2, 2]), 3.0)).Message);
        Assert.Contains("two different dims", Assert.Throws<ArgumentException>(() => Linalg.MatrixNorm(Tensor.Ones([2, 2]), "fro", [1, -1])).Message);
        Assert.Contains("dim", Assert.Throws<ArgumentException>(() => Tensor.Ones([2, 3, 4]).Norm("nuc")).Message);
        Assert.Contains("\"fro\"", Assert.Throws<ArgumentException>(() => Tensor.Ones([2, 2]).Norm("frobenius")).Message);
    }

    private static Tensor Weights(Tensor t)
    {
        int n = (int)t.Numel;
        return Tensor.FromArray(Enumerable.Range(0, n).Select(k => 1.0 + (0.25 * k)).ToArray()).To(t.DType).Reshape(t.ShapeArray);
    }

    private static double Number(JsonElement v) => v.ValueKind == JsonValueKind.String
        ? (v.GetString() == "inf" ? double.PositiveInfinity : double.NegativeInfinity)
        : v.GetDouble();

    private static void AssertClose(Tensor expected, Tensor actual, double tol, string what)
    {
        Assert.Equal(expected.ShapeArray, actual.ShapeArray);
        var e = expected.To(DType.Float64).ToArray<double>();
        var a = actual.To(DType.Float64).ToArray<double>();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tol * (1 + Math.Abs(e[i])), $"{what}[{i}]: expected {e[i]:R}, got {a[i]:R}");
    }
}
