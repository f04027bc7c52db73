using System.Numerics;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels.Tests;

[Collection(nameof(Parallelism))]
public sealed class GemmTests
{
    private static readonly int[] OddSizes = [1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 33, 47, 67];

    public static TheoryData<bool, bool> Transposes => new() { { false, false }, { true, false }, { false, true }, { true, true } };

    [Theory]
    [MemberData(nameof(Transposes))]
    public void FloatMatchesReferenceOnOddSizes(bool transA, bool transB)
    {
        var random = new Random(1);
        foreach (int m in OddSizes)
        {
            foreach (int n in OddSizes)
            {
                int k = OddSizes[random.Next(OddSizes.Length)];
                Case<float>.Run(random, m, n, k, transA, transB, alpha: 1, beta: 0);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void DoubleMatchesReferenceOnOddSizes(bool transA, bool transB)
    {
        var random = new Random(2);
        foreach (int m in OddSizes)
        {
            foreach (int k in OddSizes)
            {
                int n = OddSizes[random.Next(OddSizes.Length)];
                Case<double>.Run(random, m, n, k, transA, transB, alpha: 1, beta: 0);
            }
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(64, 64, 64)]
    [InlineData(1000, 16, 16)]
    [InlineData(1000, 2, 16)]
    [InlineData(16, 16, 1000)]
    [InlineData(16, 2, 1000)]
    [InlineData(129, 95, 300)]
    [InlineData(97, 301, 600)]
    [InlineData(350, 40, 41)]
    [InlineData(3, 2500, 5)]
    public void LargeAndSkinnyShapesMatchReference(int m, int n, int k)
    {
        var random = new Random(m + n + k);
        foreach (bool transA in new[] { false, true })
        {
            foreach (bool transB in new[] { false, true })
            {
                Case<float>.Run(random, m, n, k, transA, transB, alpha: 1, beta: 0);
                Case<double>.Run(random, m, n, k, transA, transB, alpha: 1, beta: 0);
            }
        }
    }

    [Fact]
    public void ShapeLargerThanAllCacheBlocksMatchesReference()
    {
        var random = new Random(3);
        Case<float>.Run(random, 300, 1100, 700, transA: false, transB: false, alpha: 1, beta: 0.5);
        Case<float>.Run(random, 300, 1100, 700, transA: true, transB: true, alpha: 1, beta: 0.5);
        Case<double>.Run(random, 150, 900, 500, transA: true, transB: false, alpha: 1, beta: 0.5);
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(1.0, 1.0)]
    [InlineData(-0.5, 2.0)]
    [InlineData(2.0, -1.0)]
    [InlineData(0.0, 0.5)]
    [InlineData(0.0, 0.0)]
    public void AlphaAndBetaAreApplied(double alpha, double beta)
    {
        var random = new Random(4);
        foreach (var (m, n, k) in new[] { (5, 7, 3), (33, 47, 70), (130, 70, 290) })
        {
            Case<float>.Run(random, m, n, k, transA: false, transB: true, alpha, beta);
            Case<double>.Run(random, m, n, k, transA: true, transB: false, alpha, beta);
        }
    }

    [Fact]
    public void BetaZeroIgnoresNaNInOutput()
    {
        var a = new float[] { 1, 2, 3, 4 };
        var b = new float[] { 5, 6, 7, 8 };
        var c = new float[] { float.NaN, float.NaN, float.PositiveInfinity, float.NaN };
        Gemm.Multiply(2, 2, 2, 1f, a, 2, 1, b, 2, 1, 0f, c, 2);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c);

        var random = new Random(5);
        Case<float>.Run(random, 67, 45, 33, transA: false, transB: false, alpha: 1, beta: 0, garbage: float.NaN);
        Case<double>.Run(random, 67, 45, 33, transA: true, transB: true, alpha: 2, beta: 0, garbage: double.NaN);
    }

    [Fact]
    public void ZeroInnerSizeScalesOutputByBeta()
    {
        var c = new float[] { 1, 2, 3, float.NaN };
        Gemm.Multiply(2, 2, 0, 1f, [], 0, 0, [], 0, 0, 3f, c, 2);
        Assert.Equal(new float[] { 3, 6, 9, float.NaN }, c);

        var d = new double[] { 1, double.NaN };
        Gemm.Multiply(1, 2, 0, 1.0, [], 0, 0, [], 0, 0, 0.0, d, 2);
        Assert.Equal(new double[] { 0, 0 }, d);
    }

    [Fact]
    public void EmptyOutputIsANoOp()
    {
        Gemm.Multiply(0, 5, 5, 1f, [], 5, 1, new float[25], 5, 1, 0f, [], 5);
        Gemm.Multiply(5, 0, 5, 1.0, new double[25], 5, 1, [], 0, 1, 0.0, [], 0);
        Gemm.MultiplyBatched(0, 5, 5, 5, 1f, [], 25, 5, 1, [], 25, 5, 1, 0f, [], 25, 5);
    }

    [Fact]
    public void NonContiguousOperandsMatchReference()
    {
        var random = new Random(6);
        foreach (var (m, n, k) in new[] { (7, 9, 11), (40, 70, 33), (100, 35, 260) })
        {
            Case<float>.Run(random, m, n, k, transA: false, transB: false, alpha: 1, beta: 0.25, padding: 3);
            Case<float>.Run(random, m, n, k, transA: true, transB: true, alpha: 1, beta: 0, padding: 5);
            Case<double>.Run(random, m, n, k, transA: false, transB: true, alpha: 1, beta: 1, padding: 2);
        }
    }

    [Fact]
    public void ZeroStridesBroadcastRowsAndColumns()
    {
        // A has one stored row (row stride 0) and B one stored column (column stride 0): every C element is the same dot product.
        var a = new float[] { 1, 2, 3 };
        var b = new float[] { 4, 5, 6 };
        var c = new float[4 * 5];
        Gemm.Multiply(4, 5, 3, 1f, a, 0, 1, b, 1, 0, 0f, c, 5);
        Assert.All(c, value => Assert.Equal(32f, value));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BatchedMatchesPerItemMultiply(bool broadcastA)
    {
        var random = new Random(7);
        foreach (var (batch, m, n, k) in new[] { (5, 3, 4, 7), (3, 40, 50, 60), (64, 16, 16, 16), (2, 130, 90, 300) })
        {
            int aBatch = broadcastA ? 0 : m * k;
            int bBatch = broadcastA ? k * n : 0;
            var a = RandomArray<float>(random, (broadcastA ? 1 : batch) * m * k);
            var b = RandomArray<float>(random, (broadcastA ? batch : 1) * k * n);
            var c = RandomArray<float>(random, batch * m * n);
            var expected = (float[])c.Clone();
            for (int t = 0; t < batch; t++)
                Gemm.Multiply(m, n, k, 1.5f, a.AsSpan(t * aBatch), 1, m, b.AsSpan(t * bBatch), n, 1, 0.5f, expected.AsSpan(t * m * n), n);

            Gemm.MultiplyBatched(batch, m, n, k, 1.5f, a, aBatch, 1, m, b, bBatch, n, 1, 0.5f, c, m * n, n);
            Assert.Equal(expected, c);

            var ad = RandomArray<double>(random, batch * m * k);
            var bd = RandomArray<double>(random, batch * k * n);
            var cd = new double[batch * m * n];
            Gemm.MultiplyBatched(batch, m, n, k, 1.0, ad, m * k, k, 1, bd, k * n, 1, k, 0.0, cd, m * n, n);
            for (int t = 0; t < batch; t++)
            {
                var reference = Reference(m, n, k, 1.0, ad.AsSpan(t * m * k), k, 1, bd.AsSpan(t * k * n), 1, k, 0.0, new double[m * n], n);
                AssertClose(reference.Values, reference.Scales, cd.AsSpan(t * m * n, m * n), 1e-12, $"batch item {t}");
            }
        }
    }

    [Fact]
    public void BatchedWritesInterleavedOutputItems()
    {
        // C laid out as [m, batch, n]: item t's rows are batch·n apart, items n apart.
        int batch = 3, m = 4, n = 5, k = 6;
        var random = new Random(8);
        var a = RandomArray<double>(random, batch * m * k);
        var b = RandomArray<double>(random, k * n);
        var c = new double[m * batch * n];
        Gemm.MultiplyBatched(batch, m, n, k, 1.0, a, m * k, k, 1, b, 0, n, 1, 0.0, c, n, batch * n);
        for (int t = 0; t < batch; t++)
        {
            var expected = new double[m * n];
            Gemm.Multiply(m, n, k, 1.0, a.AsSpan(t * m * k), k, 1, b, n, 1, 0.0, expected, n);
            for (int i = 0; i < m; i++)
                Assert.Equal(expected.AsSpan(i * n, n).ToArray(), c.AsSpan((i * batch * n) + (t * n), n).ToArray());
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(64, 64, 64)]
    [InlineData(200, 333, 517)]
    [InlineData(1000, 16, 16)]
    public void ResultsAreBitwiseDeterministicAcrossRunsAndThreadCounts(int m, int n, int k)
    {
        var random = new Random(9);
        var a = RandomArray<float>(random, m * k);
        var b = RandomArray<float>(random, k * n);
        int saved = Parallelism.NumThreads;
        try
        {
            float[]? first = null;
            foreach (int threads in new[] { 1, 2, 1, 2, 3 })
            {
                Parallelism.NumThreads = threads;
                var c = new float[m * n];
                Gemm.Multiply(m, n, k, 1f, a, 1, m, b, n, 1, 0f, c, n);
                first ??= c;
                Assert.Equal(first, c);
            }
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }

    [Theory]
    [InlineData(64, 64, 64, 1, true)]
    [InlineData(128, 784, 256, 1, true)]
    [InlineData(1000, 16, 16, 1, false)]
    [InlineData(1000, 16, 2, 1, false)]
    [InlineData(16, 16, 1000, 1, false)]
    [InlineData(8, 8, 8, 1, false)]
    [InlineData(100_000, 16, 16, 1, true)]
    [InlineData(64, 64, 64, 16, true)]
    [InlineData(1000, 16, 16, 32, true)]
    public void OnlyComputeBoundOrLargeProductsAreSplitOverThreads(int m, int n, int k, int batch, bool split) =>
        Assert.Equal(split, GemmTuning.WorthSplitting(m, n, k, batch));

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    public void EveryVectorWidthMatchesReference(int bits)
    {
        // Each width's kernels are driven directly, so the fallbacks are checked on hardware that would not pick them.
        var random = new Random(bits);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (7, 5, 3), (2, 40, 100), (3, 70, 9), (67, 45, 33), (33, 2, 67), (130, 70, 600) })
        {
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    WidthCase<float>.Run(bits, random, m, n, k, transA, transB);
                    WidthCase<double>.Run(bits, random, m, n, k, transA, transB);
                }
            }
        }
    }

    [Fact]
    public void InvalidArgumentsThrowWithTheOperationSizesAndStrides()
    {
        var a = new float[12];
        var b = new float[12];
        var c = new float[9];

        var tooShort = Assert.Throws<ArgumentException>(() => Gemm.Multiply(3, 3, 4, 1f, a.AsSpan(0, 11), 4, 1, b, 3, 1, 0f, c, 3));
        Assert.Contains("Gemm.Multiply", tooShort.Message);
        Assert.Contains("A (3×4", tooShort.Message);
        Assert.Contains("row stride 4", tooShort.Message);
        Assert.Contains("needs 12", tooShort.Message);

        var bShort = Assert.Throws<ArgumentException>(() => Gemm.Multiply(3, 3, 4, 1f, a, 4, 1, b.AsSpan(0, 11), 1, 4, 0f, c, 3));
        Assert.Contains("B (4×3", bShort.Message);

        var cShort = Assert.Throws<ArgumentException>(() => Gemm.Multiply(3, 3, 4, 1f, a, 4, 1, b, 3, 1, 0f, c.AsSpan(0, 8), 3));
        Assert.Contains("C (3×3", cShort.Message);

        var negative = Assert.Throws<ArgumentException>(() => Gemm.Multiply(-1, 3, 4, 1f, a, 4, 1, b, 3, 1, 0f, c, 3));
        Assert.Contains("m=-1", negative.Message);

        var negativeStride = Assert.Throws<ArgumentException>(() => Gemm.Multiply(3, 3, 4, 1.0, new double[12], -4, 1, new double[12], 3, 1, 0.0, new double[9], 3));
        Assert.Contains("row -4", negativeStride.Message);

        var overlap = Assert.Throws<ArgumentException>(() => Gemm.Multiply(3, 3, 4, 1f, a, 4, 1, b, 3, 1, 0f, c, 2));
        Assert.Contains("overlap", overlap.Message);

        var batchOverlap = Assert.Throws<ArgumentException>(() => Gemm.MultiplyBatched(2, 3, 3, 4, 1f, a, 0, 4, 1, b, 0, 3, 1, 0f, new float[18], 0, 3));
        Assert.Contains("Gemm.MultiplyBatched", batchOverlap.Message);
        Assert.Contains("overlap", batchOverlap.Message);

        var batchShort = Assert.Throws<ArgumentException>(() => Gemm.MultiplyBatched(2, 3, 3, 4, 1f, a, 12, 4, 1, b, 0, 3, 1, 0f, new float[18], 9, 3));
        Assert.Contains("batch 2, batch stride 12", batchShort.Message);
    }

    private static T[] RandomArray<T>(Random random, int length)
        where T : unmanaged, IFloatingPoint<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
            values[i] = T.CreateChecked((random.NextDouble() * 2) - 1);

        return values;
    }

    private static (double[] Values, double[] Scales) Reference<T>(int m, int n, int k, double alpha,
        ReadOnlySpan<T> a, int aRowStride, int aColStride, ReadOnlySpan<T> b, int bRowStride, int bColStride,
        double beta, ReadOnlySpan<T> c, int cRowStride)
        where T : unmanaged, IFloatingPoint<T>
    {
        var values = new double[m * n];
        var scales = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, scale = 0;
                for (int p = 0; p < k; p++)
                {
                    double product = double.CreateChecked(a[(i * aRowStride) + (p * aColStride)]) * double.CreateChecked(b[(p * bRowStride) + (j * bColStride)]);
                    sum += product;
                    scale += Math.Abs(product);
                }

                double old = beta == 0 ? 0 : beta * double.CreateChecked(c[(i * cRowStride) + j]);
                values[(i * n) + j] = (alpha * sum) + old;
                scales[(i * n) + j] = (Math.Abs(alpha) * scale) + Math.Abs(old) + double.Epsilon;
            }
        }

