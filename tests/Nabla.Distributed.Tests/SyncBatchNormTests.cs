using Nabla.NN;

namespace Nabla.Distributed.Tests;

/// <summary>
/// <see cref="SyncBatchNorm"/> in one process: the composed training-mode normalisation (the path several ranks take)
/// against the fused batch norm, its derivatives, and <see cref="SyncBatchNorm.ConvertSyncBatchNorm"/>.
/// </summary>
public sealed class SyncBatchNormTests
{
    [Fact]
    public void TheComposedNormalisationEqualsBatchNormWithItsGradients()
    {
        // A transposed view (not contiguous), a mean far from zero.
        var source = (Tensor.Randn([3, 2, 5, 4], DType.Float64, new Generator(1)) * 2 + 30).Detach();
        var x = source.Transpose(2, 3).Detach().SetRequiresGrad();
        Assert.False(x.IsContiguous);
        var w = Tensor.FromArray([0.7, -1.3]).SetRequiresGrad();
        var b = Tensor.FromArray([0.2, 0.5]).SetRequiresGrad();
        var g = Tensor.Randn([3, 2, 4, 5], DType.Float64, new Generator(2));
        using var group = ProcessGroup.Single();
        var (y, mean, variance, count) = SyncBatchNorm.Normalize(x, w, b, group, 1e-5);
        Assert.Equal(60, count);
        var runningMean = Tensor.Zeros([2], DType.Float64);
        var runningVar = Tensor.Ones([2], DType.Float64);
        var expected = Functional.BatchNorm(x, runningMean, runningVar, w, b, training: true, momentum: 1, eps: 1e-5);
        AssertClose(expected, y, 1e-12);
        AssertClose(runningMean, mean, 1e-12);
        AssertClose(runningVar, variance * (count / (count - 1)), 1e-12);

        var grads = Autograd.Grad([(y * g).Sum()], [x, w, b]);
        var expectedGrads = Autograd.Grad([(expected * g).Sum()], [x, w, b]);
        for (int i = 0; i < 3; i++) AssertClose(expectedGrads[i]!, grads[i]!, 1e-10);
    }

    [Fact]
    public void TheComposedNormalisationPassesFirstAndSecondOrderGradientChecks()
    {
        using var group = ProcessGroup.Single();
        var x = Tensor.Randn([4, 3, 2], DType.Float64, new Generator(3)).Transpose(0, 2).Detach().SetRequiresGrad();
        var w = Tensor.FromArray([0.7, -1.3, 1.1]).SetRequiresGrad();
        var b = Tensor.FromArray([0.2, 0.5, -0.4]).SetRequiresGrad();
        Tensor F(Tensor[] xs) => SyncBatchNorm.Normalize(xs[0], xs[1], xs[2], group, 1e-5).Output;
        var first = GradCheck.Check(F, [x, w, b]);
        Assert.True(first.Passed, first.ToString());
        var second = GradCheck.CheckSecondOrder(F, [x, w, b]);
        Assert.True(second.Passed, $"second order: {second}");
        Tensor WithoutAffine(Tensor[] xs) => SyncBatchNorm.Normalize(xs[0], null, null, group, 1e-5).Output;
        Assert.True(GradCheck.Check(WithoutAffine, [x]).Passed);
        Assert.True(GradCheck.CheckSecondOrder(WithoutAffine, [x]).Passed);
    }

    [Fact]
    public void OnOneProcessTheLayerIsBatchNormWithItsNamesAndRefusesBadInput()
    {
        using var group = ProcessGroup.Single();
        var sync = new SyncBatchNorm(3, group);
        var plain = new BatchNorm2d(3);
        Assert.Equal(plain.StateDict().Keys, sync.StateDict().Keys);
        Assert.Equal(["weight", "bias"], sync.NamedParameters().Select(p => p.Name));
        Assert.Equal("SyncBatchNorm(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", sync.ToString());
        var x = Tensor.Randn([4, 3, 2, 2], generator: new Generator(4)) * 3 + 1;
        Assert.Equal(plain.Forward(x).ToArray<float>(), sync.Forward(x).ToArray<float>());
        Assert.Equal(plain.RunningVar!.ToArray<float>(), sync.RunningVar!.ToArray<float>());
        // Any rank of at least 2, as PyTorch's.
        Assert.Equal([4, 3], sync.Forward(Tensor.Randn([4, 3], generator: new Generator(5))).Shape);
        var error = Assert.Throws<ArgumentException>(() => sync.Forward(Tensor.Zeros([4, 2, 3])));
        Assert.Contains("SyncBatchNorm: expected input (N, 3, *) of at least 2 dims, got [4, 2, 3] float32", error.Message);
        Assert.Throws<ArgumentException>(() => sync.Forward(Tensor.Zeros([3])));
        Assert.Throws<ArgumentNullException>(() => new SyncBatchNorm(3, null!));
    }

