using System.Text.Json;
using Nabla.NN;

namespace Nabla.Tests.Golden;

/// <summary>
/// The layers against PyTorch 1.13: every case of <c>layers.json</c> (<c>make_layers_golden.py</c>): transposed
/// convolutions, convolution padding by name and padding modes (through the layers, with the case's weights assigned
/// to them), interpolation, pixel shuffle, the tanh GELU and unflatten; forward value and the gradients of input,
/// weight and bias, with transposed (non-contiguous) inputs among them. Each case is also gradient-checked by finite
/// differences, first and second order.
/// </summary>
public sealed class LayersGoldenTests
{
    private const string File = "layers.json";

    /// <summary>Each fixture op name (the OPS table of make_layers_golden.py) as a Nabla call.</summary>
    private static readonly Dictionary<string, Func<GoldenCase, Tensor[], Tensor>> Ops = new()
    {
        ["conv_transpose2d"] = (c, t) => T(c, t[0]).ConvTranspose2d(t[1], Bias(t), Pair(c, "stride"), Pair(c, "padding"), Pair(c, "output_padding"),
            c.Arg<int>("groups"), Pair(c, "dilation")),
        ["conv_transpose1d"] = (c, t) => Functional.ConvTranspose1d(T(c, t[0]), t[1], Bias(t), c.Arg<int>("stride"), c.Arg<int>("padding"),
            c.Arg<int>("output_padding"), c.Arg<int>("groups"), c.Arg<int>("dilation")),
        ["conv2d"] = (c, t) => Functional.Conv2d(T(c, t[0]), t[1], Bias(t), c.Arg<int>("stride"), Padding(c), c.Arg<int>("dilation"), c.Arg<int>("groups")),
        ["conv1d"] = (c, t) => Functional.Conv1d(T(c, t[0]), t[1], Bias(t), c.Arg<int>("stride"), Padding(c), c.Arg<int>("dilation"), c.Arg<int>("groups")),
        ["conv2d_module"] = (c, t) => WithWeights(new Conv2d(c.Arg<int>("in"), c.Arg<int>("out"), Pair(c, "k"), Pair(c, "stride"), Padding(c), Pair(c, "dilation"),
            c.Arg<int>("groups"), c.Arg<bool>("bias"), c.Arg<string>("padding_mode"), DType.Float64), t).Forward(T(c, t[0])),
        ["conv1d_module"] = (c, t) => WithWeights(new Conv1d(c.Arg<int>("in"), c.Arg<int>("out"), c.Arg<int>("k"), c.Arg<int>("stride"), Padding(c), c.Arg<int>("dilation"),
            c.Arg<int>("groups"), c.Arg<bool>("bias"), c.Arg<string>("padding_mode"), DType.Float64), t).Forward(T(c, t[0])),
        ["conv_transpose2d_module"] = (c, t) => WithWeights(new ConvTranspose2d(c.Arg<int>("in"), c.Arg<int>("out"), c.Arg<int>("k"), c.Arg<int>("stride"),
            c.Arg<int>("padding"), c.Arg<int>("output_padding"), c.Arg<int>("groups"), c.Arg<bool>("bias"), c.Arg<int>("dilation"), dtype: DType.Float64), t).Forward(T(c, t[0])),
        ["interpolate"] = (c, t) => Functional.Interpolate(T(c, t[0]), Ints(c, "size"), Doubles(c, "scale_factor"), c.Arg<string>("mode"),
            c.Arg<bool?>("align_corners"), c.Arg<bool?>("recompute_scale_factor")),
        ["pixel_shuffle"] = (c, t) => Functional.PixelShuffle(T(c, t[0]), c.Arg<int>("factor")),
        ["pixel_unshuffle"] = (c, t) => new PixelUnshuffle(c.Arg<int>("factor")).Forward(T(c, t[0])),
        ["gelu"] = (c, t) => new GELU(c.Arg<string>("approximate")).Forward(T(c, t[0])),
        ["unflatten"] = (c, t) => T(c, t[0]).Unflatten(c.Arg<int>("dim"), c.Arg<int[]>("sizes")),
    };

    private static Tensor T(GoldenCase c, Tensor x) => c.HasArg("transposed") && c.Arg<bool>("transposed") ? x.Transpose(-2, -1) : x;

    private static Tensor? Bias(Tensor[] t) => t.Length > 2 ? t[2] : null;

    /// <summary>The case's weight (input 1) and bias (input 2) assigned to the layer's parameters, so that their gradients are the inputs'.</summary>
    private static Convolution WithWeights(Convolution layer, Tensor[] t)
    {
        layer.Weight = t[1];
        if (t.Length > 2) layer.Bias = t[2];
        return layer;
    }

    /// <summary>An argument that is one int or a pair, as (H, W).</summary>
    private static (int H, int W) Pair(GoldenCase c, string name)
    {
        var v = c.Arg<JsonElement>(name);
        return v.ValueKind == JsonValueKind.Array ? (v[0].GetInt32(), v[1].GetInt32()) : (v.GetInt32(), v.GetInt32());
    }

    private static ConvPadding Padding(GoldenCase c)
    {
        var v = c.Arg<JsonElement>("padding");
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.Array => (v[0].GetInt32(), v[1].GetInt32()),
            _ => v.GetInt32(),
        };
    }

    private static int[]? Ints(GoldenCase c, string name)
    {
        var v = c.Arg<JsonElement>(name);
        return v.ValueKind switch
        {
            JsonValueKind.Array => v.EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            JsonValueKind.Number => [v.GetInt32()],
            _ => null,
        };
    }

    private static double[]? Doubles(GoldenCase c, string name)
    {
        var v = c.Arg<JsonElement>(name);
        return v.ValueKind switch
        {
            JsonValueKind.Array => v.EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            JsonValueKind.Number => [v.GetDouble()],
            _ => null,
        };
    }

    /// <summary>(file, case) for every case of the fixture.</summary>
    public static TheoryData<string, string> Cases => GoldenFixture.TheoryCases([File], _ => true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string file, string name)
    {
        var c = GoldenFixture.Case(file, name);
        Assert.True(Ops.TryGetValue(c.Op, out var op), $"{name}: no Nabla mapping for fixture op '{c.Op}'.");
        c.AssertMatches(inputs => op(c, inputs));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchFiniteDifferences(string file, string name)
    {
        var c = GoldenFixture.Case(file, name);
        var op = Ops[c.Op];
        var first = GradCheck.Check(x => op(c, x), c.Inputs());
        Assert.True(first.Passed, $"{name}: {first}");
        var second = GradCheck.CheckSecondOrder(x => op(c, x), c.Inputs());
        Assert.True(second.Passed, $"{name} (second order): {second}");
    }

    [Fact]
    public void EveryFixtureOpIsMappedAndEveryMappingUsed()
    {
        var fixtureOps = GoldenFixture.Cases(File).Select(c => c.Op).ToHashSet();
        Assert.True(fixtureOps.SetEquals(Ops.Keys), $"fixture ops {string.Join(", ", fixtureOps.Order())} and mapped ops {string.Join(", ", Ops.Keys.Order())} differ.");
    }
}
