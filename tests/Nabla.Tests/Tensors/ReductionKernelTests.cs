namespace Nabla.Tests.Tensors;

/// <summary>
/// Sum, max and min over a leading dim against a plain loop, across the widths where the reduction switches from
/// register-held columns to whole-row combining, in both float dtypes; and the fused ReLU backward.
/// </summary>
public sealed class ReductionKernelTests
{
    public static TheoryData<int, int> Shapes => new()
    {
        { 1, 1 }, { 2, 3 }, { 3, 8 }, { 1000, 16 }, { 999, 17 }, { 7, 33 }, { 5, 255 }, { 4, 256 }, { 3, 257 }, { 2, 1000 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ReducingTheLeadingDimMatchesAPlainLoop(int rows, int cols)
    {
        var g = new Generator((ulong)((rows * 1000) + cols));
        var x = Tensor.Randn([rows, cols], DType.Float64, generator: g);
        var values = x.ToArray<double>();
        var sum = new double[cols];
        var max = new double[cols];
        var min = new double[cols];
        for (int j = 0; j < cols; j++)
        {
            max[j] = double.NegativeInfinity;
            min[j] = double.PositiveInfinity;
            for (int r = 0; r < rows; r++)
            {
                double v = values[(r * cols) + j];
                sum[j] += v;
                max[j] = Math.Max(max[j], v);
                min[j] = Math.Min(min[j], v);
            }
        }

        AssertClose(sum, x.Sum(0).ToArray<double>(), 1e-12);
        Assert.Equal(max, x.Amax([0]).ToArray<double>());
        Assert.Equal(min, x.Amin([0]).ToArray<double>());

        var x32 = x.To(DType.Float32);
        AssertClose(sum, Array.ConvertAll(x32.Sum(0).ToArray<float>(), v => (double)v), 1e-4 * Math.Sqrt(rows));
        Assert.Equal(Array.ConvertAll(max, v => (float)v), x32.Amax([0]).ToArray<float>());
        Assert.Equal(Array.ConvertAll(min, v => (float)v), x32.Amin([0]).ToArray<float>());
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void MaxAndMinOverRowsPropagateNaN(DType dtype)
    {
        foreach (int cols in new[] { 3, 16, 40 })
        {
            var data = new double[50 * cols];
            for (int i = 0; i < data.Length; i++) data[i] = i % 7;
            data[(31 * cols) + 2] = double.NaN;
            var x = Tensor.FromArray(data, 50, cols).To(dtype);
            var max = x.Amax([0]).ToDoubleArray();
            var min = x.Amin([0]).ToDoubleArray();
            for (int j = 0; j < cols; j++)
            {
                Assert.Equal(j == 2, double.IsNaN(max[j]));
                Assert.Equal(j == 2, double.IsNaN(min[j]));
            }
        }
    }

    [Fact]
    public void ReluBackwardPassesTheGradientOnlyWherePositiveAndNeverLeaksNaN()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 37).Select(i => (float)(i - 18)).ToArray()).SetRequiresGrad();
        var upstream = Enumerable.Range(0, 37).Select(i => i == 3 ? float.NaN : i * 0.5f).ToArray();
        x.Relu().Backward(Tensor.FromArray(upstream));
        var grad = x.Grad!.ToArray<float>();
        for (int i = 0; i < 37; i++)
            Assert.Equal(i - 18 > 0 ? upstream[i] : 0f, grad[i]);
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
