namespace Nabla.Tests.Tensors;

/// <summary>
/// e^x and σ(x) in float, against PyTorch 1.13 (CPU): e⁰ is exactly 1 (it was 1 + 2⁻²³), values next to 1 and the
/// subnormal tail are correctly rounded, and softplus's gradient σ(x) keeps the subnormal values below x = −87.3
/// that were flushed to 0.
/// </summary>
public sealed class ExponentialTailTests
{
    [Fact]
    public void Float32ExpIsCorrectlyRoundedNextToOneAndInTheSubnormalTail()
    {
        float[] x = [0f, -1e-7f, 1e-7f, -1.5884924e-08f, 88.7f, -103f];
        float[] expected = [1f, 0.9999998807907104f, 1.0000001192092896f, 1f, 3.325976864406685e+38f, 1.401298464324817e-45f];
        Assert.Equal(Repeat(expected, 4), Tensor.FromArray(Repeat(x, 4)).Exp().ToArray<float>());
    }

    [Fact]
    public void Float32SoftplusGradientKeepsTheSubnormalTail()
    {
        var x = Tensor.FromArray([-88.8f, -95f, -100f, 0f, -20f]).SetRequiresGrad();
        x.Softplus().Sum().Backward();
        Assert.Equal([2.720499055520236e-39f, 5.521115949439779e-42f, 3.783505853677006e-44f, 0.5f, 2.06115369216775e-09f], x.Grad!.ToArray<float>());
    }

    private static float[] Repeat(float[] values, int times) => Enumerable.Range(0, times).SelectMany(_ => values).ToArray();
}
