using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>
/// Running statistics against PyTorch 1.13. The reference numbers come from this script (float64):
/// <code>
/// def x(shape, step): flat k -> math.sin(0.7*k + 1.3*step)*2 + 0.05*k, reshaped
/// A: bn = torch.nn.BatchNorm1d(3).double();                 3 training steps on x((4,3), s)
/// B: bn = torch.nn.BatchNorm2d(2, momentum=None).double();  3 training steps on x((2,2,2,3), s)
/// C: bn = torch.nn.BatchNorm1d(2, momentum=0.3).double();   2 training steps on x((3,2,4), s)
/// after each step: bn.running_mean, bn.running_var, bn.num_batches_tracked;
/// then bn(x)[:6] of the last training step and, after bn.eval(), bn(x(shape, 10)).flatten()[:6]
/// </code>
/// </summary>
public sealed class BatchNormTests
{
    private static Tensor X(int[] shape, int step)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return Tensor.FromArray(Enumerable.Range(0, n).Select(k => Math.Sin(0.7 * k + 1.3 * step) * 2 + 0.05 * k).ToArray()).Reshape(shape);
    }

    private static void Run(BatchNorm bn, int[] shape, double[][] means, double[][] vars, double[] lastTrain, double[] eval)
    {
        Tensor y = null!;
        for (int s = 1; s <= means.Length; s++)
        {
            y = bn.Forward(X(shape, s));
            NNTestUtil.AssertClose(means[s - 1], [bn.NumFeatures], bn.RunningMean!, 1e-12, $"running_mean after step {s}");
            NNTestUtil.AssertClose(vars[s - 1], [bn.NumFeatures], bn.RunningVar!, 1e-12, $"running_var after step {s}");
            Assert.Equal(s, bn.NumBatchesTracked!.Item());
        }
        NNTestUtil.AssertClose(lastTrain, [6], y.Reshape(-1).Narrow(0, 0, 6), 1e-12, "training output");
        bn.Eval();
        NNTestUtil.AssertClose(eval, [6], bn.Forward(X(shape, 10)).Reshape(-1).Narrow(0, 0, 6), 1e-12, "evaluation output");
    }

    [Fact]
    public void BatchNorm1dOnNCMatchesPyTorch() => Run(new BatchNorm1d(3, dtype: DType.Float64), [4, 3],
        [[0.0710198214925728, 0.07300513733500338, 0.05358867605139727], [0.11195345543600829, 0.08486277429412925, 0.04243379581306594],
         [0.08839978318583966, 0.05390848969314223, 0.029113463139619745]],
        [[1.1917787145301884, 1.1922408232930186, 1.1370326646916922], [1.3169303028797283, 1.2967534590403234, 1.2957938586370696],
         [1.4491298484685118, 1.4705319686078575, 1.4285324622450204]],
        [-0.8899002738025169, -1.1352823156257332, -1.0507092838534897, -0.20275747816590667, 0.8182215812604701, 1.524402499967165],
        [0.6246327357405443, 1.4909392683215692, 1.675179437125744, 1.000159253500237, -0.031107004220354874, -1.0062479526846464]);

    [Fact]
    public void BatchNorm2dWithCumulativeAverageMatchesPyTorch() => Run(new BatchNorm2d(2, momentum: null, dtype: DType.Float64), [2, 2, 2, 3],
        [[0.08638991990465623, 1.0946424664234156], [0.09784305631909625, 0.872261189490947], [0.2634651318204445, 0.686563613921637]],
        [[1.9020438641989896, 2.0242491716740205], [2.2617658371043383, 1.7295427092869677], [2.391784827209713, 1.9205098869049486]],
        [-1.2636902108420436, -1.6240541131152795, -1.3849142741420715, -0.6436591463050034, 0.2661701518928582, 0.9317494355836924],
        [0.37300546633420584, 1.0335596839895416, 1.143098237708639, 0.6653088201378383, -0.1598913539261807, -0.9291923624651592]);

    [Fact]
    public void BatchNorm1dOnNCLMatchesPyTorch() => Run(new BatchNorm1d(2, momentum: 0.3, dtype: DType.Float64), [3, 2, 4],
        [[0.5073947218379555, -0.15308500593953406], [0.561421284256853, -0.08565165154035359]],
        [[0.9566981379087334, 0.9943863491722853], [1.423481336492241, 1.1449440440454046]],
        [0.22634942150715187, -0.6279273036455064, -1.3844341818074029, -1.6718793554939244, -1.2101219049168692, -0.15883489302224632],
        [0.23377120469343185, 1.090006284565377, 1.2319942543426996, 0.612665743251177, 0.0951734089556041, -1.016722763508045]);

    [Fact]
    public void EvaluationDoesNotTouchTheRunningStatistics()
    {
        var bn = new BatchNorm1d(3, dtype: DType.Float64);
        bn.Forward(X([4, 3], 1));
        bn.Eval();
        var mean = bn.RunningMean!.ToDoubleArray();
        var a = bn.Forward(X([4, 3], 2));
        var b = bn.Forward(X([4, 3], 2).Narrow(0, 0, 1));
        Assert.Equal(mean, bn.RunningMean!.ToDoubleArray());
        Assert.Equal(1.0, bn.NumBatchesTracked!.Item());
        NNTestUtil.AssertClose(a.Narrow(0, 0, 1), b, 1e-14, "eval is per-sample");
        bn.Train();
        Assert.False(bn.Forward(X([4, 3], 2)).AllClose(a));
    }

    [Fact]
    public void WithoutRunningStatisticsBatchStatisticsAreAlwaysUsed()
    {
        var bn = new BatchNorm1d(3, affine: false, trackRunningStats: false, dtype: DType.Float64);
        Assert.Empty(bn.Parameters());
        Assert.Empty(bn.Buffers());
        var train = bn.Forward(X([4, 3], 1));
        bn.Eval();
        Assert.True(train.AllClose(bn.Forward(X([4, 3], 1)), 0, 0));
        NNTestUtil.AssertClose(new double[3], [3], train.Mean(0), 1e-12, "normalised mean");
    }

    [Fact]
    public void ResetRunningStatsRestoresTheInitialState()
    {
        var bn = new BatchNorm1d(2);
        bn.Forward(Tensor.Randn(5, 2));
        bn.ResetRunningStats();
        Assert.Equal([0.0, 0.0], bn.RunningMean!.ToDoubleArray());
        Assert.Equal([1.0, 1.0], bn.RunningVar!.ToDoubleArray());
        Assert.Equal(0.0, bn.NumBatchesTracked!.Item());
    }

    [Fact]
    public void BadInputsAreRejectedWithShapes()
    {
        Assert.StartsWith("BatchNorm1d: expected 2-D (N, 3) or 3-D (N, 3, L) input, got [4, 2] float32",
            Assert.Throws<ArgumentException>(() => new BatchNorm1d(3).Forward(Tensor.Zeros(4, 2))).Message);
        Assert.StartsWith("BatchNorm2d: expected 4-D (N, 3, H, W) input, got [4, 3] float32",
            Assert.Throws<ArgumentException>(() => new BatchNorm2d(3).Forward(Tensor.Zeros(4, 3))).Message);
        Assert.StartsWith("BatchNorm: expected more than 1 value per channel when training, got input [1, 3] float32",
            Assert.Throws<ArgumentException>(() => new BatchNorm1d(3).Forward(Tensor.Zeros(1, 3))).Message);
        Assert.Contains("momentum must be in [0, 1], got 2", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm2d(3, momentum: 2)).Message);
        Assert.Equal([1, 3], new BatchNorm1d(3).Eval().Forward(Tensor.Zeros(1, 3)).Shape);
    }
}
