namespace Nabla.Tests.Golden;

/// <summary>
/// The core tensor ops against PyTorch 1.13: every case of <c>ops_float64.json</c> and <c>ops_float32.json</c>
/// whose op belongs to the core (the layer ops, losses and embedding are tested with the NN code),
/// forward value and input gradients.
/// </summary>
public sealed class CoreOpsGoldenTests
{
    private static readonly string[] Files = ["ops_float64.json", "ops_float32.json"];

    /// <summary>Fixture ops that are not core tensor ops; their tests live with the NN layers and losses.</summary>
    private static readonly HashSet<string> NonCoreOps =
    [
        "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "bce", "bce_with_logits", "cross_entropy", "nll_loss", "kl_div",
        "layer_norm", "batch_norm_train", "group_norm", "conv2d", "conv1d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "embedding",
    ];

    /// <summary>Each fixture op name (the OPS table of make_golden.py) as a Nabla call.</summary>
    private static readonly Dictionary<string, Func<GoldenCase, Tensor[], Tensor>> Ops = new()
    {
        ["neg"] = (c, t) => t[0].Neg(),
        ["exp"] = (c, t) => t[0].Exp(),
        ["log"] = (c, t) => t[0].Log(),
        ["log1p"] = (c, t) => t[0].Log1p(),
        ["sqrt"] = (c, t) => t[0].Sqrt(),
        ["abs"] = (c, t) => t[0].Abs(),
        ["sigmoid"] = (c, t) => t[0].Sigmoid(),
        ["tanh"] = (c, t) => t[0].Tanh(),
        ["relu"] = (c, t) => t[0].Relu(),
        ["erf"] = (c, t) => t[0].Erf(),
        ["sin"] = (c, t) => t[0].Sin(),
        ["cos"] = (c, t) => t[0].Cos(),
        ["square"] = (c, t) => t[0].Square(),
        ["reciprocal"] = (c, t) => t[0].Reciprocal(),
        ["leaky_relu"] = (c, t) => t[0].LeakyRelu(c.Arg<double>("negative_slope")),
        ["elu"] = (c, t) => t[0].Elu(c.Arg<double>("alpha")),
        ["gelu"] = (c, t) => t[0].Gelu(),
        ["softplus"] = (c, t) => t[0].Softplus(c.Arg<double>("beta"), c.Arg<double>("threshold")),
        ["silu"] = (c, t) => t[0].Silu(),
        ["clamp"] = (c, t) => t[0].Clamp(c.Arg<double?>("min"), c.Arg<double?>("max")),
        ["pow_scalar"] = (c, t) => t[0].Pow(c.Arg<double>("exponent")),
        ["add"] = (c, t) => t[0] + t[1],
        ["sub"] = (c, t) => t[0] - t[1],
        ["mul"] = (c, t) => t[0] * t[1],
        ["div"] = (c, t) => t[0] / t[1],
        ["pow"] = (c, t) => t[0].Pow(t[1]),
        ["maximum"] = (c, t) => t[0].Maximum(t[1]),
        ["minimum"] = (c, t) => t[0].Minimum(t[1]),
        ["add_scalar"] = (c, t) => t[0] + c.Arg<double>("scalar"),
        ["mul_scalar"] = (c, t) => t[0] * c.Arg<double>("scalar"),
        ["div_scalar"] = (c, t) => t[0] / c.Arg<double>("scalar"),
        ["rsub_scalar"] = (c, t) => c.Arg<double>("scalar") - t[0],
        ["rdiv_scalar"] = (c, t) => c.Arg<double>("scalar") / t[0],
        ["where"] = (c, t) => Tensor.Where(t[0], t[1], t[2]),
        ["sum"] = (c, t) => t[0].Sum(c.Arg<int[]?>("dims"), c.Arg<bool>("keepdim")),
        ["mean"] = (c, t) => t[0].Mean(c.Arg<int[]?>("dims"), c.Arg<bool>("keepdim")),
        ["var"] = (c, t) => t[0].Var(c.Arg<int[]?>("dims"), c.Arg<bool>("keepdim"), c.Arg<int>("correction")),
        ["max_dim"] = (c, t) => t[0].Max(c.Arg<int>("dim"), c.Arg<bool>("keepdim")),
        ["min_dim"] = (c, t) => t[0].Min(c.Arg<int>("dim"), c.Arg<bool>("keepdim")),
        ["amax"] = (c, t) => t[0].Amax(c.Arg<int[]?>("dims"), c.Arg<bool>("keepdim")),
        ["amin"] = (c, t) => t[0].Amin(c.Arg<int[]?>("dims"), c.Arg<bool>("keepdim")),
        ["logsumexp"] = (c, t) => t[0].LogSumExp(c.Arg<int[]?>("dims"), c.Arg<bool>("keepdim")),
        ["argmax"] = (c, t) => t[0].Argmax(c.Arg<int?>("dim"), c.Arg<bool>("keepdim")),
        ["softmax"] = (c, t) => t[0].Softmax(c.Arg<int>("dim")),
        ["log_softmax"] = (c, t) => t[0].LogSoftmax(c.Arg<int>("dim")),
        ["matmul"] = (c, t) => t[0].MatMul(t[1]),
        ["reshape"] = (c, t) => t[0].Reshape(c.Arg<int[]>("shape")),
        ["transpose"] = (c, t) => t[0].Transpose(c.Arg<int>("dim0"), c.Arg<int>("dim1")),
        ["permute"] = (c, t) => t[0].Permute(c.Arg<int[]>("dims")),
        ["narrow"] = (c, t) => t[0].Narrow(c.Arg<int>("dim"), c.Arg<int>("start"), c.Arg<int>("length")),
        ["expand"] = (c, t) => t[0].Expand(c.Arg<int[]>("shape")),
        ["squeeze"] = (c, t) => t[0].Squeeze(c.Arg<int?>("dim")),
        ["unsqueeze"] = (c, t) => t[0].Unsqueeze(c.Arg<int>("dim")),
        ["flatten"] = (c, t) => t[0].Flatten(c.Arg<int>("start_dim"), c.Arg<int>("end_dim")),
        ["cat"] = (c, t) => Tensor.Cat(t, c.Arg<int>("dim")),
        ["stack"] = (c, t) => Tensor.Stack(t, c.Arg<int>("dim")),
        ["index_select"] = (c, t) => t[0].IndexSelect(c.Arg<int>("dim"), t[1]),
        ["gather"] = (c, t) => t[0].Gather(c.Arg<int>("dim"), t[1]),
        ["scatter_add"] = (c, t) => t[0].ScatterAdd(c.Arg<int>("dim"), t[1], t[2]),
        ["exp_of_transpose"] = (c, t) => t[0].T.Exp(),
        ["split"] = (c, t) => t[0].Split(c.Arg<int>("split_size"), c.Arg<int>("dim"))[c.Arg<int>("index")],
        ["chunk"] = (c, t) => t[0].Chunk(c.Arg<int>("chunks"), c.Arg<int>("dim"))[c.Arg<int>("index")],
        ["tril"] = (c, t) => MaybeTransposed(c, t[0]).Tril(c.Arg<int>("diagonal")),
        ["triu"] = (c, t) => MaybeTransposed(c, t[0]).Triu(c.Arg<int>("diagonal")),
        ["masked_fill"] = (c, t) => MaybeTransposed(c, t[0]).MaskedFill(t[1], c.Arg<double>("value")),
    };

