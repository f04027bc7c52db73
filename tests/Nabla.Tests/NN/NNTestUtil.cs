using Nabla.NN;

namespace Nabla.Tests.NN;

/// <summary>Comparison and finite-difference helpers shared by the NN tests.</summary>
internal static class NNTestUtil
{
    /// <summary>Asserts that <paramref name="actual"/> has <paramref name="shape"/> and every element is within rtol·max(1, |expected|).</summary>
    public static void AssertClose(double[] expected, int[] shape, Tensor actual, double rtol, string what)
    {
        Assert.True(shape.SequenceEqual(actual.Shape), $"{what}: shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", shape)}]");
        var a = actual.ToDoubleArray();
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - expected[i]) <= rtol * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}]: got {a[i]:R}, expected {expected[i]:R} (rtol {rtol})");
        }
    }

    /// <summary>Asserts that two tensors have equal shapes and close values.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double rtol, string what) =>
        AssertClose(expected.ToDoubleArray(), expected.Shape.ToArray(), actual, rtol, what);

    /// <summary>
    /// Compares the analytic gradient of the scalar <paramref name="f"/> with respect to each float64
    /// <paramref name="wrt"/> tensor against central differences (h = 1e-6).
    /// </summary>
    public static void CheckGradients(Func<Tensor> f, IReadOnlyList<Tensor> wrt, double tolerance = 1e-6, string what = "")
    {
        foreach (var t in wrt) t.Grad = null;
        var loss = f();
        loss.Backward();
        for (int k = 0; k < wrt.Count; k++)
        {
            var t = wrt[k];
            Assert.Equal(DType.Float64, t.DType);
            Assert.True(t.Grad is not null, $"{what}: tensor {k} got no gradient");
            var analytic = t.Grad!.ToDoubleArray();
            var data = t.AsSpan<double>();
            for (int i = 0; i < data.Length; i++)
            {
                double saved = data[i];
                double h = 1e-6;
                double plus, minus;
                using (Autograd.NoGrad())
                {
                    data[i] = saved + h; plus = f().Item();
                    data[i] = saved - h; minus = f().Item();
                }
                data[i] = saved;
                double numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance * Math.Max(1, Math.Abs(numeric)),
                    $"{what}: tensor {k} element {i}: analytic {analytic[i]:R}, numeric {numeric:R}");
            }
        }
    }

    /// <summary>A float64 tensor of the given shape with distinct, deterministic values in about [−2, 2].</summary>
    public static Tensor Sample(int seed, params int[] shape) =>
        Tensor.Randn(shape, DType.Float64, new Generator((ulong)seed));

    /// <summary>All parameters of a module, as a list, for gradient checks.</summary>
    public static List<Tensor> Params(Module m) => m.Parameters().ToList();
}
