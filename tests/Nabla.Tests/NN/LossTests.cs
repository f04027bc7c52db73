using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>
/// Loss behaviour beyond the golden cases. Reference values come from PyTorch 1.13 in float64 with
/// x = [[0.5, -1.25, 2, 0.75], [1.5, 0.25, -0.5, -2], [-0.75, 1, 0.125, 0.5]],
/// p = [[0.25, 0.25, 0.5, 0], [0, 1, 0, 0], [0.125, 0.375, 0.25, 0.25]], w = [1, 0.5, 2, 1.5], t = [2, -100, 1];
/// each gradient is torch.autograd.grad(loss.sum(), x).
/// </summary>
public sealed class LossTests
{
    private static Tensor X() => Tensor.FromArray([0.5, -1.25, 2, 0.75, 1.5, 0.25, -0.5, -2, -0.75, 1, 0.125, 0.5], 3, 4).SetRequiresGrad();
    private static Tensor P() => Tensor.FromArray([0.25, 0.25, 0.5, 0, 0, 1, 0, 0, 0.125, 0.375, 0.25, 0.25], 3, 4);
    private static Tensor W() => Tensor.FromArray([1.0, 0.5, 2, 1.5]);
    private static Tensor T() => Tensor.FromArray(new long[] { 2, -100, 1 });

    private static void Check(Func<Tensor, Tensor> loss, double[] value, double[] grad)
    {
        var x = X();
        var l = loss(x);
        NNTestUtil.AssertClose(value, [.. l.Shape], l, 1e-12, "loss");
        l.Sum().Backward();
        NNTestUtil.AssertClose(grad, [3, 4], x.Grad!, 1e-12, "grad");
    }

    [Fact]
    public void ProbabilityTargetsWithWeightAndSmoothingMatchPyTorch() => Check(
        x => Functional.CrossEntropy(x, P(), W(), labelSmoothing: 0.2), // F.cross_entropy(x, p, weight=w, label_smoothing=0.2)
        [1.5111797511183795],
        [-0.018487054748340156, -0.030398073118866248, -0.009379142013538769, 0.05826426988074522, 0.1325489507744693, -0.09891567650332617,
         -0.013139195483611154, -0.020494078787532025, -0.01836399358266167, 0.12371931385401634, -0.09077583247232915, -0.014579487799025508]);

    [Fact]
    public void ProbabilityTargetsWithoutReductionMatchPyTorch() => Check(
        x => Functional.CrossEntropy(x, P(), reduction: Reduction.None), // F.cross_entropy(x, p, reduction='none')
        [1.6247280586139023, 1.622967717391465, 1.3496686316015987],
        [-0.10589715870001518, -0.22495868100488797, 0.1458241288588027, 0.18503171084610048, 0.6886874651129352, -0.8026877377076592,
         0.09320371315256391, 0.0207965594421599, -0.045909983956654174, 0.08013161796837415, -0.060272914514156256, 0.026051280502436214]);

    [Fact]
    public void IgnoredTargetsWithSmoothingMatchPyTorch()
    {
        Check(x => Functional.CrossEntropy(x, T(), labelSmoothing: 0.3), // F.cross_entropy(x, t, label_smoothing=0.3)
            [0.9543858451077506],
            [0.034551420649992406, -0.02497934050244398, -0.06458793557059865, 0.055015855423050236, 0, 0, 0, 0,
             0.0020450080216729057, -0.15993419101581294, 0.05736354274292185, 0.10052564025121807]);
        Check(x => Functional.CrossEntropy(x, T(), W(), labelSmoothing: 0.3), // F.cross_entropy(x, t, weight=w, label_smoothing=0.3)
            [0.8162108247803346],
            [0.07231301732298923, 0.002779336486529544, -0.16146486851025, 0.08637251470073133, 0, 0, 0, 0,
             -0.007063895347429711, -0.02301183078917148, -0.0049791452091053155, 0.0350548713457065]);
        Check(x => Functional.CrossEntropy(x, T(), W(), reduction: Reduction.None, labelSmoothing: 0.3), // ..., reduction='none'
            [1.151079804039677, 0.0, 0.8894472579111591],
            [0.18078254330747306, 0.00694834121632386, -0.4036621712756251, 0.21593128675182835, 0, 0, 0, 0,
             -0.017659738368574283, -0.05752957697292876, -0.012447863022763305, 0.08763717836426622]);
    }