    private static Tensor MaybeTransposed(GoldenCase c, Tensor x) => c.Arg<bool>("transposed") ? x.Transpose(-2, -1) : x;

    /// <summary>(file, case) for every core-op case of both op fixtures.</summary>
    public static TheoryData<string, string> CoreCases => GoldenFixture.TheoryCases(Files, c => !NonCoreOps.Contains(c.Op));

    [Theory]
    [MemberData(nameof(CoreCases))]
    public void MatchesPyTorch(string file, string name)
    {
        var c = GoldenFixture.Case(file, name);
        Assert.True(Ops.TryGetValue(c.Op, out var op), $"{name}: no Nabla mapping for fixture op '{c.Op}'.");
        c.AssertMatches(inputs => op(c, inputs));
    }

    [Fact]
    public void EveryCoreFixtureOpIsMapped()
    {
        var fixtureOps = Files.SelectMany(GoldenFixture.Cases).Select(c => c.Op).ToHashSet();
        var unmapped = fixtureOps.Where(op => !NonCoreOps.Contains(op) && !Ops.ContainsKey(op)).Order().ToArray();
        Assert.True(unmapped.Length == 0, $"Fixture ops with no Nabla mapping in {nameof(CoreOpsGoldenTests)} (map them, or list them as non-core): {string.Join(", ", unmapped)}.");
        var stale = Ops.Keys.Concat(NonCoreOps).Where(op => !fixtureOps.Contains(op)).Order().ToArray();
        Assert.True(stale.Length == 0, $"Mapped ops that no fixture case uses: {string.Join(", ", stale)}.");
    }

    [Fact]
    public void BothFixturesHoldTheSameCasesWithTheSameInputs()
    {
        var f64 = GoldenFixture.Cases(Files[0]);
        var f32 = GoldenFixture.Cases(Files[1]);
        Assert.Equal(f64.Select(c => c.Name), f32.Select(c => c.Name));
        Assert.All(f64.Zip(f32), pair =>
            Assert.Equal(pair.First.Inputs().Select(t => t.ToDoubleArray()), pair.Second.Inputs().Select(t => t.ToDoubleArray())));
    }
}