    private sealed class Net : Module
    {
        private readonly Module _features;
        private readonly Module _norm;
        private readonly Linear _head;

        public Net()
        {
            _features = RegisterModule("features", new Sequential(new Conv2d(1, 4, 3, generator: new Generator(6)), new BatchNorm2d(4), new ReLU()));
            _norm = RegisterModule("norm", new BatchNorm1d(4, momentum: null, affine: false));
            _head = RegisterModule("head", new Linear(4, 2, generator: new Generator(7)));
        }

        public Module Norm => _norm;

        public override Tensor Forward(Tensor input) =>
            _head.Forward(_norm.Forward(_features.Forward(input).Mean([2, 3])));
    }

    private sealed class Typed : Module
    {
        private readonly BatchNorm2d _bn = new(2);

        public Typed() => RegisterModule("bn", _bn);

        public override Tensor Forward(Tensor input) => _bn.Forward(input);
    }

    [Fact]
    public void ConvertSyncBatchNormReplacesEveryBatchNormKeepingItsTensorsAndSettings()
    {
        using var group = ProcessGroup.Single();
        var net = new Net();
        var x = Tensor.Randn([6, 1, 5, 5], generator: new Generator(8));
        net.Forward(x);
        net.Eval();
        var before = net.Forward(x).ToArray<float>();
        var parameters = net.Parameters().ToArray();
        var state = net.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());

        Assert.Same(net, SyncBatchNorm.ConvertSyncBatchNorm(net, group));
        var converted = net.Modules().OfType<SyncBatchNorm>().ToArray();
        Assert.Equal(2, converted.Length);
        Assert.DoesNotContain(net.Modules(), m => m is BatchNorm1d or BatchNorm2d);
        Assert.All(converted, m => Assert.Same(group, m.Group));
        Assert.All(converted, m => Assert.False(m.IsTraining));
        var norm = Assert.IsType<SyncBatchNorm>(net.Norm);
        Assert.Null(norm.Momentum);
        Assert.Null(norm.Weight);
        Assert.Equal(parameters, net.Parameters());
        Assert.Equal(state.Keys, net.StateDict().Keys);
        foreach (var (key, value) in net.StateDict()) Assert.Equal(state[key].To(DType.Float64).ToArray<double>(), value.To(DType.Float64).ToArray<double>());
        Assert.Equal(before, net.Forward(x).ToArray<float>());

        var root = new BatchNorm1d(3, eps: 1e-3, dtype: DType.Float64);
        root.Weight!.RequiresGrad = false;
        var single = Assert.IsType<SyncBatchNorm>(SyncBatchNorm.ConvertSyncBatchNorm(root, group));
        Assert.Same(root.Weight, single.Weight);
        Assert.Same(root.RunningVar, single.RunningVar);
        Assert.False(single.Weight!.RequiresGrad);
        Assert.Equal((1e-3, 0.1, DType.Float64), (single.Eps, single.Momentum!.Value, single.Weight.DType));

        var error = Assert.Throws<InvalidOperationException>(() => SyncBatchNorm.ConvertSyncBatchNorm(new Typed(), group));
        Assert.Contains("field Typed._bn holds it as BatchNorm2d", error.Message);
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        var e = expected.To(DType.Float64).ToArray<double>();
        var a = actual.To(DType.Float64).ToArray<double>();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(a[i] - e[i]) <= tolerance * (1 + Math.Abs(e[i])), $"element {i}: {a[i]} vs {e[i]}");
    }
}