    [Fact]
    public void UnbatchedInputTakesAScalarTarget()
    {
        var loss = Functional.CrossEntropy(X().Narrow(0, 0, 1).Reshape(4), Tensor.FromArray(new long[] { 3 }).Reshape()); // F.cross_entropy(x[0], tensor(3))
        Assert.Empty(loss.Shape);
        Assert.Equal(1.6872280586139026, loss.Item(), 14);
        Assert.Empty(Functional.CrossEntropy(X().Narrow(0, 0, 1).Reshape(4), Tensor.FromArray(new long[] { 3 }).Reshape(), reduction: Reduction.None).Shape);
    }

    [Fact]
    public void CrossEntropyEqualsNllOfLogSoftmaxAndMatchesTheModule()
    {
        var x = NNTestUtil.Sample(1, 6, 10);
        var t = Tensor.FromArray(new long[] { 0, 9, 3, 3, 7, 1 });
        var ce = Functional.CrossEntropy(x, t);
        Assert.Equal(Functional.NllLoss(x.LogSoftmax(1), t).Item(), ce.Item(), 14);
        Assert.Equal(ce.Item(), new CrossEntropyLoss().Forward(x, t).Item());
        Assert.Equal(Functional.NllLoss(x, t, ignoreIndex: 3).Item(), new NLLLoss(ignoreIndex: 3).Forward(x, t).Item());
    }

