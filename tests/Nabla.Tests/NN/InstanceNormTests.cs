using System.Globalization;
using System.Text.Json;
using Nabla.IO;
using Nabla.NN;
using Nabla.Tests.Data;
using Nabla.Tests.Golden;

namespace Nabla.Tests.NN;

/// <summary>
/// Instance normalisation against PyTorch 1.13 (<c>tests/golden/padnorm.json</c>, made by <c>make_padnorm_golden.py</c>):
/// <see cref="Functional.InstanceNorm"/> with and without affine parameters, from the instances' or the running
/// statistics, with transposed inputs; <see cref="InstanceNorm1d"/>, <see cref="InstanceNorm2d"/> and
/// <see cref="InstanceNorm3d"/> through two training steps and an evaluation step (outputs, the gradients of input,
/// weight and bias, running statistics, batched and unbatched inputs, printouts and state-dict keys); float64 gradient
/// checks of first and second order; model files and bad inputs.
/// </summary>
public sealed class InstanceNormTests
{
    private const string File = "padnorm.json";

    public static TheoryData<string, string> Cases => GoldenFixture.TheoryCases([File], c => c.Op == "instance_norm");

    public static TheoryData<string> Runs => GoldenFixture.Names(File, "runs");

    private static Tensor RunFunctional(GoldenCase c, Tensor[] t)
    {
        bool affine = c.Arg<bool>("affine"), running = c.Arg<bool>("running");
        var x = c.Arg<bool>("transposed") ? t[0].Transpose(-2, -1) : t[0];
        return Functional.InstanceNorm(x, running ? t[^2] : null, running ? t[^1] : null, affine ? t[1] : null, affine ? t[2] : null,
            c.Arg<bool>("use_input_stats"), 0.1, c.Arg<double>("eps"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FunctionalMatchesPyTorch(string file, string name)
    {
        var c = GoldenFixture.Case(file, name);
        c.AssertMatches(inputs => RunFunctional(c, inputs));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FunctionalGradientsMatchFiniteDifferences(string file, string name)
    {
        var c = GoldenFixture.Case(file, name);
        var first = GradCheck.Check(x => RunFunctional(c, x), c.Inputs());
        Assert.True(first.Passed, $"{name}: {first}");
        var second = GradCheck.CheckSecondOrder(x => RunFunctional(c, x), c.Inputs());
        Assert.True(second.Passed, $"{name} (second order): {second}");
    }

    private static InstanceNorm Create(string module, JsonElement args, DType dtype = DType.Float64)
    {
        int c = args.GetProperty("num_features").GetInt32();
        double eps = args.GetProperty("eps").GetDouble(), momentum = args.GetProperty("momentum").GetDouble();
        bool affine = args.GetProperty("affine").GetBoolean(), track = args.GetProperty("track_running_stats").GetBoolean();
        return module switch
        {
            "InstanceNorm1d" => new InstanceNorm1d(c, eps, momentum, affine, track, dtype),
            "InstanceNorm2d" => new InstanceNorm2d(c, eps, momentum, affine, track, dtype),
            "InstanceNorm3d" => new InstanceNorm3d(c, eps, momentum, affine, track, dtype),
            _ => throw new ArgumentException($"unknown module {module} in {File}"),
        };
    }

    private static Tensor FromJson(JsonElement spec) =>
        Tensor.FromArray(spec.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray())
            .Reshape(spec.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static void AssertClose(double[] expected, double[] actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(expected[i] - actual[i]) <= 1e-12 + 1e-10 * Math.Abs(expected[i])))
                Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{context}: element {i} is {actual[i]:R}, expected {expected[i]:R}."));
        }
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void LayersMatchPyTorchThroughTrainingAndEvaluation(string name)
    {
        var run = GoldenFixture.Entry(File, name, "runs");
        var args = run.GetProperty("args");
        var m = Create(run.GetProperty("module").GetString()!, args);
        Assert.Equal(run.GetProperty("repr").GetString(), m.ToString());
        Assert.Equal(run.GetProperty("state_dict").EnumerateArray().Select(k => k.GetString()), m.StateDict().Keys);
        bool affine = args.GetProperty("affine").GetBoolean();
        if (affine)
        {
            using var noGrad = Autograd.NoGrad();
            m.Weight!.CopyFrom(Tensor.FromArray(Doubles(run.GetProperty("weight"))));
            m.Bias!.CopyFrom(Tensor.FromArray(Doubles(run.GetProperty("bias"))));
        }

        int k = 0;
        foreach (var step in run.GetProperty("steps").EnumerateArray())
        {
            string where = $"{name} step {k++}";
            m.Train(step.GetProperty("training").GetBoolean());
            var input = step.GetProperty("input");
            var x = FromJson(input).SetRequiresGrad();
            var output = m.Forward(input.GetProperty("transposed").GetBoolean() ? x.Transpose(-2, -1) : x);
            var expected = step.GetProperty("output");
            Assert.Equal(expected.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), output.Shape);
            AssertClose(Doubles(expected.GetProperty("data")), output.ToDoubleArray(), $"{where} output");

            Tensor[] wrt = affine ? [x, m.Weight!, m.Bias!] : [x];
            var grads = Autograd.Grad([output], wrt, [FromJson(step.GetProperty("grad_output"))]);
            string[] names = ["input", "weight", "bias"];
            for (int i = 0; i < wrt.Length; i++)
                AssertClose(Doubles(step.GetProperty("grads").GetProperty(names[i]).GetProperty("data")), grads[i]!.ToDoubleArray(), $"{where} gradient of {names[i]}");
            if (step.TryGetProperty("running_mean", out var runningMean))
            {
                AssertClose(Doubles(runningMean), m.RunningMean!.ToDoubleArray(), $"{where} running_mean");
                AssertClose(Doubles(step.GetProperty("running_var")), m.RunningVar!.ToDoubleArray(), $"{where} running_var");
                Assert.Equal(0L, m.NumBatchesTracked!.Item<long>());
            }
            else
            {
                Assert.Null(m.RunningMean);
            }
        }
    }

    [Fact]
    public void TheLayerPassesGradientChecksInTrainingAndEvaluation()
    {
        var m = new InstanceNorm2d(3, affine: true, trackRunningStats: true, dtype: DType.Float64);
        using (Autograd.NoGrad())
        {
            m.Weight!.CopyFrom(Tensor.FromArray(new[] { 0.5, -1.25, 2.0 }));
            m.Bias!.CopyFrom(Tensor.FromArray(new[] { 0.1, 0.0, -0.3 }));
            m.RunningMean!.CopyFrom(Tensor.FromArray(new[] { 0.2, -0.4, 1.0 }));
            m.RunningVar!.CopyFrom(Tensor.FromArray(new[] { 0.7, 1.5, 0.3 }));
        }
        // The transposed input is a non-contiguous view; the weight and bias are the layer's own, perturbed in place.
        var x = Tensor.Randn([2, 3, 4, 3], DType.Float64, new Generator(11)).SetRequiresGrad();
        Tensor[] inputs = [x, m.Weight!, m.Bias!];
        foreach (bool training in new[] { true, false })
        {
            m.Train(training);
            Tensor F(Tensor[] xs) => m.Forward(xs[0].Transpose(-2, -1));
            var first = GradCheck.Check(F, inputs);
            Assert.True(first.Passed, $"training={training}: {first}");
            var second = GradCheck.CheckSecondOrder(F, inputs);
            Assert.True(second.Passed, $"training={training} (second order): {second}");
        }

        var unbatched = new InstanceNorm1d(2, affine: true, dtype: DType.Float64);
        var y = Tensor.Randn([2, 5], DType.Float64, new Generator(12)).SetRequiresGrad();
        Tensor[] leaves = [y, unbatched.Weight!, unbatched.Bias!];
        Assert.True(GradCheck.Check(xs => unbatched.Forward(xs[0]), leaves).Passed);
        Assert.True(GradCheck.CheckSecondOrder(xs => unbatched.Forward(xs[0]), leaves).Passed);
    }

    [Fact]
    public void EachInstanceIsNormalisedOnItsOwn()
    {
        var x = Tensor.Randn([3, 2, 4, 5], DType.Float64, new Generator(5)) * 3 + 7;
        var y = new InstanceNorm2d(2, dtype: DType.Float64).Forward(x);
        var flat = y.Reshape(6, 20);
        foreach (double mean in flat.Mean(1).ToDoubleArray()) Assert.True(Math.Abs(mean) < 1e-12, $"mean {mean}");
        foreach (double variance in flat.Var(1, correction: 0).ToDoubleArray()) Assert.True(Math.Abs(variance - 1) < 1e-5, $"variance {variance}");
        // The same as each sample normalised alone.
        var alone = new InstanceNorm2d(2, dtype: DType.Float64).Forward(x.Narrow(0, 1, 1));
        AssertClose(alone.ToDoubleArray(), y.Narrow(0, 1, 1).ToDoubleArray(), "sample 1 alone");
    }

    [Fact]
    public void Float32AgreesWithFloat64()
    {
        var x = Tensor.Randn([2, 3, 7], DType.Float64, new Generator(8));
        var m64 = new InstanceNorm1d(3, affine: true, trackRunningStats: true, dtype: DType.Float64);
        var m32 = new InstanceNorm1d(3, affine: true, trackRunningStats: true);
        var y64 = m64.Forward(x).ToDoubleArray();
        var y32 = m32.Forward(x.To(DType.Float32));
        Assert.Equal(DType.Float32, y32.DType);
        var a = y32.ToDoubleArray();
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - y64[i]) < 1e-5, $"element {i}: {a[i]} vs {y64[i]}");
        var r64 = m64.RunningVar!.ToDoubleArray();
        var r32 = m32.RunningVar!.ToDoubleArray();
        for (int i = 0; i < 3; i++) Assert.True(Math.Abs(r32[i] - r64[i]) < 1e-5);
    }

