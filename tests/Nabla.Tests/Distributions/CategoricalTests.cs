using System.Text.Json;
using Nabla.Distributions;
using Nabla.Tests.Golden;
using static Nabla.Tests.Tensors.SamplingStatistics;

namespace Nabla.Tests.Distributions;

/// <summary>
/// <see cref="Categorical"/> against <c>torch.distributions.Categorical</c> (<c>tests/golden/distributions.json</c>,
/// written by <c>make_distributions_golden.py</c>): normalised parameters, log probabilities with broadcast values,
/// entropy and their gradients, for logits and probs, batched and transposed; float64 gradient checks of first and
/// second order; sample frequencies; a REINFORCE step; and the errors.
/// </summary>
public sealed class CategoricalTests
{
    private const string File = "distributions.json";

    public static TheoryData<string> Cases => GoldenFixture.Names(File, "categorical");

    private static double Decode(JsonElement v) => v.ValueKind == JsonValueKind.String
        ? v.GetString() switch { "nan" => double.NaN, "inf" => double.PositiveInfinity, "-inf" => double.NegativeInfinity, var s => throw new InvalidDataException(s) }
        : v.GetDouble();

    private static double[] Data(JsonElement e) => e.EnumerateArray().Select(Decode).ToArray();

    private static int[] Shape(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static Tensor Make(JsonElement e) => Tensor.FromArray(Data(e.GetProperty("data")), DType.Float64, Shape(e.GetProperty("shape"))).Reshape(Shape(e.GetProperty("shape")));

    private static void AssertClose(double[] expected, Tensor actual, string what, double tol = 1e-10)
    {
        var got = actual.ToDoubleArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
        {
            bool ok = double.IsInfinity(expected[i]) ? expected[i] == got[i] : Math.Abs(expected[i] - got[i]) <= tol * (1 + Math.Abs(expected[i]));
            Assert.True(ok, $"{what}: element {i} is {got[i]}, expected {expected[i]}");
        }
    }

    private static (Tensor Leaf, Categorical Dist) Build(JsonElement c)
    {
        var leaf = Make(c).SetRequiresGrad();
        var x = c.GetProperty("transposed").GetBoolean() ? leaf.T : leaf;
        var dist = c.GetProperty("param").GetString() == "probs" ? new Categorical(probs: x) : new Categorical(logits: x);
        return (leaf, dist);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ValuesAndGradientsMatchPyTorch(string name)
    {
        var c = GoldenFixture.Entry(File, name, "categorical");
        var (leaf, dist) = Build(c);
        Assert.Equal(Shape(c.GetProperty("batch_shape")), dist.BatchShape);
        Assert.Empty(dist.EventShape);
        AssertClose(Data(c.GetProperty("probs")), dist.Probs, $"{name} probs");
        AssertClose(Data(c.GetProperty("logits")), dist.Logits, $"{name} logits");

        var value = Tensor.FromArray(Data(c.GetProperty("value").GetProperty("data")).Select(v => (long)v).ToArray(), DType.Int64, Shape(c.GetProperty("value").GetProperty("shape")))
            .Reshape(Shape(c.GetProperty("value").GetProperty("shape")));
        var logProb = dist.LogProb(value);
        Assert.Equal(Shape(c.GetProperty("log_prob").GetProperty("shape")), logProb.Shape);
        AssertClose(Data(c.GetProperty("log_prob").GetProperty("data")), logProb, $"{name} log_prob");
        var entropy = dist.Entropy();
        Assert.Equal(Shape(c.GetProperty("entropy").GetProperty("shape")), entropy.Shape);
        AssertClose(Data(c.GetProperty("entropy").GetProperty("data")), entropy, $"{name} entropy");

        var w = Make(c.GetProperty("log_prob_weights"));
        var v = Make(c.GetProperty("entropy_weights"));
        AssertClose(Data(c.GetProperty("log_prob_grad")), Autograd.Grad([(w * logProb).Sum()], [leaf], retainGraph: true)[0]!, $"{name} log_prob gradient");
        AssertClose(Data(c.GetProperty("entropy_grad")), Autograd.Grad([(v * entropy).Sum()], [leaf])[0]!, $"{name} entropy gradient", 1e-9);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float32GivesThePyTorchValuesToSinglePrecision(string name)
    {
        var c = GoldenFixture.Entry(File, name, "categorical");
        var x = Make(c).To(DType.Float32);
        if (c.GetProperty("transposed").GetBoolean()) x = x.T;
        var dist = c.GetProperty("param").GetString() == "probs" ? new Categorical(probs: x) : new Categorical(logits: x);
        Assert.Equal(DType.Float32, dist.Entropy().DType);
        AssertClose(Data(c.GetProperty("entropy").GetProperty("data")), dist.Entropy(), $"{name} float32 entropy", 1e-5);
    }

    private static readonly Tensor Actions = Tensor.FromArray([2L, 0, 3, 1, 1, 2], 2, 3);

    [Fact]
    public void LogProbAndEntropyPassFirstAndSecondOrderGradientChecksInTheLogits()
    {
        var logits = Tensor.Randn([3, 4], DType.Float64, new Generator(21), requiresGrad: true);
        Func<Tensor[], Tensor> logProb = x => new Categorical(logits: x[0]).LogProb(Actions);
        Func<Tensor[], Tensor> logProbOfTransposed = x => new Categorical(logits: x[0].T).LogProb(Actions);
        Func<Tensor[], Tensor> entropy = x => new Categorical(logits: x[0]).Entropy();
        var transposed = Tensor.Randn([4, 3], DType.Float64, new Generator(22), requiresGrad: true);
        GradCheck.Check(logProb, [logits]).ThrowIfFailed();
        GradCheck.CheckSecondOrder(logProb, [logits]).ThrowIfFailed();
        GradCheck.Check(logProbOfTransposed, [transposed]).ThrowIfFailed();
        GradCheck.CheckSecondOrder(logProbOfTransposed, [transposed]).ThrowIfFailed();
        GradCheck.Check(entropy, [logits]).ThrowIfFailed();
        GradCheck.CheckSecondOrder(entropy, [logits]).ThrowIfFailed();
    }

    [Fact]
    public void LogProbAndEntropyPassFirstAndSecondOrderGradientChecksInTheProbs()
    {
        var probs = (Tensor.Rand([3, 4], DType.Float64, new Generator(23)) + 0.2).Detach().SetRequiresGrad();
        Func<Tensor[], Tensor> logProb = x => new Categorical(probs: x[0]).LogProb(Actions);
        Func<Tensor[], Tensor> entropy = x => new Categorical(probs: x[0]).Entropy();
        GradCheck.Check(logProb, [probs]).ThrowIfFailed();
        GradCheck.CheckSecondOrder(logProb, [probs]).ThrowIfFailed();
        GradCheck.Check(entropy, [probs]).ThrowIfFailed();
        GradCheck.CheckSecondOrder(entropy, [probs]).ThrowIfFailed();
    }

    [Fact]
    public void SampleFrequenciesMatchTheProbabilitiesOfEachBatchElement()
    {
        double[][] rows = [[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]];
        var dist = new Categorical(logits: Tensor.FromArray(rows.SelectMany(r => r).ToArray(), 2, 4).Log());
        var samples = dist.Sample([100, 200], new Generator(31));
        Assert.Equal([100, 200, 2], samples.Shape);
        Assert.Equal(DType.Int64, samples.DType);
        var flat = samples.ToArray<long>();
        for (int b = 0; b < 2; b++)
        {
            var counts = new long[4];
            for (int i = b; i < flat.Length; i += 2) counts[flat[i]]++;
            AssertChiSquare(counts, rows[b], $"batch element {b}");
        }
    }

    [Fact]
    public void CategoriesOfProbabilityZeroAreNeverSampled()
    {
        var dist = new Categorical(probs: Tensor.FromArray([2.0, 0.0, 1.0, 1.0]));
        var counts = new long[4];
        foreach (long s in dist.Sample([40_000], new Generator(32)).ToArray<long>()) counts[s]++;
        Assert.Equal(0, counts[1]);
        AssertChiSquare([counts[0], counts[2], counts[3]], [0.5, 0.25, 0.25], "the categories of positive weight");
    }

    [Fact]
    public void SamplingIsDeterministicForASeedAndHasTorchShapes()
    {
        var dist = new Categorical(probs: Tensor.FromArray([0.2f, 0.5f, 0.3f]));
        Assert.Equal(dist.Sample([50], new Generator(5)).ToArray<long>(), dist.Sample([50], new Generator(5)).ToArray<long>());
        Assert.NotEqual(dist.Sample([50], new Generator(5)).ToArray<long>(), dist.Sample([50], new Generator(6)).ToArray<long>());
        Assert.Empty(dist.Sample().Shape);
        Assert.Equal([0, 3], new Categorical(logits: Tensor.Zeros(3, 5)).Sample([0]).Shape);
        Assert.Equal([3], new Categorical(logits: Tensor.Zeros(3, 5)).Sample().Shape);
    }

    [Fact]
    public void AReinforceLossGivesThePolicyGradientAndAStepRaisesTheExpectedReward()
    {
        double[] reward = [0.0, 1.0, 0.2];
        var logits = Tensor.Zeros([3], DType.Float64).SetRequiresGrad();
        var policy = new Categorical(logits: logits);
        var actions = policy.Sample([4000], new Generator(41));
        var returns = Tensor.FromArray(reward).Gather(0, actions);
        var loss = -(policy.LogProb(actions) * returns).Mean();
        var grad = Autograd.Grad([loss], [logits])[0]!.ToArray<double>();

        // The estimator: −mean over samples of r(a)·(onehot(a) − p), with p uniform.
        var a = actions.ToArray<long>();
        for (int k = 0; k < 3; k++)
        {
            double expected = -a.Average(s => reward[s] * ((s == k ? 1 : 0) - 1.0 / 3));
            Assert.Equal(expected, grad[k], 12);
        }
        // And it estimates the true gradient −∂E[r]/∂logits = −p_k (r_k − E[r]) to within sampling error.
        double mean = reward.Average();
        for (int k = 0; k < 3; k++) Assert.True(Math.Abs(grad[k] + (reward[k] - mean) / 3) < 0.03, $"logit {k}: {grad[k]}");

        double ExpectedReward(Tensor l) => (new Categorical(logits: l).Probs * Tensor.FromArray(reward)).Sum().Item<double>();
        var stepped = (logits.Detach() - Tensor.FromArray(grad)).Detach();
        Assert.True(ExpectedReward(stepped) > ExpectedReward(logits.Detach()));
    }

    [Fact]
    public void TheDerivedQuantitiesFollowTorch()
    {
        var dist = new Categorical(probs: Tensor.FromArray([1.0, 3.0, 0.0, 4.0, 1.0, 1.0], 2, 3));
        Assert.Equal([1L, 0L], dist.Mode.ToArray<long>());
        Assert.Equal(3, dist.NumEvents);
        var support = dist.EnumerateSupport();
        Assert.Equal([3, 2], support.Shape);
        Assert.Equal([0L, 0, 1, 1, 2, 2], support.Contiguous().ToArray<long>());
        Assert.Equal([3, 1], dist.EnumerateSupport(expand: false).Shape);
        Assert.Equal([3, 2], dist.LogProb(support).Shape);
        Assert.Equal("Categorical(probs: [2, 3])", dist.ToString());
        Assert.Equal(DType.Float32, new Categorical(probs: Tensor.FromArray([1L, 3L])).Probs.DType);
        Assert.Equal([0.25f, 0.75f], new Categorical(probs: Tensor.FromArray([1L, 3L])).Probs.ToArray<float>());
        Assert.Equal(-Math.Log(4), new Categorical(logits: Tensor.Zeros([4], DType.Float64)).LogProb(Tensor.FromArray([3.0])).Item<double>(), 14);
    }

    [Fact]
    public void BadParametersAreRejectedNamingTheDistribution()
    {
        string Message(Func<object> f) => Assert.Throws<ArgumentException>(f).Message;
        Assert.StartsWith("Categorical: give exactly one of probs and logits, got neither", Message(() => new Categorical()), StringComparison.Ordinal);
        Assert.StartsWith("Categorical: give exactly one of probs and logits, got probs [2] float32 and logits [2] float32",
            Message(() => new Categorical(probs: Tensor.Ones(2), logits: Tensor.Ones(2))), StringComparison.Ordinal);
        Assert.StartsWith("Categorical: probs must have at least one dimension", Message(() => new Categorical(probs: Tensor.Scalar(1.0))), StringComparison.Ordinal);
        Assert.StartsWith("Categorical: logits has no categories, got [2, 0] float32", Message(() => new Categorical(logits: Tensor.Zeros(2, 0))), StringComparison.Ordinal);
        Assert.StartsWith("Categorical: probs must be non-negative and finite, got -0.5 at row 1, category 0 of [2, 2] float64",
            Message(() => new Categorical(probs: Tensor.FromArray([0.5, 0.5, -0.5, 1.0], 2, 2))), StringComparison.Ordinal);
        Assert.StartsWith("Categorical: probs must be non-negative and finite, got NaN at index 1",
            Message(() => new Categorical(probs: Tensor.FromArray([0.5, double.NaN]))), StringComparison.Ordinal);
        Assert.StartsWith("Categorical: the probs of row 0 sum to 0; each row needs a positive, finite sum",
            Message(() => new Categorical(probs: Tensor.FromArray([0.0, 0.0, 1.0, 1.0], 2, 2))), StringComparison.Ordinal);
        Assert.StartsWith("Categorical: logits must be real numbers or −∞, got NaN at index 0",
            Message(() => new Categorical(logits: Tensor.FromArray([double.NaN, 1.0]))), StringComparison.Ordinal);
        Assert.StartsWith("Categorical: the logits are all −∞",
            Message(() => new Categorical(logits: Tensor.FromArray([double.NegativeInfinity, double.NegativeInfinity]))), StringComparison.Ordinal);
        Assert.Equal(DType.Float64, new Categorical(probs: Tensor.FromArray([-1.0, 2.0]), validateArgs: false).Probs.DType);
    }

    [Fact]
    public void BadValuesAreRejectedByLogProb()
    {
        var dist = new Categorical(logits: Tensor.Zeros(2, 3));
        string Message(Tensor v) => Assert.Throws<ArgumentException>(() => dist.LogProb(v)).Message;
        Assert.StartsWith("Categorical.LogProb: the values must be category indices in [0, 3), got 3 at flat index 1 of [2] int64",
            Message(Tensor.FromArray([0L, 3L])), StringComparison.Ordinal);
        Assert.StartsWith("Categorical.LogProb: the values must be category indices in [0, 3), got -1", Message(Tensor.FromArray([-1L])), StringComparison.Ordinal);
        Assert.StartsWith("Categorical.LogProb: the values must be category indices in [0, 3), got 0.5", Message(Tensor.FromArray([0.5])), StringComparison.Ordinal);
        Assert.StartsWith("Categorical.LogProb: the value shape [3] does not broadcast with the batch shape [2]", Message(Tensor.FromArray([0L, 1L, 2L])), StringComparison.Ordinal);
        Assert.StartsWith("Categorical.LogProb: the values must be category indices (int64 or whole numbers), got [1] bool",
            Message(Tensor.FromArray([true])), StringComparison.Ordinal);
        Assert.Equal([2], dist.LogProb(Tensor.FromArray([2.0, 1.0])).Shape);
    }
}
