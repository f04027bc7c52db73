using Nabla.Optim;

namespace Nabla.Tests.Optim;

public class GradClipTests
{
    public static TheoryData<string> Cases => OptimGolden.Names("clip");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = OptimGolden.Case("clip", name);
        var parameters = c.GetProperty("grads").EnumerateArray().Select(g =>
        {
            var grad = OptimGolden.ToTensor(g);
            var p = Tensor.Zeros([.. grad.Shape], DType.Float64, requiresGrad: true);
            p.Grad = grad;
            return p;
        }).ToArray();

        if (c.GetProperty("kind").GetString() == "norm")
        {
            var nt = c.GetProperty("norm_type");
            double normType = nt.ValueKind == System.Text.Json.JsonValueKind.String ? double.PositiveInfinity : nt.GetDouble();
            double total = GradClip.ClipGradNorm(parameters, c.GetProperty("max_norm").GetDouble(), normType);
            OptimGolden.AssertClose([c.GetProperty("total_norm").GetDouble()], [total], 1e-12, 0, $"{name} total norm");
        }
        else
        {
            GradClip.ClipGradValue(parameters, c.GetProperty("clip_value").GetDouble());
        }

        var after = c.GetProperty("after").EnumerateArray().ToArray();
        for (int i = 0; i < parameters.Length; i++)
            OptimGolden.AssertClose(OptimGolden.Doubles(after[i].GetProperty("data")), parameters[i].Grad!.ToDoubleArray(), 1e-12, 1e-15, $"{name} gradient {i}");
    }

    [Fact]
    public void ClipGradNormSkipsMissingGradientsAndReturnsZeroWithoutAny()
    {
        var none = Tensor.Zeros(3).SetRequiresGrad();
        Assert.Equal(0, GradClip.ClipGradNorm([none], 1.0));

        var p = Tensor.Zeros(2).SetRequiresGrad();
        p.Grad = Tensor.FromArray([3f, 4f], 2);
        double total = GradClip.ClipGradNorm([none, p], 1.0);
        Assert.Equal(5, total, 6);
        // torch: clip_grad_norm_ scales by max_norm / (total + 1e-6).
        Assert.Equal(new[] { 3 / (5 + 1e-6), 4 / (5 + 1e-6) }, p.Grad.ToDoubleArray(), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Null(none.Grad);
    }

    [Fact]
    public void ClipGradNormHandlesNonContiguousFloat32Gradients()
    {
        var p = Tensor.Zeros(2, 3).SetRequiresGrad();
        p.Grad = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 3, 2).T;
        double total = GradClip.ClipGradNorm([p], 1.0, normType: 1);
        Assert.Equal(21, total, 5);
        Assert.Equal(1, GradClip.ClipGradNorm([p], 100.0, normType: 1), 5);
    }

    [Fact]
    public void ClipGradNormRejectsNonFiniteNormsWhenAsked()
    {
        var p = Tensor.Zeros([2], DType.Float64, requiresGrad: true);
        p.Grad = Tensor.FromArray([double.PositiveInfinity, 1.0], 2);
        var e = Assert.Throws<InvalidOperationException>(() => GradClip.ClipGradNorm([p], 1.0, errorIfNonfinite: true));
        Assert.Contains("non-finite", e.Message);
    }

    [Fact]
    public void ClipArgumentsAreValidated()
    {
        var p = Tensor.Zeros(2).SetRequiresGrad();
        Assert.Contains("maxNorm", Assert.Throws<ArgumentException>(() => GradClip.ClipGradNorm([p], -1)).Message);
        Assert.Contains("normType", Assert.Throws<ArgumentException>(() => GradClip.ClipGradNorm([p], 1, normType: 0)).Message);
        Assert.Contains("clipValue", Assert.Throws<ArgumentException>(() => GradClip.ClipGradValue([p], -0.5)).Message);
    }

    [Fact]
    public void ClipGradValueClampsFloat32AndBumpsTheVersion()
    {
        var p = Tensor.Zeros(5).SetRequiresGrad();
        p.Grad = Tensor.FromArray([-2f, -0.1f, 0f, 0.4f, 3f], 5);
        int version = p.Grad.Version;
        GradClip.ClipGradValue([p], 0.25);
        Assert.Equal(new[] { -0.25f, -0.1f, 0f, 0.25f, 0.25f }, p.Grad.ToArray<float>());
        Assert.True(p.Grad.Version > version);
    }
}