    [Fact]
    public void DefaultsAndStateFollowPyTorch()
    {
        var m = new InstanceNorm3d(4);
        Assert.Equal("InstanceNorm3d(4, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)", m.ToString());
        Assert.Empty(m.StateDict());
        Assert.Null(m.Weight);
        var tracked = new InstanceNorm1d(2, momentum: 0.5, affine: true, trackRunningStats: true);
        Assert.Equal(["weight", "bias"], tracked.NamedParameters().Select(p => p.Name));
        Assert.Equal(["running_mean", "running_var", "num_batches_tracked"], tracked.NamedBuffers().Select(b => b.Name));
        Assert.Equal([1.0, 1.0], tracked.Weight!.ToDoubleArray());
        Assert.Equal([0.0, 0.0], tracked.Bias!.ToDoubleArray());
        Assert.Equal(DType.Int64, tracked.NumBatchesTracked!.DType);
        tracked.Forward(Tensor.Randn([2, 2, 5], DType.Float32, new Generator(1)));
        Assert.NotEqual([0.0, 0.0], tracked.RunningMean!.ToDoubleArray());
        tracked.ResetRunningStats();
        Assert.Equal([0.0, 0.0], tracked.RunningMean!.ToDoubleArray());
        Assert.Equal([1.0, 1.0], tracked.RunningVar!.ToDoubleArray());
        // Evaluation without running statistics uses the instances' own, and leaves nothing behind.
        var plain = new InstanceNorm1d(2);
        plain.Eval();
        var y = plain.Forward(Tensor.FromArray(new float[] { 1, 2, 3, 5, 5, 9 }).Reshape(1, 2, 3));
        Assert.True(Math.Abs(y.Sum().Item<float>()) < 1e-5);
    }

