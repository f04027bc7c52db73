using Nabla.NN;

namespace Nabla.Tests.Tensors;

/// <summary>
/// Row reductions at extreme inputs, against PyTorch 1.13 (CPU): log-softmax keeps its digits for large logits, and a
/// constant row's standard deviation has the gradient 0.
/// </summary>
public sealed class ReductionEdgeTests
{
    private static readonly double[] Logits = [1e4, 1e4, 1e4, 1e4, 88, 89, 90, 91, 1e20, 1e20, 1e20, 1e20, 710, 711, 0, 0];

    [Fact]
    public void LogSoftmaxOfLargeLogitsKeepsItsDigits()
    {
        // x − (max + log Σ) rounded log Σ into max: 1e20 logits gave 0 instead of −log 4, and 1e4 lost three digits in float.
        double[] f32 = [-1.3862943649291992, -1.3862943649291992, -1.3862943649291992, -1.3862943649291992, -3.4401895999908447, -2.4401895999908447,
            -1.4401897192001343, -0.4401896893978119, -1.3862943649291992, -1.3862943649291992, -1.3862943649291992, -1.3862943649291992,
            -1.31326162815094, -0.31326165795326233, -711.313232421875, -711.313232421875];
        double[] f64 = [-1.3862943611198906, -1.3862943611198906, -1.3862943611198906, -1.3862943611198906, -3.4401896985611953, -2.4401896985611953,
            -1.4401896985611953, -0.44018969856119533, -1.3862943611198906, -1.3862943611198906, -1.3862943611198906, -1.3862943611198906,
            -1.3132616875182228, -0.31326168751822286, -711.3132616875182, -711.3132616875182];
        AssertClose(f32, Tensor.FromArray(Logits, 4, 4).To(DType.Float32).LogSoftmax(1).ToDoubleArray(), 4e-7);
        AssertClose(f64, Tensor.FromArray(Logits, 4, 4).LogSoftmax(1).ToDoubleArray(), 1e-15);
    }

    [Fact]
    public void CrossEntropyOfLargeLogitsMatchesPyTorch()
    {
        var target = Tensor.FromArray(new long[] { 0, 3, 1, 1 });
        double[] loss = [1.3862943611198906, 0.44018969856119533, 1.3862943611198906, 0.31326168751822286];
        double[] grad = [-0.75, 0.25, 0.25, 0.25, 0.03205860328008499, 0.08714431874203257, 0.23688281808991016, -0.35608574011202765,
            0.25, -0.75, 0.25, 0.25, 0.2689414213699951, -0.2689414213699951, 0, 0];
        foreach (var (dtype, tolerance) in new[] { (DType.Float32, 4e-7), (DType.Float64, 1e-15) })
        {
            var x = Tensor.FromArray(Logits, 4, 4).To(dtype).Detach().SetRequiresGrad();
            var value = Functional.CrossEntropy(x, target, reduction: Reduction.None);
            value.Sum().Backward();
            AssertClose(loss, value.ToDoubleArray(), tolerance);
            AssertClose(grad, x.Grad!.ToDoubleArray(), tolerance);
        }
    }

    [Fact]
    public void TheStandardDeviationOfAConstantRowHasTheGradientZero()
    {
        // √ has an infinite slope at 0: its gradient was ∞·0 = NaN; PyTorch gives 0.
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.FromArray([3.0, 3.0, 3.0, 1.0, 2.0, 4.0], 2, 3).To(dtype).Detach().SetRequiresGrad();
            var std = x.Std([1]);
            std.Sum().Backward();
            AssertClose([0, 1.5275252316519465], std.ToDoubleArray(), 1e-7);
            AssertClose([0, 0, 0, -0.43643578047198484, -0.10910894511799625, 0.5455447255899809], x.Grad!.ToDoubleArray(), 1e-7);
        }
    }

    /// <summary>Within tolerance·max(1, |expected|), which covers a few ulps of a float or double result.</summary>
    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
