using System.Text.Json;
using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>
/// Reads the NN op cases of tests/golden/ops_{float64,float32}.json (format: tests/golden/README.md). Private to the
/// NN tests; the shared loader lives in tests/Nabla.Tests/Golden.
/// </summary>
internal static class NNGoldenLoader
{
    public static readonly string[] Ops =
        ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "bce", "bce_with_logits", "cross_entropy", "nll_loss", "kl_div",
         "layer_norm", "batch_norm_train", "group_norm", "embedding",
         "conv2d", "conv1d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"];

    private static readonly Dictionary<string, JsonDocument> Files = [];

    public static string GoldenDir
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "tests", "golden"))) dir = dir.Parent;
            return dir is null ? throw new DirectoryNotFoundException("tests/golden not found above " + AppContext.BaseDirectory) : Path.Combine(dir.FullName, "tests", "golden");
        }
    }

    public static JsonDocument Load(string file)
    {
        lock (Files)
        {
            if (!Files.TryGetValue(file, out var doc))
                Files[file] = doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenDir, file)));
            return doc;
        }
    }

    public static IEnumerable<JsonElement> Cases(string dtype) =>
        Load($"ops_{dtype}.json").RootElement.GetProperty("cases").EnumerateArray().Where(c => Ops.Contains(c.GetProperty("op").GetString()));

    public static double[] Data(JsonElement t) => t.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static int[] Shape(JsonElement t) => t.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public static Tensor ToTensor(JsonElement t, DType dtype)
    {
        var shape = Shape(t);
        var data = Data(t);
        bool isInt = t.TryGetProperty("dtype", out var d) && d.GetString() == "int64";
        var tensor = isInt ? Tensor.FromArray(Array.ConvertAll(data, v => (long)v)) : Tensor.FromArray(data).To(dtype);
        return tensor.Reshape(shape);
    }

    public static Tensor? Vector(JsonElement args, string key, DType dtype) =>
        args.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Array
            ? Tensor.FromArray(v.EnumerateArray().Select(e => e.GetDouble()).ToArray()).To(dtype)
            : null;

    public static Reduction ParseReduction(JsonElement args) => args.GetProperty("reduction").GetString() switch
    {
        "mean" => Reduction.Mean,
        "sum" => Reduction.Sum,
        "none" => Reduction.None,
        "batchmean" => Reduction.BatchMean,
        var r => throw new ArgumentException("unknown reduction " + r),
    };
}