    [Fact]
    public void ClassificationLossesValidateTargets()
    {
        var logits = Tensor.Zeros(4, 10);
        Assert.StartsWith("CrossEntropy: target 12 is out of range for 10 classes",
            Assert.Throws<ArgumentOutOfRangeException>(() => Functional.CrossEntropy(logits, Tensor.FromArray(new long[] { 1, 12, 0, 0 }))).Message);
        Assert.StartsWith("NllLoss: target -1 is out of range for 10 classes",
            Assert.Throws<ArgumentOutOfRangeException>(() => Functional.NllLoss(logits, Tensor.FromArray(new long[] { 1, -1, 0, 0 }))).Message);
        Assert.StartsWith("CrossEntropy: expected int64 class indices of shape [4] (or probabilities of the input's shape) for input [4, 10] float32, got target [3] int64",
            Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(logits, Tensor.FromArray(new long[] { 1, 2, 3 }))).Message);
        Assert.Contains("got target [4] float32",
            Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(logits, Tensor.Zeros(4))).Message);
        Assert.Contains("class weight must be a floating-point [10], got [3] float32",
            Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(logits, Tensor.FromArray(new long[] { 1, 2, 3, 4 }), Tensor.Ones(3))).Message);
        Assert.Contains("only defined for KlDiv",
            Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(logits, Tensor.FromArray(new long[] { 1, 2, 3, 4 }), reduction: Reduction.BatchMean)).Message);
        Assert.Contains("labelSmoothing must be in [0, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => new CrossEntropyLoss(labelSmoothing: 2)).Message);
    }

    [Fact]
    public void RegressionLossesNameBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.MseLoss(Tensor.Zeros(3, 4), Tensor.Zeros(3)));
        Assert.StartsWith("MseLoss: input [3, 4] float32 and target [3] float32 must have the same shape", e.Message);
        Assert.Contains("must be floating-point", Assert.Throws<ArgumentException>(() => Functional.L1Loss(Tensor.Zeros(3), Tensor.FromArray(new long[] { 1, 2, 3 }))).Message);
        Assert.Contains("only defined for KlDiv", Assert.Throws<ArgumentException>(() => Functional.MseLoss(Tensor.Zeros(3), Tensor.Zeros(3), Reduction.BatchMean)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HuberLoss(delta: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmoothL1Loss(beta: -1));
    }

    [Fact]
    public void SmoothL1WithZeroBetaIsL1AndHuberScalesSmoothL1()
    {
        var x = NNTestUtil.Sample(1, 20);
        var y = NNTestUtil.Sample(2, 20);
        Assert.Equal(Functional.L1Loss(x, y).Item(), Functional.SmoothL1Loss(x, y, beta: 0).Item(), 15);
        Assert.Equal(Functional.HuberLoss(x, y, delta: 0.7).Item(), 0.7 * Functional.SmoothL1Loss(x, y, beta: 0.7).Item(), 14);
    }

    [Fact]
    public void BinaryCrossEntropyClampsTheLogAndKeepsGradientsFinite()
    {
        var p = Tensor.FromArray([0.0, 1.0, 0.5, 1.0]).SetRequiresGrad();
        var y = Tensor.FromArray([1.0, 0.0, 1.0, 1.0]);
        var loss = Functional.BinaryCrossEntropy(p, y, reduction: Reduction.None); // PyTorch: [100, 100, 0.6931…, 0]
        Assert.Equal([100, 100, Math.Log(2), 0], loss.ToDoubleArray());
        loss.Sum().Backward();
        Assert.All(p.Grad!.ToDoubleArray(), g => Assert.True(double.IsFinite(g)));
        Assert.Equal(-2.0, p.Grad!.ItemAt(2), 12);

        Assert.StartsWith("BinaryCrossEntropy: all input elements must be probabilities in [0, 1], got values in [-0.5, 0.5]",
            Assert.Throws<ArgumentOutOfRangeException>(() => Functional.BinaryCrossEntropy(Tensor.FromArray([-0.5, 0.5]), Tensor.Zeros([2], DType.Float64))).Message);
        var w = Tensor.FromArray([2.0, 0, 1, 1]);
        Assert.Equal(200 + Math.Log(2), new BCELoss(w, Reduction.Sum).Forward(p, y).Item(), 12);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsIsStableAndMatchesTheProbabilityForm()
    {
        var big = Tensor.FromArray([-200.0, 200.0, -200.0, 200.0]).SetRequiresGrad();
        var y = Tensor.FromArray([0.0, 1.0, 1.0, 0.0]);
        var loss = Functional.BinaryCrossEntropyWithLogits(big, y, reduction: Reduction.None);
        // The confident correct predictions keep their exact loss log(1 + e^−200) = e^−200 rather than rounding it to 0.
        Assert.Equal([Math.Exp(-200), Math.Exp(-200), 200.0, 200.0], loss.ToDoubleArray());
        loss.Sum().Backward();
        NNTestUtil.AssertClose([0.0, 0.0, -1.0, 1.0], [4], big.Grad!, 1e-15, "σ(x) − y");

        var x = NNTestUtil.Sample(3, 5, 3);
        var t = Tensor.Rand([5, 3], DType.Float64, new Generator(4));
        Assert.Equal(Functional.BinaryCrossEntropy(x.Sigmoid(), t).Item(), Functional.BinaryCrossEntropyWithLogits(x, t).Item(), 12);
        var pw = Tensor.FromArray([1.0, 2.0, 3.0]);
        Assert.Equal(new BCEWithLogitsLoss(posWeight: pw).Forward(x, t).Item(), Functional.BinaryCrossEntropyWithLogits(x, t, posWeight: pw).Item());
    }

    [Fact]
    public void KlDivIsZeroForEqualDistributionsAndHandlesZeroTargets()
    {
        var logits = NNTestUtil.Sample(5, 4, 6);
        var p = logits.Softmax(1);
        Assert.Equal(0, Functional.KlDiv(logits.LogSoftmax(1), p, Reduction.BatchMean).Item(), 14);
        Assert.Equal(0, Functional.KlDiv(logits.LogSoftmax(1), logits.LogSoftmax(1), Reduction.Sum, logTarget: true).Item(), 14);

        var input = Tensor.FromArray([-1.0, -2.0, -0.5]).SetRequiresGrad();
        var target = Tensor.FromArray([0.0, 0.25, 0.75]).SetRequiresGrad();
        var kl = new KLDivLoss(Reduction.Sum).Forward(input, target);
        Assert.Equal(0.25 * (Math.Log(0.25) + 2) + 0.75 * (Math.Log(0.75) + 0.5), kl.Item(), 14);
        kl.Backward();
        Assert.Equal([0.0, -0.25, -0.75], input.Grad!.ToDoubleArray());
        Assert.All(target.Grad!.ToDoubleArray(), g => Assert.True(double.IsFinite(g)));
    }

    [Fact]
    public void LossModulesHoldWeightsAsBuffers()
    {
        var loss = new CrossEntropyLoss(Tensor.FromArray([1f, 2f, 3f]));
        Assert.Equal(["weight"], loss.NamedBuffers().Select(b => b.Name));
        loss.To(DType.Float64);
        Assert.Equal(DType.Float64, loss.Weight!.DType);
        Assert.Equal("CrossEntropyLoss()", loss.ToString());
        Assert.Equal("MSELoss(reduction=Sum)", new MSELoss(Reduction.Sum).ToString());
    }

    [Fact]
    public void WeightedSumAndMultiObjectiveLossCombineAndTrackTerms()
    {
        var a = Tensor.Scalar(2.0, DType.Float64, requiresGrad: true);
        var b = Tensor.Scalar(3.0, DType.Float64, requiresGrad: true);
        var total = Functional.WeightedSum((a * a, 0.5), (b, 2.0));
        Assert.Equal(8.0, total.Item());
        total.Backward();
        Assert.Equal(2.0, a.Grad!.Item());
        Assert.Equal(2.0, b.Grad!.Item());

        var objective = new MultiObjectiveLoss().Add("task", 1.0).Add("reg", 0.1);
        var loss = objective.Combine(("reg", b * 10), ("task", a));
        Assert.Equal(5.0, loss.Item(), 14);
        Assert.Equal(30.0, objective.LastValues["reg"]);
        Assert.Equal(2.0, objective.LastValues["task"]);
        Assert.Equal(5.0, objective.LastTotal, 14);
        objective.SetWeight("reg", 0);
        Assert.Equal(2.0, objective.Combine(("task", a), ("reg", b)).Item());
        Assert.Equal(["task", "reg"], objective.Weights.Keys);

        Assert.Contains("expected the objectives [task, reg] once each, got [task]", Assert.Throws<ArgumentException>(() => objective.Combine(("task", a))).Message);
        Assert.Contains("one-element loss", Assert.Throws<ArgumentException>(() => objective.Combine(("task", a), ("reg", Tensor.Ones(2)))).Message);
        Assert.Throws<ArgumentException>(() => objective.Add("task"));
        Assert.Throws<KeyNotFoundException>(() => objective.SetWeight("other", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => objective.SetWeight("task", double.NaN));
        Assert.Throws<ArgumentException>(() => Functional.WeightedSum());
    }

    [Fact]
    public void OneHotEncodesLabels()
    {
        var labels = Tensor.FromArray(new long[] { 2, 0, 1, 2 }, 2, 2);
        var oneHot = Functional.OneHot(labels);
        Assert.Equal([2, 2, 3], oneHot.Shape);
        Assert.Equal(DType.Int64, oneHot.DType);
        Assert.Equal([0.0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1], oneHot.ToDoubleArray());
        Assert.Equal([4, 5], Functional.OneHot(Tensor.FromArray(new long[] { 0, 1, 2, 3 }), 5).Shape);
        Assert.StartsWith("OneHot: label 3 is out of range for 3 classes",
            Assert.Throws<ArgumentOutOfRangeException>(() => Functional.OneHot(Tensor.FromArray(new long[] { 3 }), 3)).Message);
    }
}
