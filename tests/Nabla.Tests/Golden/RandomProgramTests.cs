using System.Reflection;
using Nabla.NN;

namespace Nabla.Tests.Golden;

/// <summary>
/// Random op programs against PyTorch 1.13: every program of <c>random_programs_float64.json</c> and
/// <c>random_programs_float32.json</c> (written by <c>make_random_programs.py</c>) is replayed with Nabla's public
/// API, and its output and the gradient of every input are compared with PyTorch's. To add an op, add one line to
/// the generator's OPS table and one line to <see cref="Ops"/>, then regenerate the fixtures.
/// </summary>
public sealed class RandomProgramTests
{
    private const string Float64 = "random_programs_float64.json";
    private const string Float32 = "random_programs_float32.json";

    /// <summary>Each op name of the generator's OPS table as a Nabla call on the step's operands.</summary>
    private static readonly Dictionary<string, Func<RandomProgram.Step, Tensor[], Tensor>> Ops = new()
    {
        ["add"] = (s, t) => t[0] + t[1],
        ["sub"] = (s, t) => t[0] - t[1],
        ["mul"] = (s, t) => t[0] * t[1],
        ["div"] = (s, t) => t[0] / t[1],
        ["pow"] = (s, t) => t[0].Pow(t[1]),
        ["maximum"] = (s, t) => t[0].Maximum(t[1]),
        ["minimum"] = (s, t) => t[0].Minimum(t[1]),
        ["neg"] = (s, t) => t[0].Neg(),
        ["exp"] = (s, t) => t[0].Exp(),
        ["log"] = (s, t) => t[0].Log(),
        ["log1p"] = (s, t) => t[0].Log1p(),
        ["sqrt"] = (s, t) => t[0].Sqrt(),
        ["abs"] = (s, t) => t[0].Abs(),
        ["relu"] = (s, t) => t[0].Relu(),
        ["sigmoid"] = (s, t) => t[0].Sigmoid(),
        ["tanh"] = (s, t) => t[0].Tanh(),
        ["erf"] = (s, t) => t[0].Erf(),
        ["sin"] = (s, t) => t[0].Sin(),
        ["cos"] = (s, t) => t[0].Cos(),
        ["softplus"] = (s, t) => t[0].Softplus(s.Arg<double>("beta"), s.Arg<double>("threshold")),
        ["gelu"] = (s, t) => t[0].Gelu(),
        ["silu"] = (s, t) => t[0].Silu(),
        ["elu"] = (s, t) => t[0].Elu(s.Arg<double>("alpha")),
        ["leaky_relu"] = (s, t) => t[0].LeakyRelu(s.Arg<double>("negative_slope")),
        ["clamp"] = (s, t) => t[0].Clamp(s.Arg<double?>("min"), s.Arg<double?>("max")),
        ["pow_scalar"] = (s, t) => t[0].Pow(s.Arg<double>("exponent")),
        ["where"] = (s, t) => Tensor.Where(s.Constant("condition", t[0].DType), t[0], t.Length > 1 ? t[1] : Tensor.Scalar(s.Arg<double>("other"), t[0].DType)),
        ["sum"] = (s, t) => t[0].Sum(s.Arg<int[]>("dims"), s.Arg<bool>("keepdim")),
        ["mean"] = (s, t) => t[0].Mean(s.Arg<int[]>("dims"), s.Arg<bool>("keepdim")),
        ["amax"] = (s, t) => t[0].Amax(s.Arg<int[]>("dims"), s.Arg<bool>("keepdim")),
        ["amin"] = (s, t) => t[0].Amin(s.Arg<int[]>("dims"), s.Arg<bool>("keepdim")),
        ["var"] = (s, t) => t[0].Var(s.Arg<int[]>("dims"), s.Arg<bool>("keepdim"), s.Arg<int>("correction")),
        ["logsumexp"] = (s, t) => t[0].LogSumExp(s.Arg<int[]>("dims"), s.Arg<bool>("keepdim")),
        ["softmax"] = (s, t) => t[0].Softmax(s.Arg<int>("dim")),
        ["log_softmax"] = (s, t) => t[0].LogSoftmax(s.Arg<int>("dim")),
        ["matmul"] = (s, t) => t[0].MatMul(t[1]),
        ["linear"] = (s, t) => Functional.Linear(t[0], t[1], s.Arg<bool>("bias") ? t[2] : null),
        ["reshape"] = (s, t) => t[0].Reshape(s.Arg<int[]>("shape")),
        ["permute"] = (s, t) => t[0].Permute(s.Arg<int[]>("dims")),
        ["transpose"] = (s, t) => t[0].Transpose(s.Arg<int>("dim0"), s.Arg<int>("dim1")),
        ["narrow"] = (s, t) => t[0].Narrow(s.Arg<int>("dim"), s.Arg<int>("start"), s.Arg<int>("length")),
        ["pad"] = (s, t) => t[0].Pad(s.Arg<int>("dim"), s.Arg<int>("before"), s.Arg<int>("after")),
        ["cat"] = (s, t) => Tensor.Cat(t, s.Arg<int>("dim")),
        ["stack"] = (s, t) => Tensor.Stack(t, s.Arg<int>("dim")),
        ["index_select"] = (s, t) => t[0].IndexSelect(s.Arg<int>("dim"), s.Constant("index", DType.Int64)),
        ["gather"] = (s, t) => t[0].Gather(s.Arg<int>("dim"), s.Constant("index", DType.Int64)),
        ["expand"] = (s, t) => t[0].Expand(s.Arg<int[]>("shape")),
        ["tril"] = (s, t) => t[0].Tril(s.Arg<int>("diagonal")),
        ["triu"] = (s, t) => t[0].Triu(s.Arg<int>("diagonal")),
        ["masked_fill"] = (s, t) => t[0].MaskedFill(s.Constant("mask", t[0].DType), s.Arg<double>("value")),
        ["lstm_cell"] = (s, t) => Tensor.LstmCell(t[0], t[1], t[2]),
        ["gru_cell"] = (s, t) => Tensor.GruCell(t[0], t[1], t[2]),
        ["lstm_sequence"] = (s, t) => Tensor.LstmSequence(t[0], t[1], t[2], t[3], s.Arg<bool>("reverse"), s.Arg<int[]?>("lengths")),
        ["gru_sequence"] = (s, t) => s.Arg<bool>("bias")
            ? Tensor.GruSequence(t[0], t[1], t[2], t[3], s.Arg<bool>("reverse"), s.Arg<int[]?>("lengths"))
            : Tensor.GruSequence(t[0], t[1], null, t[2], s.Arg<bool>("reverse"), s.Arg<int[]?>("lengths")),
        ["rnn_sequence"] = (s, t) => Tensor.RnnSequence(t[0], t[1], t[2], s.Arg<bool>("relu"), s.Arg<bool>("reverse"), s.Arg<int[]?>("lengths")),
        ["tan"] = (s, t) => t[0].Tan(),
        ["atan"] = (s, t) => t[0].Atan(),
        ["sinh"] = (s, t) => t[0].Sinh(),
        ["cosh"] = (s, t) => t[0].Cosh(),
        ["asinh"] = (s, t) => t[0].Asinh(),
        ["expm1"] = (s, t) => t[0].Expm1(),
        ["exp2"] = (s, t) => t[0].Exp2(),
        ["log2"] = (s, t) => t[0].Log2(),
        ["log10"] = (s, t) => t[0].Log10(),
        ["atan2"] = (s, t) => t[0].Atan2(t[1]),
        ["hypot"] = (s, t) => t[0].Hypot(t[1]),
        ["lerp"] = (s, t) => t[0].Lerp(t[1], 0.25),
        ["cumsum"] = (s, t) => t[0].CumSum(s.Arg<int>("dim")),
        ["cumprod"] = (s, t) => t[0].CumProd(s.Arg<int>("dim")),
        ["prod_dim"] = (s, t) => t[0].Prod(s.Arg<int>("dim"), s.Arg<bool>("keepdim")),
        ["norm"] = (s, t) => t[0].Norm(s.Arg<double>("p"), s.Arg<int>("dim"), s.Arg<bool>("keepdim")),
        ["topk_values"] = (s, t) => t[0].TopK(s.Arg<int>("k"), s.Arg<int>("dim")).Values,
        ["flip"] = (s, t) => t[0].Flip(s.Arg<int[]>("dims")),
        ["roll"] = (s, t) => t[0].Roll(s.Arg<int>("shift"), s.Arg<int>("dim")),
        ["repeat"] = (s, t) => t[0].Repeat(s.Arg<int[]>("repeats")),
        ["diagonal"] = (s, t) => t[0].Diagonal(s.Arg<int>("offset"), s.Arg<int>("dim1"), s.Arg<int>("dim2")),
        ["einsum_transpose"] = (s, t) => Tensor.Einsum("...ij->...ji", t[0]),
        ["pad_mode"] = (s, t) => Functional.Pad(t[0], [s.Arg<int>("before"), s.Arg<int>("after")], s.Arg<string>("mode")),
        ["take"] = (s, t) => t[0].Take(s.Constant("index", DType.Int64)),
        ["index_get"] = (s, t) => t[0][s.Constant("index", DType.Int64)],
        ["setitem"] = (s, t) =>
        {
            var y = t[0] * 1.0;
            y[Tensor.Ellipsis, 0] = t[0][Tensor.Ellipsis, -1] * 2.0;
            return y;
        },
        ["sort_values"] = (s, t) => t[0].Sort(s.Arg<int>("dim"), s.Arg<bool>("descending")).Values,
        ["sort_indices"] = (s, t) =>
        {
            var (values, indices) = t[0].Sort(s.Arg<int>("dim"), s.Arg<bool>("descending"));
            return values + t[1].Gather(s.Arg<int>("dim"), indices);
        },
        ["argsort_gather"] = (s, t) => t[1].Gather(s.Arg<int>("dim"), t[0].Argsort(s.Arg<int>("dim"), s.Arg<bool>("descending"))),
        ["topk_indices"] = (s, t) =>
        {
            var (values, indices) = t[0].TopK(s.Arg<int>("k"), s.Arg<int>("dim"), s.Arg<bool>("largest"));
            return values + (0.5 * t[1].Gather(s.Arg<int>("dim"), indices));
        },
        ["kthvalue"] = (s, t) => t[0].Kthvalue(s.Arg<int>("k"), s.Arg<int>("dim"), s.Arg<bool>("keepdim")).Values,
        ["median_dim"] = (s, t) => t[0].Median(s.Arg<int>("dim"), s.Arg<bool>("keepdim")).Values,
        ["cummax"] = (s, t) => t[0].Cummax(s.Arg<int>("dim")).Values,
        ["floor"] = (s, t) => t[0].Floor(),
        ["ceil"] = (s, t) => t[0].Ceil(),
        ["round"] = (s, t) => t[0].Round(),
        ["round_decimals"] = (s, t) => t[0].Round(s.Arg<int>("decimals")),
        ["trunc"] = (s, t) => t[0].Trunc(),
        ["frac"] = (s, t) => t[0].Frac(),
        ["fmod"] = (s, t) => t[0].Fmod(t[1]),
        ["remainder"] = (s, t) => t[0].Remainder(t[1]),
        ["fmod_scalar"] = (s, t) => t[0].Fmod(s.Arg<double>("other")),
        ["remainder_scalar"] = (s, t) => t[0] % s.Arg<double>("other"),
        ["einsum_matmul"] = (s, t) => Tensor.Einsum(s.Arg<string>("equation"), t[0], t[1]),
        ["einsum_batched"] = (s, t) => Tensor.Einsum(s.Arg<string>("equation"), t[0], t[1]),
        ["einsum_outer"] = (s, t) => Tensor.Einsum(s.Arg<string>("equation"), t[0], t[1]),
        ["einsum_trace"] = (s, t) => Tensor.Einsum(s.Arg<string>("equation"), t[0], t[1]),
        ["masked_fill_cmp"] = (s, t) => t[0].MaskedFill(Compared(s, t[1]), s.Arg<double>("value")),
        ["where_cmp"] = (s, t) => Tensor.Where(Compared(s, t[s.Arg<int>("on")]), t[0], t[1]),
        ["mask_index"] = (s, t) => t[0][Compared(s, t[1])],
        ["mask_index_rows"] = (s, t) => t[0][Compared(s, t[0][Tensor.Ellipsis, 0])],
        ["masked_select"] = (s, t) => t[0].MaskedSelect(Compared(s, t[1])),
        ["mask_setitem"] = (s, t) =>
        {
            var y = t[0] * 1.0;
            y[Compared(s, t[1])] = s.Arg<double>("value");
            return y;
        },
        ["masked_scatter"] = (s, t) => t[0].MaskedScatter(Compared(s, t[2]), t[1]),
        ["scatter"] = (s, t) => t[0].Scatter(s.Arg<int>("dim"), s.Constant("index", DType.Int64), t[1]),
        ["scatter_add"] = (s, t) => t[0].ScatterAdd(s.Arg<int>("dim"), s.Constant("index", DType.Int64), t[1]),
        ["scatter_value"] = (s, t) => t[0].Scatter(s.Arg<int>("dim"), s.Constant("index", DType.Int64), s.Arg<double>("value")),
        ["index_add"] = (s, t) => t[0].IndexAdd(s.Arg<int>("dim"), s.Constant("index", DType.Int64), t[1]),
        ["index_fill"] = (s, t) => t[0].IndexFill(s.Arg<int>("dim"), s.Constant("index", DType.Int64), s.Arg<double>("value")),
        ["index_put"] = (s, t) =>
        {
            var second = s.OptionalConstant("index1", DType.Int64);
            Tensor?[] indices = second is null ? [s.Constant("index0", DType.Int64)] : [s.Constant("index0", DType.Int64), second];
            return t[0].IndexPut(indices, t[1], s.Arg<bool>("accumulate"));
        },
        ["setitem_index"] = (s, t) =>
        {
            var y = t[0] * 1.0;
            y[s.Constant("index", DType.Int64)] = t[1];
            return y;
        },
        ["logcumsumexp"] = (s, t) => t[0].LogCumSumExp(s.Arg<int>("dim")),
        ["svdvals"] = (s, t) => Linalg.Svdvals(t[0]),
        ["nuclear_norm"] = (s, t) => Linalg.MatrixNorm(t[0], "nuc"),
        ["svd_factors"] = (s, t) =>
        {
            var (u, sv, vh) = Linalg.Svd(t[0], fullMatrices: false);
            return (u.Square() * sv.Unsqueeze(-2)).MatMul(vh.Square());
        },
        ["conv1d"] = (s, t) => Functional.Conv1d(t[0].Unsqueeze(0), t[1], Bias(s, t), s.Arg<int>("stride"), s.Arg<int>("padding")).Squeeze(0),
        ["conv2d"] = (s, t) => Functional.Conv2d(t[0].Unsqueeze(0), t[1], Bias(s, t), s.Arg<int>("stride"), s.Arg<int>("padding")).Squeeze(0),
        ["conv_transpose1d"] = (s, t) => Functional.ConvTranspose1d(t[0].Unsqueeze(0), t[1], Bias(s, t), s.Arg<int>("stride"), s.Arg<int>("padding"), s.Arg<int>("output_padding")).Squeeze(0),
        ["conv_transpose2d"] = (s, t) => Functional.ConvTranspose2d(t[0].Unsqueeze(0), t[1], Bias(s, t), s.Arg<int>("stride"), s.Arg<int>("padding"), s.Arg<int>("output_padding")).Squeeze(0),
        ["interpolate_linear"] = (s, t) => Functional.Interpolate(t[0].Unsqueeze(0), s.Arg<int[]>("size"), mode: "linear", alignCorners: s.Arg<bool>("align_corners")).Squeeze(0),
        ["interpolate_bilinear"] = (s, t) => Functional.Interpolate(t[0].Unsqueeze(0), s.Arg<int[]>("size"), mode: "bilinear", alignCorners: s.Arg<bool>("align_corners")).Squeeze(0),
        ["pixel_shuffle"] = (s, t) => Functional.PixelShuffle(t[0], 2),
        ["pixel_unshuffle"] = (s, t) => Functional.PixelUnshuffle(t[0], 2),
        ["batch_norm"] = (s, t) => Functional.BatchNorm(t[0], null, null, Affine(s, t, 1), Affine(s, t, 2), training: true),
        ["group_norm"] = (s, t) => Functional.GroupNorm(t[0], s.Arg<int>("num_groups"), Affine(s, t, 1), Affine(s, t, 2)),
        ["layer_norm"] = (s, t) => Functional.LayerNorm(t[0], s.Arg<int[]>("normalized_shape"), Affine(s, t, 1), Affine(s, t, 2)),
        ["mse_loss"] = (s, t) => Functional.MseLoss(t[0], t[1], ReductionOf(s)),
        ["huber_loss"] = (s, t) => Functional.HuberLoss(t[0], t[1], ReductionOf(s), s.Arg<double>("delta")),
        ["cross_entropy_soft"] = (s, t) => Functional.CrossEntropy(t[0], t[1].Softmax(1), reduction: ReductionOf(s)),
        ["bce_with_logits"] = (s, t) => Functional.BinaryCrossEntropyWithLogits(t[0], t[1].Sigmoid(), reduction: ReductionOf(s)),
        ["tile"] = (s, t) => t[0].Tile(s.Arg<int[]>("reps")),
        ["repeat_interleave"] = (s, t) => t[0].RepeatInterleave(s.Arg<int>("repeats"), s.Arg<int>("dim")),
        ["diag_embed"] = (s, t) => t[0].DiagEmbed(),
        ["trace"] = (s, t) => t[0].Trace(),
        ["outer"] = (s, t) => t[0].Outer(t[1]),
        ["dist"] = (s, t) => t[0].Dist(t[1]),
        ["cdist"] = (s, t) => Tensor.Cdist(t[0], t[1]),
        ["quantile"] = (s, t) => t[0].Quantile(s.Arg<double>("q"), s.Arg<int>("dim"), s.Arg<bool>("keepdim")),
        ["reciprocal"] = (s, t) => t[0].Reciprocal(),
        ["asin"] = (s, t) => t[0].Asin(),
        ["acos"] = (s, t) => t[0].Acos(),
        ["bmm"] = (s, t) => t[0].Bmm(t[1]),
        ["addmm"] = (s, t) => Tensor.Addmm(t[0], t[1], t[2], s.Arg<double>("beta"), s.Arg<double>("alpha")),
    };