public sealed class NNGoldenTests
{
    public static TheoryData<string, string> CaseNames()
    {
        var data = new TheoryData<string, string>();
        foreach (var dtype in new[] { "float64", "float32" })
        {
            foreach (var c in NNGoldenLoader.Cases(dtype))
                data.Add(dtype, c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Fact]
    public void EveryNNOpHasGoldenCases()
    {
        var ops = NNGoldenLoader.Cases("float64").Select(c => c.GetProperty("op").GetString()).ToHashSet();
        Assert.Equal(NNGoldenLoader.Ops.OrderBy(o => o), ops.OrderBy(o => o));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPyTorch(string dtypeName, string name)
    {
        var dtype = dtypeName == "float64" ? DType.Float64 : DType.Float32;
        double rtol = dtype == DType.Float64 ? 1e-10 : 1e-5;
        var c = NNGoldenLoader.Cases(dtypeName).Single(e => e.GetProperty("name").GetString() == name);
        var inputsJson = c.GetProperty("inputs").EnumerateArray().ToArray();
        var inputs = inputsJson.Select(i => NNGoldenLoader.ToTensor(i, dtype)).ToArray();
        for (int i = 0; i < inputs.Length; i++)
            if (inputsJson[i].GetProperty("grad").GetBoolean()) inputs[i].RequiresGrad = true;
        var args = c.GetProperty("args");

        var output = Evaluate(c.GetProperty("op").GetString()!, inputs, args, dtype);
        var expected = c.GetProperty("output");
        NNTestUtil.AssertClose(NNGoldenLoader.Data(expected), NNGoldenLoader.Shape(expected), output, rtol, name + " output");
        Assert.Equal(dtype, output.DType);

        var withGrad = Enumerable.Range(0, inputs.Length).Where(i => inputs[i].RequiresGrad).ToArray();
        var gradOutput = NNGoldenLoader.ToTensor(c.GetProperty("grad_output"), dtype);
        var grads = Autograd.Grad([output], withGrad.Select(i => inputs[i]).ToArray(), [gradOutput]);
        var expectedGrads = c.GetProperty("grads").EnumerateArray().ToArray();
        for (int k = 0; k < withGrad.Length; k++)
        {
            var g = expectedGrads[withGrad[k]];
            NNTestUtil.AssertClose(NNGoldenLoader.Data(g), NNGoldenLoader.Shape(g), grads[k]!, rtol, $"{name} grad of input {withGrad[k]}");
        }
    }

    private static int Int(JsonElement args, string key) => args.GetProperty(key).GetInt32();

    private static Tensor Evaluate(string op, Tensor[] t, JsonElement a, DType dtype) => op switch
    {
        "mse_loss" => Functional.MseLoss(t[0], t[1], NNGoldenLoader.ParseReduction(a)),
        "l1_loss" => Functional.L1Loss(t[0], t[1], NNGoldenLoader.ParseReduction(a)),
        "smooth_l1_loss" => Functional.SmoothL1Loss(t[0], t[1], NNGoldenLoader.ParseReduction(a), a.GetProperty("beta").GetDouble()),
        "huber_loss" => Functional.HuberLoss(t[0], t[1], NNGoldenLoader.ParseReduction(a), a.GetProperty("delta").GetDouble()),
        "bce" => Functional.BinaryCrossEntropy(t[0], t[1], reduction: NNGoldenLoader.ParseReduction(a)),
        "bce_with_logits" => Functional.BinaryCrossEntropyWithLogits(t[0], t[1], reduction: NNGoldenLoader.ParseReduction(a),
            posWeight: NNGoldenLoader.Vector(a, "pos_weight", dtype)),
        "cross_entropy" => Functional.CrossEntropy(t[0], t[1], NNGoldenLoader.Vector(a, "weight", dtype), a.GetProperty("ignore_index").GetInt32(),
            NNGoldenLoader.ParseReduction(a), a.GetProperty("label_smoothing").GetDouble()),
        "nll_loss" => Functional.NllLoss(t[0], t[1], NNGoldenLoader.Vector(a, "weight", dtype), reduction: NNGoldenLoader.ParseReduction(a)),
        "kl_div" => Functional.KlDiv(t[0], t[1], NNGoldenLoader.ParseReduction(a), a.GetProperty("log_target").GetBoolean()),
        "layer_norm" => Functional.LayerNorm(t[0], a.GetProperty("normalized_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            t[1], t[2], a.GetProperty("eps").GetDouble()),
        "batch_norm_train" => Functional.BatchNorm(t[0], null, null, t[1], t[2], training: true, eps: a.GetProperty("eps").GetDouble()),
        "group_norm" => Functional.GroupNorm(t[0], a.GetProperty("num_groups").GetInt32(), t[1], t[2], a.GetProperty("eps").GetDouble()),
        "embedding" => Functional.Embedding(t[0], t[1]),
        "conv2d" => Functional.Conv2d(t[0], t[1], t[2], Int(a, "stride"), Int(a, "padding"), Int(a, "dilation"), Int(a, "groups")),
        "conv1d" => Functional.Conv1d(t[0], t[1], t[2], Int(a, "stride"), Int(a, "padding"), Int(a, "dilation"), Int(a, "groups")),
        "max_pool2d" => Functional.MaxPool2d(t[0], Int(a, "kernel_size"), Int(a, "stride"), Int(a, "padding"), ceilMode: a.GetProperty("ceil_mode").GetBoolean()),
        "avg_pool2d" => Functional.AvgPool2d(t[0], Int(a, "kernel_size"), Int(a, "stride"), Int(a, "padding"), a.GetProperty("ceil_mode").GetBoolean(),
            a.GetProperty("count_include_pad").GetBoolean()),
        "adaptive_avg_pool2d" => Functional.AdaptiveAvgPool2d(t[0], a.GetProperty("output_size")[0].GetInt32(), a.GetProperty("output_size")[1].GetInt32()),
        _ => throw new ArgumentException("no evaluator for " + op),
    };
}
