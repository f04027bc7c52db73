using System.Text.Json;
using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>
/// Batch, group and layer norm against PyTorch 1.13 (tests/golden/norm.json, made by make_norm_golden.py): outputs,
/// gradients, running statistics, and for float64 the gradients of a gradient, in training and evaluation, with and
/// without affine parameters, on (N, C), (N, C, L) and (N, C, H, W) inputs and on non-contiguous views.
/// </summary>
public sealed class NormalizationGoldenTests
{
    private static JsonElement[] AllCases() => [.. NNGoldenLoader.Load("norm.json").RootElement.GetProperty("cases").EnumerateArray()];

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in AllCases()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPyTorch(string name)
    {
        var c = AllCases().Single(e => e.GetProperty("name").GetString() == name);
        var dtype = c.GetProperty("dtype").GetString() == "float32" ? DType.Float32 : DType.Float64;
        double rtol = dtype == DType.Float64 ? 1e-10 : 2e-5;
        var args = c.GetProperty("args");
        var x = Load(c, "x", dtype, requiresGrad: true)!;
        var weight = Load(c, "weight", dtype, requiresGrad: true);
        var bias = Load(c, "bias", dtype, requiresGrad: true);
        var runningMean = Load(c, "running_mean", dtype, requiresGrad: false);
        var runningVar = Load(c, "running_var", dtype, requiresGrad: false);
        var view = args.GetProperty("permute").ValueKind == JsonValueKind.Array ? x.Permute(Ints(args.GetProperty("permute"))) : x;
        double eps = args.GetProperty("eps").GetDouble();
        var output = c.GetProperty("kind").GetString() switch
        {
            "batch_norm" => Functional.BatchNorm(view, runningMean, runningVar, weight, bias, args.GetProperty("training").GetBoolean(),
                args.GetProperty("momentum").GetDouble(), eps),
            "group_norm" => Functional.GroupNorm(view, args.GetProperty("num_groups").GetInt32(), weight, bias, eps),
            "layer_norm" => Functional.LayerNorm(view, Ints(args.GetProperty("normalized_shape")), weight, bias, eps),
            var kind => throw new ArgumentException("unknown kind " + kind),
        };
        Assert.Equal(dtype, output.DType);
        Compare(c, "output", output, rtol, name);
        if (runningMean is not null && c.GetProperty("running_mean_after").ValueKind != JsonValueKind.Null)
        {
            Compare(c, "running_mean_after", runningMean, rtol, name);
            Compare(c, "running_var_after", runningVar!, rtol, name);
        }

        bool second = c.TryGetProperty("second", out var secondCase);
        var leaves = weight is null ? new[] { x } : [x, weight, bias!];
        var grads = Autograd.Grad([output], leaves, [Load(c, "grad_output", dtype, requiresGrad: false)!], createGraph: second);
        Compare(c, "grad_x", grads[0]!, rtol, name);
        if (weight is not null)
        {
            Compare(c, "grad_weight", grads[1]!, rtol, name);
            Compare(c, "grad_bias", grads[2]!, rtol, name);
        }
        if (second)
        {
            var v = Load(secondCase, "v", dtype, requiresGrad: false)!;
            var again = Autograd.Grad([(grads[0]! * v).Sum()], [x, weight!], allowUnused: true);
            // Second derivatives scale as 1/variance and are differences of large terms: a looser bound.
            Compare(secondCase, "grad_x", again[0] ?? Tensor.ZerosLike(x), 1e-8, name + " second order");
            Compare(secondCase, "grad_weight", again[1] ?? Tensor.ZerosLike(weight!), 1e-8, name + " second order");
        }
    }

    private static int[] Ints(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetInt32())];

    private static Tensor? Load(JsonElement c, string key, DType dtype, bool requiresGrad)
    {
        var e = c.GetProperty(key);
        if (e.ValueKind == JsonValueKind.Null) return null;
        var t = NNGoldenLoader.ToTensor(e, dtype);
        if (requiresGrad) t.RequiresGrad = true;
        return t;
    }

    private static void Compare(JsonElement c, string key, Tensor actual, double rtol, string name)
    {
        var e = c.GetProperty(key);
        NNTestUtil.AssertClose(NNGoldenLoader.Data(e), NNGoldenLoader.Shape(e), actual, rtol, $"{name} {key}");
    }
}