    private static Tensor? Bias(RandomProgram.Step s, Tensor[] t) => s.Arg<bool>("bias") ? t[2] : null;

    private static Tensor? Affine(RandomProgram.Step s, Tensor[] t, int k) => s.Arg<bool>("affine") ? t[k] : null;

    private static Reduction ReductionOf(RandomProgram.Step s) => s.Arg<string>("reduction") switch
    {
        "none" => Reduction.None,
        "mean" => Reduction.Mean,
        "sum" => Reduction.Sum,
        var other => throw new ArgumentException($"{s}: unknown reduction '{other}'."),
    };

    /// <summary>The Bool mask of a step's comparison: <paramref name="c"/> against the step's threshold by its "cmp" (gt, lt, ge, le).</summary>
    private static Tensor Compared(RandomProgram.Step s, Tensor c)
    {
        double threshold = s.Arg<double>("threshold");
        return s.Arg<string>("cmp") switch
        {
            "gt" => c.Gt(threshold),
            "lt" => c.Lt(threshold),
            "ge" => c.Ge(threshold),
            "le" => c.Le(threshold),
            var other => throw new ArgumentException($"{s}: unknown comparison '{other}'."),
        };
    }

    /// <summary>
    /// Programs on which Nabla and PyTorch disagree: the rows of the skipped theories below, whose skip reasons name
    /// the op, the inputs and both answers. <see cref="MatchesPyTorch"/> leaves them out while the skip stands.
    /// </summary>
    private static readonly HashSet<string> Discrepant = typeof(RandomProgramTests).GetMethods()
        .Where(m => m.GetCustomAttribute<TheoryAttribute>()?.Skip is not null)
        .SelectMany(m => m.GetCustomAttributes<InlineDataAttribute>())
        .Select(a => (string)a.GetData(null!).Single()[1])
        .ToHashSet();

