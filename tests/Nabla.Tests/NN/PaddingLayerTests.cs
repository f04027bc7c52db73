using System.Text.Json;
using Nabla.IO;
using Nabla.NN;
using Nabla.Tests.Data;
using Nabla.Tests.Golden;

namespace Nabla.Tests.NN;

/// <summary>
/// The padding layers (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and CircularPad, 1-D to 3-D) against PyTorch
/// 1.13 (the padding cases of <c>tests/golden/padnorm.json</c>, made by <c>make_padnorm_golden.py</c>): output, input
/// gradient and printout, batched and unbatched, transposed (non-contiguous) inputs and cropping among them; float64
/// gradient checks of first and second order; constructors, model files and bad inputs.
/// </summary>
public sealed class PaddingLayerTests
{
    private const string File = "padnorm.json";

    /// <summary>Each layer by its PyTorch name: from one padding for every side, and from the full padding array.</summary>
    private static readonly Dictionary<string, (Func<int, double, PadNd> Uniform, Func<int[], double, PadNd> Full)> Layers = new()
    {
        ["ZeroPad1d"] = ((p, _) => new ZeroPad1d(p), (p, _) => new ZeroPad1d(p)),
        ["ZeroPad2d"] = ((p, _) => new ZeroPad2d(p), (p, _) => new ZeroPad2d(p)),
        ["ZeroPad3d"] = ((p, _) => new ZeroPad3d(p), (p, _) => new ZeroPad3d(p)),
        ["ConstantPad1d"] = ((p, v) => new ConstantPad1d(p, v), (p, v) => new ConstantPad1d(p, v)),
        ["ConstantPad2d"] = ((p, v) => new ConstantPad2d(p, v), (p, v) => new ConstantPad2d(p, v)),
        ["ConstantPad3d"] = ((p, v) => new ConstantPad3d(p, v), (p, v) => new ConstantPad3d(p, v)),
        ["ReflectionPad1d"] = ((p, _) => new ReflectionPad1d(p), (p, _) => new ReflectionPad1d(p)),
        ["ReflectionPad2d"] = ((p, _) => new ReflectionPad2d(p), (p, _) => new ReflectionPad2d(p)),
        ["ReflectionPad3d"] = ((p, _) => new ReflectionPad3d(p), (p, _) => new ReflectionPad3d(p)),
        ["ReplicationPad1d"] = ((p, _) => new ReplicationPad1d(p), (p, _) => new ReplicationPad1d(p)),
        ["ReplicationPad2d"] = ((p, _) => new ReplicationPad2d(p), (p, _) => new ReplicationPad2d(p)),
        ["ReplicationPad3d"] = ((p, _) => new ReplicationPad3d(p), (p, _) => new ReplicationPad3d(p)),
        ["CircularPad1d"] = ((p, _) => new CircularPad1d(p), (p, _) => new CircularPad1d(p)),
        ["CircularPad2d"] = ((p, _) => new CircularPad2d(p), (p, _) => new CircularPad2d(p)),
        ["CircularPad3d"] = ((p, _) => new CircularPad3d(p), (p, _) => new CircularPad3d(p)),
    };

    public static TheoryData<string, string> Cases => GoldenFixture.TheoryCases([File], c => c.Op != "instance_norm");

    private static PadNd Layer(GoldenCase c)
    {
        var (uniform, full) = Layers[c.Op];
        double value = c.HasArg("value") ? c.Arg<double>("value") : 0;
        var padding = c.Arg<JsonElement>("padding");
        return padding.ValueKind == JsonValueKind.Number
            ? uniform(padding.GetInt32(), value)
            : full(padding.EnumerateArray().Select(e => e.GetInt32()).ToArray(), value);
    }

