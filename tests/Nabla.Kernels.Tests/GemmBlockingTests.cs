using System.Numerics;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels.Tests;

/// <summary>
/// Every register tile and cache-block choice the configuration can make, forced through the problem's own blocks
/// (never through the environment), on shapes whose m, n and k leave tails in every tile and block.
/// </summary>
[Collection(nameof(Parallelism))]
public sealed class GemmBlockingTests
{
    public static TheoryData<int, int, int, int> TilesAndBlocks()
    {
        var data = new TheoryData<int, int, int, int>();
        foreach (int bits in new[] { 512, 256, 128 })
        {
            // Blocks far below a tile (rounded up to it), a few tiles, odd sizes, the sizes of two real machines.
            foreach (var (kc, mc, nc) in new[] { (1, 1, 1), (5, 3, 7), (16, 13, 40), (37, 24, 96), (64, 50, 100), (384, 96, 2048), (384, 680, 5440) })
                data.Add(bits, kc, mc, nc);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TilesAndBlocks))]
    public void EveryTileAndBlockingMatchesReference(int bits, int kc, int mc, int nc)
    {
        var blocks = new GemmBlocks(kc, mc, nc);
        var random = new Random((bits * 7) + kc + mc + nc);
        // Row tails of 1 to 6 below every tile height (one, two, four and full-height edge kernels), column tails on
        // either side of one vector, n thin enough for C to be computed as its transpose, k in place and packed.
        foreach (var (m, n, k) in new[] { (1, 1, 1), (9, 5, 3), (17, 33, 41), (70, 45, 100), (3, 130, 77), (133, 67, 2), (26, 59, 50), (40, 1, 30) })
        {
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    Check<float>(bits, blocks, random, m, n, k, transA, transB, padding: (m + n) % 3, threads: 1);
                    Check<double>(bits, blocks, random, m, n, k, transA, transB, padding: (n + k) % 4, threads: 1);
                }
            }
        }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    public void SmallBlocksSplitOverThreadsMatchReference(int bits)
    {
        var random = new Random(bits);
        foreach (var blocks in new[] { new GemmBlocks(19, 10, 50), new GemmBlocks(384, 96, 2048) })
        {
            Check<float>(bits, blocks, random, 203, 301, 157, transA: false, transB: true, padding: 1, threads: 2);
            Check<double>(bits, blocks, random, 151, 97, 205, transA: true, transB: false, padding: 2, threads: 2);
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(70, 45, 100)]
    [InlineData(133, 301, 157)]
    public void TileMcAndNcLeaveEveryBitAsItWas(int m, int n, int k)
    {
        // Only Kc decides how each element's sum is split; tile shapes and the other blocks only reorder the work.
        var random = new Random(m * n);
        var a = RandomArray<float>(random, m * k);
        var b = RandomArray<float>(random, k * n);
        float[]? first = null;
        foreach (int bits in new[] { 512, 256, 128 })
        {
            foreach (var (mc, nc) in new[] { (1, 1), (13, 40), (96, 2048), (680, 5440) })
            {
                var c = new float[m * n];
                if (!Multiply(bits, new GemmBlocks(37, mc, nc), m, n, k, 1f, a, k, 1, b, n, 1, 0f, c, n))
                    continue;

                first ??= c;
                Assert.Equal(first, c);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TilesAndBlocks))]
    public void BPackedBeforehandGivesEveryBitOfTheProduct(int bits, int kc, int mc, int nc)
    {
        // The shapes of EveryTileAndBlockingMatchesReference and one split between threads, B packed once (into panels, or row-major where C is computed
        // as its transpose) and used twice, on one thread and on two, against the product that packs B itself.
        var blocks = new GemmBlocks(kc, mc, nc);
        var random = new Random((bits * 11) + kc + mc + nc);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (9, 5, 3), (17, 33, 41), (70, 45, 100), (3, 130, 77), (133, 67, 2), (26, 59, 50), (40, 1, 30), (203, 301, 157) })
        {
            foreach (bool transB in new[] { false, true })
            {
                CheckPacked<float>(bits, blocks, random, m, n, k, transB);
                CheckPacked<double>(bits, blocks, random, m, n, k, transB);
            }
        }
    }

    [Theory]
    [InlineData(4, 6, 0)]
    [InlineData(0, 5, 3)]
    [InlineData(7, 300, 20)]
    public void BPackedWithTheConfigurationGivesTheProductOfTheConfiguration(int m, int n, int k)
    {
        // Through the public entry points: k = 0 scales C, m = 0 writes nothing, and a product of this machine's tile.
        var random = new Random(m + n + k);
        var a = RandomArray<float>(random, Math.Max(1, m * k));
        var b = RandomArray<float>(random, Math.Max(1, k * n));
        var expected = RandomArray<float>(random, Math.Max(1, m * n));
        var c = (float[])expected.Clone();
        Gemm.Multiply(m, n, k, 2f, a, k, 1, b, n, 1, 0.5f, expected, n);
        using var packed = Gemm.PackB<float>(m, n, k, b, n, 1);
        Gemm.Multiply(m, n, k, 2f, a, k, 1, packed, 0.5f, c, n);
        Assert.Equal(expected, c);
    }

    [Fact]
    public void BPackedForOtherSizesOrDisposedIsRefused()
    {
        var b = new float[12];
        var c = new float[8];
        using (var packed = Gemm.PackB<float>(2, 4, 3, b, 4, 1))
        {
            var error = Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, 4, 2, 1f, new float[4], 2, 1, packed, 0f, c, 4));
            Assert.Contains("packed for 2×4×3 products (m×n×k), got 2×4×2", error.Message, StringComparison.Ordinal);
            packed.Dispose();
            Assert.Throws<ObjectDisposedException>(() => Gemm.Multiply(2, 4, 3, 1f, new float[6], 3, 1, packed, 0f, c, 4));
        }
        Assert.Contains("B (3×4, row stride 4, column stride 1) needs 12 elements but its span has 11",
            Assert.Throws<ArgumentException>(() => Gemm.PackB<float>(2, 4, 3, new float[11], 4, 1)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationBlocksAreMultiplesOfTheTile()
    {
        var configuration = GemmConfiguration.Current;
        int mr = configuration.TileRows;
        Assert.Equal(0, configuration.Float.Mc % mr);
        Assert.Equal(0, configuration.Double.Mc % mr);
        Assert.Equal(0, configuration.Float.Nc % configuration.TileColumns(sizeof(float)));
        Assert.Equal(0, configuration.Double.Nc % configuration.TileColumns(sizeof(double)));
        Assert.InRange(configuration.Float.Kc, 1, GemmConfiguration.MaxDepthOrRows);
    }

    private static void Check<T>(int bits, GemmBlocks blocks, Random random, int m, int n, int k, bool transA, bool transB, int padding, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int aStored = (transA ? m : k) + padding;
        int bStored = (transB ? k : n) + padding;
        int cRowStride = n + padding;
        var a = RandomArray<T>(random, (transA ? k : m) * aStored);
        var b = RandomArray<T>(random, (transB ? n : k) * bStored);
        var c = RandomArray<T>(random, m * cRowStride);
        var (aRow, aCol) = transA ? (1, aStored) : (aStored, 1);
        var (bRow, bCol) = transB ? (1, bStored) : (bStored, 1);
        var before = (T[])c.Clone();
        T alpha = T.CreateChecked(1.25), beta = T.CreateChecked(-0.5);
        int saved = Parallelism.NumThreads;
        try
        {
            Parallelism.NumThreads = threads;
            if (!Multiply(bits, blocks, m, n, k, alpha, a, aRow, aCol, b, bRow, bCol, beta, c, cRowStride))
                return;
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }

        double tolerance = typeof(T) == typeof(float) ? 1e-5 * Math.Sqrt(k + 1) : 1e-12;
        string what = $"{bits}-bit {typeof(T).Name} blocks {blocks} m={m} n={n} k={k} transA={transA} transB={transB} padding={padding}";
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, scale = 0;
                for (int p = 0; p < k; p++)
                {
                    double product = double.CreateChecked(a[(i * aRow) + (p * aCol)]) * double.CreateChecked(b[(p * bRow) + (j * bCol)]);
                    sum += product;
                    scale += Math.Abs(product);
                }

                double old = double.CreateChecked(before[(i * cRowStride) + j]);
                double expected = (1.25 * sum) - (0.5 * old);
                double error = Math.Abs(double.CreateChecked(c[(i * cRowStride) + j]) - expected);
                Assert.True(error <= tolerance * ((1.25 * scale) + (0.5 * Math.Abs(old)) + double.Epsilon), $"{what}: C({i},{j}) is {c[(i * cRowStride) + j]}, expected {expected}");
            }

            for (int j = n; j < cRowStride; j++)
                Assert.True(c[(i * cRowStride) + j] == before[(i * cRowStride) + j], $"{what}: padding of row {i} was written");
        }
    }

    private static void CheckPacked<T>(int bits, GemmBlocks blocks, Random random, int m, int n, int k, bool transB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int bStored = (transB ? k : n) + 1;
        var a = RandomArray<T>(random, Math.Max(1, m * k));
        var b = RandomArray<T>(random, Math.Max(1, (transB ? n : k) * bStored));
        var start = RandomArray<T>(random, Math.Max(1, m * n));
        var (bRow, bCol) = transB ? (1, bStored) : (bStored, 1);
        T alpha = T.CreateChecked(1.25), beta = T.CreateChecked(-0.5);
        var expected = (T[])start.Clone();
        if (!Multiply(bits, blocks, m, n, k, alpha, a, k, 1, b, bRow, bCol, beta, expected, n))
            return;

        using var packed = GemmDriver<T>.PackB(bits, blocks, m, n, k, b, bRow, bCol);
        int saved = Parallelism.NumThreads;
        try
        {
            foreach (int threads in new[] { 1, 2, 1 })
            {
                Parallelism.NumThreads = threads;
                var c = (T[])start.Clone();
                GemmDriver<T>.Run(m, n, k, alpha, a, k, 1, packed, beta, c, n);
                Assert.True(expected.AsSpan().SequenceEqual(c), $"{bits}-bit {typeof(T).Name} blocks {blocks} m={m} n={n} k={k} transB={transB} threads={threads}");
            }
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }

    /// <summary>Runs the product with the given tile and blocks; false when this processor lacks the vector width.</summary>
    private static unsafe bool Multiply<T>(int bits, GemmBlocks blocks, int m, int n, int k, T alpha, T[] a, int aRow, int aCol, T[] b, int bRow, int bCol, T beta, T[] c, int cRowStride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* pa = a, pb = b, pc = c)
        {
            var problem = new GemmProblem<T>
            {
                Batch = 1,
                M = m,
                N = n,
                K = k,
                Alpha = alpha,
                Beta = beta,
                A = pa,
                ARowStride = aRow,
                AColStride = aCol,
                B = pb,
                BRowStride = bRow,
                BColStride = bCol,
                C = pc,
                CRowStride = cRowStride,
                CColStride = 1,
                Blocks = blocks,
            };
            switch (bits)
            {
                case 512 when Vector512Ops<T>.IsSupported:
                    GemmDriver<T>.Dispatch<Vector512Ops<T>, Vector512<T>>(problem);
                    return true;
                case 256 when Vector256Ops<T>.IsSupported:
                    GemmDriver<T>.Dispatch<Vector256Ops<T>, Vector256<T>>(problem);
                    return true;
                case 128:
                    GemmDriver<T>.Dispatch<Vector128Ops<T>, Vector128<T>>(problem);
                    return true;
                default:
                    return false;
            }
        }
    }

    private static T[] RandomArray<T>(Random random, int length)
        where T : unmanaged, IFloatingPoint<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
            values[i] = T.CreateChecked((random.NextDouble() * 2) - 1);

        return values;
    }
}
