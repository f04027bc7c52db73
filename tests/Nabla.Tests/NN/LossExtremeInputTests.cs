using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>Losses at extreme inputs: tiny losses keep their digits, infinite differences keep finite gradients.</summary>
public sealed class LossExtremeInputTests
{
    private static readonly double[] Logits = [-10, -20, -30, 10, 20, 30, -1, 0.5, -100, 100];
    private static readonly double[] Labels = [0, 0, 0, 1, 1, 1, 0.3, 0.7, 0, 1];

    [Fact]
    public void BinaryCrossEntropyWithLogitsKeepsFullRelativePrecisionForConfidentCorrectPredictions()
    {
        // mpmath's (1 − y)·log(1 + eˣ) + y·log(1 + e⁻ˣ). PyTorch 1.13 gives 4.5417706e-05 at x = −10 in float and
        // 0 at x = −20 and −30: it forms −x + x + log(1 + e⁻ˣ). Forming (1 − y)·x + log(1 + e⁻ˣ) lost 0.8% at −10.
        double[] loss = [4.539889921686465e-05, 2.061153620314381e-09, 9.357622968839737e-14, 4.539889921686465e-05, 2.061153620314381e-09,
            9.357622968839737e-14, 0.6132616875182229, 0.6240769841801067, 3.720075976020836e-44, 3.720075976020836e-44];
        double[] grad = [4.5397868702434395e-05, 2.0611536181902037e-09, 9.357622968839299e-14, -4.5397868702434395e-05, -2.0611536181902037e-09,
            -9.357622968839299e-14, -0.031058578630004868, -0.07754066879814539, 3.720075976020836e-44, -3.720075976020836e-44];
        AssertLoss(DType.Float64, null, loss, grad, 1e-15, 1e-14);
        AssertLoss(DType.Float32, null, loss, grad, 4e-7, 1e-6, floatRange: true);
        AssertLoss(DType.Float64, null, loss, grad, 1e-15, 1e-14, hardLabelsOnly: true);
        AssertLoss(DType.Float32, null, loss, grad, 4e-7, 1e-6, floatRange: true, hardLabelsOnly: true);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsWeighsThePositiveTermWithoutCancellation()
    {
        // (1 − y)·log(1 + eˣ) + pw·y·log(1 + e⁻ˣ) with pw = 3, from mpmath.
        double[] loss = [4.539889921686465e-05, 2.061153620314381e-09, 9.357622968839737e-14, 0.00013619669765059395, 6.183460860943142e-09,
            2.807286890651921e-13, 1.4012187000291565, 1.287784762032256, 3.720075976020836e-44, 1.1160227928062509e-43];
        double[] grad = [4.5397868702434395e-05, 2.0611536181902037e-09, 9.357622968839299e-14, -0.00013619360610730318, -6.183460854570612e-09,
            -2.80728689065179e-13, -0.4696937258080078, -0.6060976051155489, 3.7200759760208356e-44, -1.1160227928062507e-43];
        AssertLoss(DType.Float64, Tensor.FromArray([3.0]), loss, grad, 1e-15, 1e-14);
        AssertLoss(DType.Float64, Tensor.FromArray([3.0]), loss, grad, 1e-15, 1e-14, hardLabelsOnly: true);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsGivesAHardTargetThatRequiresGradItsOwnGradient()
    {
        // ∂L/∂y = −log(1 + eˣ) + pw·log(1 + e⁻ˣ), −x for pw = 1 (PyTorch's values); the one-softplus form for hard labels
        // agrees with the loss only at y ∈ {0, 1} and would differentiate wrongly in y.
        var x = Tensor.FromArray([2.0, -1.0]);
        var y = Tensor.FromArray([1.0, 0.0]).SetRequiresGrad();
        Functional.BinaryCrossEntropyWithLogits(x, y, reduction: Reduction.Sum).Backward();
        var g = y.Grad!.ToArray<double>();
        Assert.Equal(-2.0, g[0], 12);
        Assert.Equal(1.0, g[1], 12);
    }

    [Theory]
    [InlineData("huber")]
    [InlineData("smooth_l1")]
    public void AnInfiniteDifferenceHasTheLinearBranchsGradientAndNaNStaysNaN(string loss)
    {
        // PyTorch's values: Huber with δ = 2, smooth L1 with β = 0.5. The square of the infinite difference, in the
        // branch not taken, turned Where's zero gradient into NaN.
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            double big = dtype == DType.Float32 ? 3e38 : 1e308;
            var input = Tensor.FromArray([0, 0, 1, big, 0.2]).To(dtype).Detach().SetRequiresGrad();
            var target = Tensor.FromArray([double.PositiveInfinity, double.NaN, double.NegativeInfinity, -big, 0]).To(dtype).Detach().SetRequiresGrad();
            var value = loss == "huber"
                ? Functional.HuberLoss(input, target, Reduction.None, delta: 2)
                : Functional.SmoothL1Loss(input, target, Reduction.None, beta: 0.5);
            value.Sum().Backward();
            double slope = loss == "huber" ? 2 : 1;
            var g = input.Grad!.ToDoubleArray();
            var gt = target.Grad!.ToDoubleArray();
            Assert.Equal(-slope, g[0]);
            Assert.True(double.IsNaN(g[1]) && double.IsNaN(gt[1]), "a NaN target gives a NaN gradient");
            Assert.Equal(slope, g[2]);
            Assert.Equal(slope, g[3]);
            Assert.Equal(slope, gt[0]);
            Assert.Equal(-slope, gt[2]);
            Assert.Equal(dtype == DType.Float32 ? (double)(loss == "huber" ? 0.2f : 0.4f) : (loss == "huber" ? 0.2 : 0.4), g[4], 15);
            var v = value.ToDoubleArray();
            Assert.Equal(double.PositiveInfinity, v[0]);
            Assert.True(double.IsNaN(v[1]));
            Assert.Equal(double.PositiveInfinity, v[3]);
        }
    }

    /// <summary>Over all cases, or (the one-softplus path) over the cases whose label is 0 or 1.</summary>
    private static void AssertLoss(DType dtype, Tensor? posWeight, double[] loss, double[] grad, double lossTolerance, double gradTolerance,
        bool floatRange = false, bool hardLabelsOnly = false)
    {
        var keep = Enumerable.Range(0, Logits.Length).Where(i => !hardLabelsOnly || Labels[i] is 0 or 1).ToArray();
        var logits = keep.Select(i => Logits[i]).ToArray();
        var labels = keep.Select(i => Labels[i]).ToArray();
        loss = keep.Select(i => loss[i]).ToArray();
        grad = keep.Select(i => grad[i]).ToArray();
        var x = Tensor.FromArray(logits).To(dtype).Detach().SetRequiresGrad();
        var y = Tensor.FromArray(labels).To(dtype);
        var value = Functional.BinaryCrossEntropyWithLogits(x, y, reduction: Reduction.None, posWeight: posWeight?.To(dtype));
        value.Sum().Backward();
        var v = value.ToDoubleArray();
        var g = x.Grad!.ToDoubleArray();
        for (int i = 0; i < loss.Length; i++)
        {
            // Below float's normal range the float loss is a subnormal with few digits.
            double l = floatRange && loss[i] < 1e-37 ? 1e-44 : 0;
            Assert.True(Math.Abs(v[i] - loss[i]) <= lossTolerance * loss[i] + l, $"loss at x = {logits[i]}, y = {labels[i]}: expected {loss[i]:R}, got {v[i]:R}");
            Assert.True(Math.Abs(g[i] - grad[i]) <= gradTolerance * Math.Abs(grad[i]) + l, $"gradient at x = {logits[i]}, y = {labels[i]}: expected {grad[i]:R}, got {g[i]:R}");
        }
    }
}