    private static Tensor Run(GoldenCase c, Tensor[] inputs)
    {
        var x = c.Arg<bool>("transposed") ? inputs[0].Transpose(-2, -1) : inputs[0];
        return Layer(c).Forward(x);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string file, string name)
    {
        var c = GoldenFixture.Case(file, name);
        c.AssertMatches(inputs => Run(c, inputs));
        if (GoldenFixture.Entry(file, name).TryGetProperty("repr", out var repr))
            Assert.Equal(repr.GetString(), Layer(c).ToString());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchFiniteDifferences(string file, string name)
    {
        var c = GoldenFixture.Case(file, name);
        var first = GradCheck.Check(x => Run(c, x), c.Inputs());
        Assert.True(first.Passed, $"{name}: {first}");
        var second = GradCheck.CheckSecondOrder(x => Run(c, x), c.Inputs());
        Assert.True(second.Passed, $"{name} (second order): {second}");
    }

    [Fact]
    public void EveryLayerHasAGoldenCase()
    {
        var ops = GoldenFixture.Cases(File).Select(c => c.Op).Where(op => op != "instance_norm").ToHashSet();
        Assert.True(ops.SetEquals(Layers.Keys), $"fixture layers {string.Join(", ", ops.Order())} and mapped layers {string.Join(", ", Layers.Keys.Order())} differ.");
    }

    [Fact]
    public void TheConstructorsTakeOneNumberATupleOrAnArrayInPyTorchsOrder()
    {
        Assert.Equal([2, 2], new ReflectionPad1d(2).Padding);
        Assert.Equal([1, 2], new ReflectionPad1d((1, 2)).Padding);
        Assert.Equal([3, 3, 3, 3], new ZeroPad2d(3).Padding);
        Assert.Equal([1, 2, 3, 4], new ReplicationPad2d((1, 2, 3, 4)).Padding);
        Assert.Equal([1, 2, 3, 4, 5, 6], new CircularPad3d((1, 2, 3, 4, 5, 6)).Padding);
        Assert.Equal([1, 2, 3, 4, 5, 6], new ConstantPad3d([1, 2, 3, 4, 5, 6], 0.5).Padding);
        var constant = new ConstantPad2d((0, 1, 2, 3), -1);
        Assert.Equal([0, 1, 2, 3], constant.Padding);
        Assert.Equal(-1, constant.Value);
        Assert.Equal("constant", new ZeroPad1d(1).Mode);
        Assert.Equal("reflect", new ReflectionPad3d(1).Mode);
        Assert.Equal(3, new ReplicationPad3d(1).Dims);

        // The tuple's top and bottom pad dim -2, left and right dim -1.
        var x = Tensor.Arange(6, dtype: DType.Float64).Reshape(1, 2, 3);
        var y = new ConstantPad2d((1, 0, 0, 2), 9).Forward(x);
        Assert.Equal([1, 4, 4], y.Shape);
        Assert.Equal([9, 0, 1, 2, 9, 3, 4, 5, 9, 9, 9, 9, 9, 9, 9, 9], y.ToDoubleArray());
    }

    [Fact]
    public void LayersPrintLikePyTorch2()
    {
        Assert.Equal("ZeroPad1d((2, 2))", new ZeroPad1d(2).ToString());
        Assert.Equal("ZeroPad3d((1, 0, 0, 1, 2, 3))", new ZeroPad3d((1, 0, 0, 1, 2, 3)).ToString());
        Assert.Equal("CircularPad2d((1, 1, 1, 1))", new CircularPad2d(1).ToString());
        Assert.Equal("ConstantPad2d(padding=(1, 1, 1, 1), value=2.0)", new ConstantPad2d(1, 2).ToString());
        Assert.Equal("ConstantPad1d(padding=(0, -1), value=1e-05)", new ConstantPad1d((0, -1), 1e-5).ToString());
        Assert.Equal("Sequential(\n  (0): ReflectionPad2d((1, 1, 1, 1))\n  (1): ReplicationPad1d((0, 2))\n)",
            new Sequential(new ReflectionPad2d(1), new ReplicationPad1d((0, 2))).ToString());
    }

    [Fact]
    public void TheLayersHaveNoParametersAndComeBackFromAModelFile()
    {
        var model = new Sequential(new ZeroPad1d((1, 2)), new ConstantPad1d(1, -0.5), new ReflectionPad1d(2), new ReplicationPad1d((3, 0)), new CircularPad1d(1),
            new Unflatten(2, [1, 18]), new ZeroPad2d((0, 1, 1, 0)), new ConstantPad2d(1, 3), new ReflectionPad2d((1, 1, 0, 1)), new ReplicationPad2d(1),
            new CircularPad2d((1, 0, 1, 1)), new Unflatten(2, [1, 9]), new ZeroPad3d(1), new ConstantPad3d((1, 0, 0, 0, 1, 1), 0.25),
            new ReflectionPad3d((1, 1, 1, 1, 0, 1)), new ReplicationPad3d(1), new CircularPad3d((0, 1, 1, 0, 2, 2)));
        Assert.Empty(model.Parameters());
        var x = Tensor.Randn([2, 3, 4], DType.Float32, new Generator(3));
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "pads.safetensors");
        ModelFile.Save(path, model);
        var loaded = ModelFile.Load(path);
        Assert.Equal(model.ToString(), loaded.ToString());
        Assert.Equal(ModelFile.Describe(model), ModelFile.Describe(loaded));
        Assert.Equal(model.Forward(x).ToDoubleArray(), loaded.Forward(x).ToDoubleArray());
    }

