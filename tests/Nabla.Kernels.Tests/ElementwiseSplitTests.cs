using static Nabla.Kernels.Tests.KernelReference;

namespace Nabla.Kernels.Tests;

/// <summary>
/// Large contiguous elementwise operations split between threads: every operator gives the same bits on one thread
/// and on two, at lengths that leave a tail of every size past the last whole vector.
/// </summary>
[Collection(nameof(Parallelism))]
public sealed class ElementwiseSplitTests
{
    private static readonly int[] Lengths = [(1 << 17) + 1, (1 << 17) + 4096 + 37, 300_011];

    [Fact]
    public void UnaryOperatorsGiveTheSameBitsOnAnyThreadCount()
    {
        Same<float, ExpOperator<float>>(-20, 20);
        Same<double, ExpOperator<double>>(-20, 20);
        Same<float, TanhOperator<float>>(-8, 8);
        Same<double, TanhOperator<double>>(-8, 8);
        Same<float, SigmoidOperator<float>>(-30, 30);
        Same<float, LogOperator<float>>(1e-3, 50);
        Same<float, ErfOperator<float>>(-4, 4);
        Same<float, SinOperator<float>>(-100, 100);
        Same<double, CosOperator<double>>(-100, 100);
        Same<float, SoftplusOperator<float>>(-30, 30);
        Same<float, ReluOperator<float>>(-1, 1);
        Same<float, SqrtOperator<float>>(0, 10);
        Same<float, TanOperator<float>>(-1.5, 1.5);
        Same<float, AtanhOperator<float>>(-0.99, 0.99);
        Same<long, NegateOperator<long>>(-1000, 1000);
    }

    [Fact]
    public void BinaryOperatorsGiveTheSameBitsOnAnyThreadCountWithSpansAndScalars()
    {
        SameBinary<float, AddOperator<float>>(-10, 10);
        SameBinary<double, MultiplyOperator<double>>(-10, 10);
        SameBinary<float, DivideOperator<float>>(0.5, 10);
        SameBinary<float, PowOperator<float>>(0.1, 3);
        SameBinary<float, ReluBackwardOperator<float>>(-1, 1);
        SameBinary<float, HypotOperator<float>>(-5, 5);
        SameBinary<double, MaximumOperator<double>>(-5, 5);
    }

    [Theory]
    [InlineData(701, 300, 1)]
    [InlineData(701, 300, 0)]
    [InlineData(3, 60_000, 1)]
    public void InPlaceSumsIntoASliceGiveTheRowByRowSumOnAnyThreadCount(int rows, int cols, int bStride)
    {
        // The target is columns [50, 50 + cols) of a rows × (cols + 100) buffer; b is a matrix or one broadcast row.
        var random = new Random(rows ^ cols);
        int width = cols + 100;
        var buffer = Random<float>(random, rows * width);
        var b = Random<float>(random, bStride == 1 ? rows * cols : cols);
        int[] bStrides = bStride == 1 ? [cols, 1] : [0, 1];
        var expected = (float[])buffer.Clone();
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < cols; j++) expected[(r * width) + 50 + j] += b[(r * bStrides[0]) + j];
        }

        foreach (int threads in new[] { 1, 2 })
        {
            var d = Run(threads, () =>
            {
                var target = (float[])buffer.Clone();
                Assert.True(ElementwiseKernels.TryBinaryInPlace<float, AddOperator<float>>(target.AsSpan(50), [width, 1], b, bStrides, [rows, cols]));
                return target;
            });
            Assert.True(expected.AsSpan().SequenceEqual(d), $"{threads} thread(s)");
        }

        Assert.False(ElementwiseKernels.TryBinaryInPlace<float, AddOperator<float>>(buffer, [1, rows], b, bStrides, [rows, cols]), "a target with strided rows");
    }

    private static void Same<T, TOperator>(double lo, double hi)
        where T : unmanaged, System.Numerics.INumberBase<T> where TOperator : IUnaryOperator<T>
    {
        var random = new Random(lo.GetHashCode() ^ typeof(TOperator).Name.GetHashCode(StringComparison.Ordinal));
        foreach (int n in Lengths)
        {
            var x = Random<T>(random, n, lo, hi);
            var one = Run(1, () =>
            {
                var y = new T[n];
                ElementwiseKernels.Unary<T, TOperator>(x, [n], [1], y);
                return y;
            });
            var two = Run(2, () =>
            {
                var y = new T[n];
                ElementwiseKernels.Unary<T, TOperator>(x, [n], [1], y);
                return y;
            });
            Assert.True(one.AsSpan().SequenceEqual(two), $"{typeof(TOperator).Name} n = {n}");
        }
    }

    private static void SameBinary<T, TOperator>(double lo, double hi)
        where T : unmanaged, System.Numerics.INumberBase<T> where TOperator : IBinaryOperator<T>
    {
        var random = new Random(typeof(TOperator).Name.GetHashCode(StringComparison.Ordinal));
        foreach (int n in Lengths)
        {
            var a = Random<T>(random, n, lo, hi);
            var b = Random<T>(random, n, lo, hi);
            T[] scalar = [b[0]];
            foreach (var (aStride, bStride, bOperand) in new[] { (1, 1, b), (1, 0, scalar), (0, 1, b) })
            {
                var aOperand = aStride == 0 ? scalar : a;
                T[] Once() => Binary<T, TOperator>(aOperand, aStride, bOperand, bStride, n);
                var one = Run(1, Once);
                var two = Run(2, Once);
                Assert.True(one.AsSpan().SequenceEqual(two), $"{typeof(TOperator).Name} n = {n}, strides {aStride} and {bStride}");
            }
        }
    }

    private static T[] Binary<T, TOperator>(T[] a, int aStride, T[] b, int bStride, int n)
        where T : unmanaged where TOperator : IBinaryOperator<T>
    {
        var d = new T[n];
        ElementwiseKernels.Binary<T, TOperator>(a, [aStride], b, [bStride], [n], d);
        return d;
    }

    private static T[] Run<T>(int threads, Func<T[]> body)
    {
        int saved = Parallelism.NumThreads;
        try
        {
            Parallelism.NumThreads = threads;
            return body();
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }
}