    /// <summary>(file, program) for every program of both fixtures that is not a known discrepancy.</summary>
    public static TheoryData<string, string> Programs
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var file in new[] { Float64, Float32 })
            {
                foreach (var name in RandomProgram.Load(file).Keys.Where(n => !Discrepant.Contains(n)))
                    data.Add(file, name);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void MatchesPyTorch(string file, string name) => Replay(file, name);

    [Theory]
    [InlineData(Float64, "f64_081")]
    public void EluOfLargeInputsHasAFiniteGradient(string file, string name) => Replay(file, name);

    [Theory]
    [InlineData(Float64, "f64_105")]
    public void TanhOfTinyInputsKeepsItsRelativeAccuracy(string file, string name) => Replay(file, name);

    [Theory]
    [InlineData(Float32, "f32_014")]
    public void LogSoftmaxOfADominantEntryKeepsItsPrecision(string file, string name) => Replay(file, name);

    [Fact]
    public void EveryGeneratedOpIsMappedAndEveryMappedOpIsGenerated()
    {
        var used = new[] { Float64, Float32 }.SelectMany(f => RandomProgram.Load(f).Values).SelectMany(p => p.Steps).Select(s => s.Op).ToHashSet();
        var unmapped = used.Where(op => !Ops.ContainsKey(op)).Order().ToArray();
        Assert.True(unmapped.Length == 0, $"Ops of the random programs with no Nabla mapping in {nameof(RandomProgramTests)}: {string.Join(", ", unmapped)}.");
        var unused = Ops.Keys.Where(op => !used.Contains(op)).Order().ToArray();
        Assert.True(unused.Length == 0, $"Mapped ops that no random program uses (regenerate the fixtures): {string.Join(", ", unused)}.");
    }

    [Fact]
    public void EveryKnownDiscrepancyNamesAProgram()
    {
        var names = new[] { Float64, Float32 }.SelectMany(f => RandomProgram.Load(f).Keys).ToHashSet();
        Assert.All(Discrepant, name => Assert.True(names.Contains(name), $"The skipped discrepancy row '{name}' names no program (the fixtures were regenerated?)."));
    }

    [Fact]
    public void BothFixturesHoldTheirProgramCounts()
    {
        Assert.Equal(460, RandomProgram.Load(Float64).Count);
        Assert.Equal(214, RandomProgram.Load(Float32).Count);
    }

    /// <summary>
    /// Replays one program. The tolerances leave room for the programs' conditioning: the generator keeps only
    /// programs whose float32 and float64 PyTorch runs agree to 2e-6, and the worst error of the programs that are
    /// not known discrepancies is 1.1e-6 in float32 and 7.4e-15 in float64.
    /// </summary>
    private static void Replay(string file, string name)
    {
        var program = RandomProgram.Load(file)[name];
        program.AssertMatches(Ops, program.DType == DType.Float32 ? 1e-5 : 1e-13, 1e-11);
    }
}