    [Fact]
    public void PaddingOfTheWrongLengthIsRefused()
    {
        Assert.StartsWith("ReflectionPad2d: padding must hold 4 values (left, right, top, bottom), got [1, 2]",
            Assert.Throws<ArgumentException>(() => new ReflectionPad2d([1, 2])).Message);
        Assert.StartsWith("ConstantPad1d: padding must hold 2 values (left, right), got [1, 2, 3]",
            Assert.Throws<ArgumentException>(() => new ConstantPad1d([1, 2, 3], 0)).Message);
        Assert.StartsWith("CircularPad3d: padding must hold 6 values (left, right, top, bottom, front, back), got [1, 1, 1, 1]",
            Assert.Throws<ArgumentException>(() => new CircularPad3d([1, 1, 1, 1])).Message);
        Assert.Throws<ArgumentNullException>(() => new ZeroPad2d(null!));
    }

    [Fact]
    public void InputsOfTheWrongRankAreRefusedWithTheLayersName()
    {
        Assert.StartsWith("ReflectionPad2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got [4, 5] float32",
            Assert.Throws<ArgumentException>(() => new ReflectionPad2d(1).Forward(Tensor.Ones([4, 5]))).Message);
        Assert.StartsWith("ReplicationPad1d: expected a 2-D (C, W) or 3-D (N, C, W) input, got [1, 2, 3, 4] float32",
            Assert.Throws<ArgumentException>(() => new ReplicationPad1d(1).Forward(Tensor.Ones([1, 2, 3, 4]))).Message);
        Assert.StartsWith("CircularPad3d: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, got [2, 2, 2] float64",
            Assert.Throws<ArgumentException>(() => new CircularPad3d(1).Forward(Tensor.Ones([2, 2, 2], DType.Float64))).Message);
        Assert.StartsWith("ZeroPad3d: expected an input with at least 3 dims to pad its last 3, got [4, 4] float32",
            Assert.Throws<ArgumentException>(() => new ZeroPad3d(1).Forward(Tensor.Ones([4, 4]))).Message);
        Assert.StartsWith("ConstantPad2d: expected an input with at least 2 dims to pad its last 2, got [5] float32",
            Assert.Throws<ArgumentException>(() => new ConstantPad2d(1, 1).Forward(Tensor.Ones([5]))).Message);
        Assert.Throws<ArgumentNullException>(() => new ZeroPad1d(1).Forward((Tensor)null!));
    }

    [Fact]
    public void ConstantPaddingTakesAnyRankAsPyTorchDoes()
    {
        Assert.Equal([3, 4, 7], new ZeroPad1d((2, 1)).Forward(Tensor.Ones([3, 4, 4])).Shape);
        Assert.Equal([2, 1, 3, 6, 6], new ConstantPad2d(1, 5).Forward(Tensor.Ones([2, 1, 3, 4, 4])).Shape);
        Assert.Equal([0, 0, 1, 1, 1, 0, 0], new ConstantPad1d(2, 0).Forward(Tensor.Ones([3])).ToDoubleArray());
    }

    [Fact]
    public void PaddingBeyondWhatTheModeAllowsIsRefusedByPad()
    {
        Assert.Contains("mode \"reflect\" needs each pad of dim 2 smaller than its size 3",
            Assert.Throws<ArgumentException>(() => new ReflectionPad1d(3).Forward(Tensor.Ones([1, 2, 3]))).Message);
        Assert.Contains("mode \"circular\" needs each pad of dim 2 at most its size 2",
            Assert.Throws<ArgumentException>(() => new CircularPad1d(3).Forward(Tensor.Ones([1, 4, 2]))).Message);
    }
}
