using Nabla.Optim;
using Nabla.Optim.Schedulers;

namespace Nabla.Tests.Optim;

public class SchedulerBehaviourTests
{
    private static SGD Sgd(int groups = 1, double momentum = 0.9) =>
        new([.. Enumerable.Range(0, groups).Select(i => new ParamGroup([Tensor.Zeros(2).SetRequiresGrad()], lr: 0.1 / (i + 1)))], lr: 0.1, momentum: momentum);

    [Fact]
    public void OneCycleLRRefusesToStepPastItsTotal()
    {
        var sched = new OneCycleLR(Sgd(), maxLR: 1.0, totalSteps: 4);
        for (int i = 0; i < 4; i++) sched.Step();
        var e = Assert.Throws<InvalidOperationException>(sched.Step);
        Assert.Contains("tried to step 6 times; the specified number of total steps is 4", e.Message);
    }

    [Fact]
    public void MomentumCyclingNeedsAMomentumCoefficient()
    {
        var adagrad = new Adagrad([Tensor.Zeros(2).SetRequiresGrad()]);
        var e = Assert.Throws<ArgumentException>(() => new OneCycleLR(adagrad, maxLR: 0.1, totalSteps: 10));
        Assert.Contains("OneCycleLR: Adagrad has no momentum or beta1 to cycle", e.Message);
        Assert.Throws<ArgumentException>(() => new CyclicLR(adagrad, 0.01, 0.1));
        var sched = new OneCycleLR(adagrad, maxLR: 0.1, totalSteps: 10, cycleMomentum: false);
        Assert.Equal(0.004, sched.LastLR[0], 15);
    }

    [Fact]
    public void CyclicLRCyclesAdamBeta1()
    {
        var adam = new Adam([Tensor.Zeros(2).SetRequiresGrad()], lr: 0.01, beta2: 0.99);
        var sched = new CyclicLR(adam, baseLR: 0.001, maxLR: 0.01, stepSizeUp: 2);
        Assert.Equal(0.9, ((AdamOptions)adam.ParamGroups[0].Options).Beta1, 15);
        sched.Step();
        sched.Step();
        var options = (AdamOptions)adam.ParamGroups[0].Options;
        Assert.Equal(0.8, options.Beta1, 15);
        Assert.Equal(0.99, options.Beta2);
        Assert.Equal(0.01, adam.LearningRate, 15);
    }

    [Fact]
    public void PerGroupValuesMustMatchTheGroupCount()
    {
        var e = Assert.Throws<ArgumentException>(() => new OneCycleLR(Sgd(groups: 2), maxLR: new[] { 0.1, 0.2, 0.3 }, totalSteps: 10));
        Assert.Contains("OneCycleLR: expected 2 values for maxLR (one per parameter group), got 3", e.Message);
        Assert.Equal("maxLR", e.ParamName);
        Assert.Contains("expected 2 lrLambdas", Assert.Throws<ArgumentException>(() => new LambdaLR(Sgd(groups: 2), [e => 1.0])).Message);
        var perGroup = new LambdaLR(Sgd(groups: 2), [e => 1.0, e => 0.5]);
        perGroup.Step();
        Assert.Equal([0.1, 0.025], perGroup.LastLR);
    }

    [Fact]
    public void ScheduleSettingsAreValidated()
    {
        Assert.Contains("stepSize", Assert.Throws<ArgumentException>(() => new StepLR(Sgd(), stepSize: 0)).Message);
        Assert.Contains("gamma", Assert.Throws<ArgumentException>(() => new ExponentialLR(Sgd(), gamma: 0)).Message);
        Assert.Contains("tMax", Assert.Throws<ArgumentException>(() => new CosineAnnealingLR(Sgd(), tMax: 0)).Message);
        Assert.Contains("startFactor", Assert.Throws<ArgumentException>(() => new LinearLR(Sgd(), startFactor: 0)).Message);
        Assert.Contains("endFactor", Assert.Throws<ArgumentException>(() => new LinearLR(Sgd(), endFactor: 1.5)).Message);
        Assert.Contains("totalSteps", Assert.Throws<ArgumentException>(() => new OneCycleLR(Sgd(), maxLR: 0.1)).Message);
        Assert.Contains("pctStart", Assert.Throws<ArgumentException>(() => new OneCycleLR(Sgd(), maxLR: 0.1, totalSteps: 5, pctStart: 1.5)).Message);
        Assert.Contains("factor", Assert.Throws<ArgumentException>(() => new ReduceLROnPlateau(Sgd(), factor: 1.0)).Message);
    }

    [Fact]
    public void SequentialLRChecksItsSchedulesAndMilestones()
    {
        var opt = Sgd();
        var other = Sgd();
        var a = new LinearLR(opt);
        var b = new ExponentialLR(opt, 0.9);
        Assert.Contains("one more scheduler than milestones", Assert.Throws<ArgumentException>(() => new SequentialLR(opt, [a, b], [])).Message);
        Assert.Contains("index 1", Assert.Throws<ArgumentException>(() => new SequentialLR(opt, [a, new ExponentialLR(other, 0.9)], [3])).Message);
        Assert.Contains("increasing", Assert.Throws<ArgumentException>(() => new SequentialLR(opt, [a, b, new StepLR(opt, 2)], [5, 5])).Message);
    }

    [Fact]
    public void SchedulesComposeOnOneOptimizer()
    {
        // Two chainable schedules on one optimizer multiply their effects, as in PyTorch.
        var opt = Sgd();
        var exp = new ExponentialLR(opt, 0.5);
        var step = new StepLR(opt, stepSize: 2, gamma: 0.1);
        for (int i = 0; i < 2; i++)
        {
            exp.Step();
            step.Step();
        }
        Assert.Equal(0.1 * 0.25 * 0.1, opt.LearningRate, 15);
    }
}