        return (values, scales);
    }

    private static void AssertClose<T>(double[] expected, double[] scales, ReadOnlySpan<T> actual, double tolerance, string what)
        where T : unmanaged, IFloatingPoint<T>
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(double.CreateChecked(actual[i]) - expected[i]);
            Assert.True(error <= tolerance * scales[i], $"{what}: element {i} is {actual[i]}, expected {expected[i]} (error {error:g3}, scale {scales[i]:g3})");
        }
    }

    private static class Case<T>
        where T : unmanaged, IFloatingPoint<T>
    {
        public static void Run(Random random, int m, int n, int k, bool transA, bool transB, double alpha, double beta, int padding = 0, T? garbage = null)
        {
            // A stored m×k (or k×m when transposed) with `padding` spare elements per stored row; likewise B and C.
            int aStored = (transA ? m : k) + padding;
            int bStored = (transB ? k : n) + padding;
            int cRowStride = n + padding;
            var a = RandomArray<T>(random, ((transA ? k : m) * aStored) + 1);
            var b = RandomArray<T>(random, ((transB ? n : k) * bStored) + 1);
            var c = RandomArray<T>(random, m * cRowStride);
            if (garbage is T g)
                Array.Fill(c, g);

            var (aRow, aCol) = transA ? (1, aStored) : (aStored, 1);
            var (bRow, bCol) = transB ? (1, bStored) : (bStored, 1);
            var (expected, scales) = Reference<T>(m, n, k, alpha, a, aRow, aCol, b, bRow, bCol, beta, c, cRowStride);
            var cSpare = c.Clone();
            if (typeof(T) == typeof(float))
                Gemm.Multiply(m, n, k, (float)alpha, (float[])(object)a, aRow, aCol, (float[])(object)b, bRow, bCol, (float)beta, (float[])(object)c, cRowStride);
            else
                Gemm.Multiply(m, n, k, alpha, (double[])(object)a, aRow, aCol, (double[])(object)b, bRow, bCol, beta, (double[])(object)c, cRowStride);

            double tolerance = typeof(T) == typeof(float) ? 1e-5 * Math.Sqrt(k + 1) : 1e-12;
            var actual = new T[m * n];
            for (int i = 0; i < m; i++)
            {
                c.AsSpan(i * cRowStride, n).CopyTo(actual.AsSpan(i * n));
                Assert.Equal(((T[])cSpare).AsSpan((i * cRowStride) + n, padding).ToArray(), c.AsSpan((i * cRowStride) + n, padding).ToArray());
            }

            AssertClose(expected, scales, actual, tolerance, $"{typeof(T).Name} m={m} n={n} k={k} transA={transA} transB={transB} alpha={alpha} beta={beta}");
        }
    }

    private static class WidthCase<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static unsafe void Run(int bits, Random random, int m, int n, int k, bool transA, bool transB)
        {
            var a = RandomArray<T>(random, m * k);
            var b = RandomArray<T>(random, k * n);
            var c = RandomArray<T>(random, m * n);
            var (aRow, aCol) = transA ? (1, m) : (k, 1);
            var (bRow, bCol) = transB ? (1, k) : (n, 1);
            var (expected, scales) = Reference<T>(m, n, k, 1.5, a, aRow, aCol, b, bRow, bCol, 0.5, c, n);
            fixed (T* pa = a, pb = b, pc = c)
            {
                var problem = new GemmProblem<T>
                {
                    Batch = 1,
                    M = m,
                    N = n,
                    K = k,
                    Alpha = T.CreateChecked(1.5),
                    Beta = T.CreateChecked(0.5),
                    A = pa,
                    ARowStride = aRow,
                    AColStride = aCol,
                    B = pb,
                    BRowStride = bRow,
                    BColStride = bCol,
                    C = pc,
                    CRowStride = n,
                    CColStride = 1,
                    Blocks = new GemmBlocks(384, 96, 2048),
                };
                switch (bits)
                {
                    case 512 when Vector512Ops<T>.IsSupported:
                        GemmDriver<T>.Dispatch<Vector512Ops<T>, Vector512<T>>(problem);
                        break;
                    case 256 when Vector256Ops<T>.IsSupported:
                        GemmDriver<T>.Dispatch<Vector256Ops<T>, Vector256<T>>(problem);
                        break;
                    case 128:
                        GemmDriver<T>.Dispatch<Vector128Ops<T>, Vector128<T>>(problem);
                        break;
                    default:
                        return;
                }
            }

            double tolerance = typeof(T) == typeof(float) ? 1e-5 * Math.Sqrt(k + 1) : 1e-12;
            AssertClose(expected, scales, c, tolerance, $"{bits}-bit {typeof(T).Name} m={m} n={n} k={k} transA={transA} transB={transB}");
        }
    }
}
