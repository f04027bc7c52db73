using System.Text.Json;
using Nabla.NN;
using Nabla.Tests.Golden;

namespace Nabla.Tests.NN;

/// <summary>
/// The embedding, ranking and likelihood losses, the distances and the bilinear map against PyTorch
/// (tests/golden/losses.json, made by make_loss_golden.py), and their float64 gradient checks, first and second order.
/// </summary>
public class LossesGoldenTests
{
    public static TheoryData<string> Cases => GoldenFixture.Names("losses.json");

    private static JsonElement Case(string name) => GoldenFixture.Entry("losses.json", name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = Case(name);
        var (leaves, op) = Build(c);
        var output = op(leaves);
        var expected = c.GetProperty("output");
        Assert.Equal(expected.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), output.Shape);
        AssertClose(Doubles(expected.GetProperty("data")), output.ToDoubleArray(), $"{name} output");

        var weights = Tensor.Arange(1, output.Numel + 1, dtype: DType.Float64).Reshape([.. output.Shape]);
        var grads = c.GetProperty("grads").EnumerateArray().ToArray();
        var wrt = leaves.Where(l => l.RequiresGrad).ToArray();
        var computed = Autograd.Grad([(output * weights).Sum()], wrt);
        int k = 0;
        for (int i = 0; i < leaves.Length; i++)
        {
            if (!leaves[i].RequiresGrad) continue;
            AssertClose(Doubles(grads[i].GetProperty("data")), computed[k++]!.ToDoubleArray(), $"{name} gradient of input {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PassesGradientChecks(string name)
    {
        var (leaves, op) = Build(Case(name));
        var first = GradCheck.Check(op, leaves);
        Assert.True(first.Passed, $"{name}: {first}");
        var second = GradCheck.CheckSecondOrder(op, leaves);
        Assert.True(second.Passed, $"{name} (second order): {second}");
    }

    private static (Tensor[] Leaves, Func<Tensor[], Tensor> Op) Build(JsonElement c)
    {
        var specs = c.GetProperty("inputs").EnumerateArray().ToArray();
        var leaves = specs.Select(s =>
        {
            int[] shape = s.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var t = Tensor.FromArray(Doubles(s.GetProperty("data"))).Reshape(shape);
            return s.GetProperty("grad").GetBoolean() ? t.SetRequiresGrad() : t;
        }).ToArray();
        bool[] transposed = specs.Select(s => s.GetProperty("transposed").GetBoolean()).ToArray();
        var a = c.GetProperty("args");
        double D(string key) => a.GetProperty(key).GetDouble();
        bool B(string key) => a.GetProperty(key).GetBoolean();
        Reduction R() => a.GetProperty("reduction").GetString() switch { "sum" => Reduction.Sum, "none" => Reduction.None, _ => Reduction.Mean };
        Func<Tensor[], Tensor> f = c.GetProperty("op").GetString() switch
        {
            "triplet_margin_loss" => t => Functional.TripletMarginLoss(t[0], t[1], t[2], D("margin"), D("p"), D("eps"), B("swap"), R()),
            "cosine_embedding_loss" => t => Functional.CosineEmbeddingLoss(t[0], t[1], t[2], D("margin"), R()),
            "margin_ranking_loss" => t => Functional.MarginRankingLoss(t[0], t[1], t[2], D("margin"), R()),
            "hinge_embedding_loss" => t => Functional.HingeEmbeddingLoss(t[0], t[1], D("margin"), R()),
            "poisson_nll_loss" => t => Functional.PoissonNllLoss(t[0], t[1], B("log_input"), B("full"), D("eps"), R()),
            "gaussian_nll_loss" => t => Functional.GaussianNllLoss(t[0], t[1], t[2], B("full"), D("eps"), R()),
            "cosine_similarity" => t => Functional.CosineSimilarity(t[0], t[1], a.GetProperty("dim").GetInt32(), D("eps")),
            "pairwise_distance" => t => Functional.PairwiseDistance(t[0], t[1], D("p"), D("eps"), B("keepdim")),
            "bilinear" => t => Functional.Bilinear(t[0], t[1], t[2], t.Length > 3 ? t[3] : null),
            var op => throw new ArgumentException($"unknown op {op} in losses.json"),
        };
        return (leaves, xs => f([.. xs.Select((x, i) => transposed[i] ? x.T : x)]));
    }

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static void AssertClose(double[] expected, double[] actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(expected[i] - actual[i]) <= 1e-12 + 1e-10 * Math.Abs(expected[i])))
                Assert.Fail($"{context}: element {i} is {actual[i]:R}, expected {expected[i]:R}.");
        }
    }
}