    [Fact]
    public void ALayerComesBackFromAModelFileWithItsStatistics()
    {
        var model = new Sequential(new InstanceNorm1d(3, affine: true, trackRunningStats: true, dtype: DType.Float64), new Unflatten(2, [2, 2]),
            new InstanceNorm2d(3, eps: 1e-3, momentum: 0.2, trackRunningStats: true, dtype: DType.Float64), new Unflatten(3, [1, 2]),
            new InstanceNorm3d(3, affine: true, dtype: DType.Float64), new ReplicationPad3d(1));
        var x = Tensor.Randn([2, 3, 4], DType.Float64, new Generator(4));
        model.Forward(x);
        model.Eval();
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "inorm.safetensors");
        ModelFile.Save(path, model);
        var loaded = ModelFile.Load(path);
        loaded.Eval();
        Assert.Equal(model.ToString(), loaded.ToString());
        Assert.Equal(ModelFile.Describe(model), ModelFile.Describe(loaded));
        Assert.Equal(model.Forward(x).ToDoubleArray(), loaded.Forward(x).ToDoubleArray());
    }

    [Fact]
    public void BadArgumentsAndInputsAreRefused()
    {
        Assert.StartsWith("InstanceNorm2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got [2, 3] float32",
            Assert.Throws<ArgumentException>(() => new InstanceNorm2d(3).Forward(Tensor.Ones([2, 3]))).Message);
        Assert.StartsWith("InstanceNorm1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got [1, 2, 3, 4] float32",
            Assert.Throws<ArgumentException>(() => new InstanceNorm1d(2).Forward(Tensor.Ones([1, 2, 3, 4]))).Message);
        Assert.StartsWith("InstanceNorm3d: expected 4 channels in dim 1, got input [2, 3, 2, 2, 2] float32",
            Assert.Throws<ArgumentException>(() => new InstanceNorm3d(4, affine: true).Forward(Tensor.Ones([2, 3, 2, 2, 2]))).Message);
        Assert.StartsWith("InstanceNorm1d: expected 4 channels in dim 0, got input [3, 5] float32",
            Assert.Throws<ArgumentException>(() => new InstanceNorm1d(4, trackRunningStats: true).Forward(Tensor.Ones([3, 5]))).Message);
        // As in PyTorch, numFeatures is not needed without affine or running statistics.
        Assert.Equal([2, 3, 5], new InstanceNorm1d(4).Forward(Tensor.Randn([2, 3, 5], DType.Float32, new Generator(2))).Shape);

        Assert.Throws<ArgumentOutOfRangeException>(() => new InstanceNorm1d(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InstanceNorm1d(2, eps: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InstanceNorm2d(2, momentum: 1.5));
        Assert.Throws<ArgumentException>(() => new InstanceNorm3d(2, dtype: DType.Int64));

        var x = Tensor.Ones([2, 3, 4]);
        Assert.StartsWith("InstanceNorm: expected more than 1 spatial element per channel when using input statistics, got input [2, 3, 1] float32",
            Assert.Throws<ArgumentException>(() => Functional.InstanceNorm(Tensor.Ones([2, 3, 1]))).Message);
        Assert.StartsWith("InstanceNorm: running statistics are needed when useInputStats is false",
            Assert.Throws<ArgumentException>(() => Functional.InstanceNorm(x, useInputStats: false)).Message);
        Assert.StartsWith("InstanceNorm: runningMean and runningVar must be given together",
            Assert.Throws<ArgumentException>(() => Functional.InstanceNorm(x, Tensor.Zeros([3]))).Message);
        Assert.StartsWith("InstanceNorm: weight must have shape [3], got [4] float32",
            Assert.Throws<ArgumentException>(() => Functional.InstanceNorm(x, weight: Tensor.Ones([4]))).Message);
        Assert.StartsWith("InstanceNorm: bias [3] float64 must have the input's dtype, got input [2, 3, 4] float32",
            Assert.Throws<ArgumentException>(() => Functional.InstanceNorm(x, bias: Tensor.Zeros([3], DType.Float64))).Message);
        Assert.StartsWith("InstanceNorm: expected input (N, C, *), got [3] float32",
            Assert.Throws<ArgumentException>(() => Functional.InstanceNorm(Tensor.Ones([3]))).Message);
        Assert.Contains("InstanceNorm", Assert.ThrowsAny<Exception>(() => Functional.InstanceNorm(Tensor.Ones([2, 3, 4], DType.Int64))).Message);
    }
}
