using System.Text.Json;
using Nabla.Optim;
using Nabla.Optim.Schedulers;

namespace Nabla.Tests.Optim;

public class OptimizerStateDictTests
{
    private static readonly Func<IEnumerable<ParamGroup>, double, Optimizer>[] Factories =
    [
        (g, lr) => new SGD(g, lr, momentum: 0.9, nesterov: true, weightDecay: 0.01),
        (g, lr) => new Adam(g, lr, amsgrad: true, weightDecay: 0.1),
        (g, lr) => new AdamW(g, lr),
        (g, lr) => new RMSprop(g, lr, momentum: 0.5, centered: true),
        (g, lr) => new Adagrad(g, lr, lrDecay: 0.1, initialAccumulatorValue: 0.2),
        (g, lr) => new Adadelta(g, lr, rho: 0.8, weightDecay: 0.01),
        (g, lr) => new Adamax(g, lr, weightDecay: 0.01),
        (g, lr) => new NAdam(g, lr, momentumDecay: 0.01),
        (g, lr) => new RAdam(g, lr, beta2: 0.9),
    ];

    public static TheoryData<int> Kinds => [0, 1, 2, 3, 4, 5, 6, 7, 8];

    private static Tensor[] MakeParameters(int seed) =>
    [
        Tensor.Randn([3, 5], DType.Float64, new Generator((ulong)seed)).SetRequiresGrad(),
        Tensor.Randn([7], DType.Float64, new Generator((ulong)seed + 1)).SetRequiresGrad(),
        Tensor.Randn([2, 2], DType.Float64, new Generator((ulong)seed + 2)).SetRequiresGrad(),
    ];

    private static List<ParamGroup> Groups(Tensor[] p) => [new ParamGroup([p[0], p[1]]), new ParamGroup([p[2]], lr: 0.003)];

    private static void Steps(Optimizer opt, Tensor[] parameters, int firstStep, int count)
    {
        for (int s = firstStep; s < firstStep + count; s++)
        {
            for (int i = 0; i < parameters.Length; i++)
                parameters[i].Grad = Tensor.Randn([.. parameters[i].Shape], DType.Float64, new Generator((ulong)(100 * s + i)));
            opt.Step();
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RestoredOptimizerContinuesExactlyLikeTheOriginal(int kind)
    {
        var original = MakeParameters(1);
        var opt = Factories[kind](Groups(original), 0.01);
        Steps(opt, original, 0, 3);
        var saved = opt.StateDict();
        var copies = original.Select(p => p.Detach().Clone().SetRequiresGrad()).ToArray();
        Steps(opt, original, 3, 3);

        // A different default learning rate proves the group options come from the state dict.
        var restored = Factories[kind](Groups(copies), 0.5);
        restored.LoadStateDict(saved);
        Steps(restored, copies, 3, 3);

        for (int i = 0; i < original.Length; i++)
            Assert.Equal(original[i].ToArray<double>(), copies[i].ToArray<double>());
        Assert.Equal(opt.ParamGroups.Select(g => g.Options), restored.ParamGroups.Select(g => g.Options));
    }

    [Fact]
    public void StateDictIsASnapshotKeyedByParameterIndex()
    {
        var p = MakeParameters(2);
        var opt = new Adam(Groups(p), lr: 0.01);
        p[1].Grad = Tensor.OnesLike(p[1]);
        opt.Step();
        var saved = opt.StateDict();
        Assert.Equal([1], saved.State.Keys);
        Assert.Equal([[0, 1], [2]], saved.ParamGroups.Select(g => g.Params.ToArray()));
        Assert.Equal(1, saved.State[1].Step);
        var expAvg = saved.State[1].Buffers["exp_avg"].ToArray<double>();

        opt.Step();
        Assert.Equal(1, saved.State[1].Step);
        Assert.Equal(expAvg, saved.State[1].Buffers["exp_avg"].ToArray<double>());
        Assert.Equal(2, opt.StateDict().State[1].Step);
    }

    [Fact]
    public void LoadConvertsBuffersToTheParameterDtype()
    {
        var p64 = Tensor.FromArray([1.0, 2.0], 2).SetRequiresGrad();
        var opt64 = new SGD([p64], lr: 0.1, momentum: 0.9);
        p64.Grad = Tensor.FromArray([0.5, -0.5], 2);
        opt64.Step();

        var p32 = Tensor.FromArray([1f, 2f], 2).SetRequiresGrad();
        var opt32 = new SGD([p32], lr: 0.1, momentum: 0.9);
        opt32.LoadStateDict(opt64.StateDict());
        Assert.Equal(DType.Float32, opt32.StateDict().State[0].Buffers["momentum_buffer"].DType);
    }

    [Fact]
    public void LoadValidatesGroupsParametersShapesAndKind()
    {
        var p = MakeParameters(3);
        var opt = new Adam(Groups(p), lr: 0.01);
        foreach (var t in p) t.Grad = Tensor.OnesLike(t);
        opt.Step();
        var saved = opt.StateDict();

        var oneGroup = new Adam(MakeParameters(4), lr: 0.01);
        var e = Assert.Throws<ArgumentException>(() => oneGroup.LoadStateDict(saved));
        Assert.Contains("Adam.LoadStateDict: the state dict has 2 parameter groups but the optimizer has 1", e.Message);

        var q = MakeParameters(5);
        var fewer = new Adam([new ParamGroup([q[0]]), new ParamGroup([q[2]])], lr: 0.01);
        e = Assert.Throws<ArgumentException>(() => fewer.LoadStateDict(saved));
        Assert.Contains("parameter group 0 has 2 parameters in the state dict but 1 in the optimizer", e.Message);

        var r = MakeParameters(6);
        var reshaped = new Adam([new ParamGroup([r[0], r[1]]), new ParamGroup([Tensor.Zeros(4).SetRequiresGrad()])], lr: 0.01);
        e = Assert.Throws<ArgumentException>(() => reshaped.LoadStateDict(saved));
        Assert.Contains("buffer 'exp_avg' of parameter 2 has shape [2, 2] but the parameter has shape [4]", e.Message);

        var s = MakeParameters(7);
        var sgd = new SGD(Groups(s), lr: 0.01);
        e = Assert.Throws<ArgumentException>(() => sgd.LoadStateDict(saved));
        Assert.Contains("holds AdamOptions, expected SGDOptions", e.Message);
    }

    [Fact]
    public void OptionsRoundTripThroughJson()
    {
        OptimizerOptions[] options =
        [
            new SGDOptions { LearningRate = 0.1, Momentum = 0.9, Nesterov = true },
            new AdamOptions { LearningRate = 0.01, Beta1 = 0.8, AmsGrad = true },
            new AdamWOptions { WeightDecay = 0.05 },
            new RMSpropOptions { Centered = true, Momentum = 0.3 },
            new AdagradOptions { LearningRateDecay = 0.01, InitialAccumulatorValue = 0.1 },
        ];
        foreach (var o in options)
        {
            string json = JsonSerializer.Serialize(o);
            Assert.Equal(o, JsonSerializer.Deserialize<OptimizerOptions>(json));
        }
        Assert.Contains("\"optimizer\":\"AdamW\"", JsonSerializer.Serialize<OptimizerOptions>(options[2]));
    }

    [Fact]
    public void SchedulesResumeFromTheirStateDicts()
    {
        static (Optimizer, LRScheduler) Make()
        {
            var opt = new SGD([Tensor.Zeros(2).SetRequiresGrad()], lr: 0.1, momentum: 0.9);
            var warmup = new LinearLR(opt, startFactor: 0.1, totalIters: 3);
            var cosine = new CosineAnnealingLR(opt, tMax: 10, etaMin: 1e-3);
            return (opt, new SequentialLR(opt, [warmup, cosine], [3]));
        }

        var (opt, sched) = Make();
        for (int i = 0; i < 5; i++) sched.Step();
        var optState = opt.StateDict();
        var schedState = sched.StateDict();
        Assert.Equal(2, schedState.Schedulers.Count);

        var (opt2, sched2) = Make();
        opt2.LoadStateDict(optState);
        sched2.LoadStateDict(schedState);
        for (int i = 0; i < 8; i++)
        {
            sched.Step();
            sched2.Step();
            Assert.Equal(sched.LastLR, sched2.LastLR);
        }
    }

    [Fact]
    public void PlateauResumesFromItsStateDict()
    {
        var opt = new SGD([Tensor.Zeros(2).SetRequiresGrad()], lr: 0.1);
        var plateau = new ReduceLROnPlateau(opt, patience: 1, factor: 0.5);
        foreach (double m in new[] { 1.0, 0.9, 0.95, 0.97 }) plateau.Step(m);
        var state = plateau.StateDict();
        Assert.Equal(0.9, state.Values["best"]);

        var opt2 = new SGD([Tensor.Zeros(2).SetRequiresGrad()], lr: 0.1);
        opt2.LoadStateDict(opt.StateDict());
        var plateau2 = new ReduceLROnPlateau(opt2, patience: 1, factor: 0.5);
        plateau2.LoadStateDict(state);
        foreach (double m in new[] { 0.99, 0.98, 0.5, 0.6, 0.7 })
        {
            plateau.Step(m);
            plateau2.Step(m);
            Assert.Equal(plateau.LastLR, plateau2.LastLR);
        }
        Assert.Equal(0.0125, opt2.LearningRate, 15);
    }
}
