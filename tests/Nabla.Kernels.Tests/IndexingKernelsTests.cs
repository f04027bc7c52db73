using System.Numerics;
using static Nabla.Kernels.Tests.KernelReference;

namespace Nabla.Kernels.Tests;

/// <summary><see cref="IndexingKernels"/> against plain loops: selection, accumulation with repeated indices, gather and scatter-add through strides.</summary>
public sealed class IndexingKernelsTests
{
    /// <summary>(outer, size, inner, index count).</summary>
    public static TheoryData<int, int, int, int> Blocks => new()
    {
        { 1, 5, 1, 3 }, { 3, 4, 1, 9 }, { 2, 6, 7, 4 }, { 1, 3, 257, 5 }, { 4, 1, 3, 6 }, { 2, 5, 3, 0 }, { 0, 5, 3, 2 },
    };

    [Theory]
    [MemberData(nameof(Blocks))]
    public void IndexSelectCopiesTheChosenSlices(int outer, int size, int inner, int k)
    {
        var random = new Random(1);
        var index = RandomIndex(random, k, size);
        SelectAs<float>(random, outer, size, inner, index);
        SelectAs<double>(random, outer, size, inner, index);
        SelectAs<long>(random, outer, size, inner, index);
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void IndexAddAccumulatesRepeatedIndices(int outer, int size, int inner, int k)
    {
        var random = new Random(2);
        var index = RandomIndex(random, k, size);
        AddAs<float>(random, outer, size, inner, index);
        AddAs<double>(random, outer, size, inner, index);
        AddAs<long>(random, outer, size, inner, index);
    }

    [Fact]
    public void IndexAddSumsEveryRepeatOfAnIndex()
    {
        // (1, 3, 2) destination, index [2, 0, 2, 2]: row 2 receives three rows, row 1 none.
        double[] dst = [1, 1, 1, 1, 1, 1];
        IndexingKernels.IndexAdd<double>([1, 2, 10, 20, 100, 200, 1000, 2000], 1, 3, 2, [2, 0, 2, 2], dst);
        Exact<double>([11, 21, 1, 1, 1102, 2203], dst, "index add");
    }

    /// <summary>(shape of index and output, shape of x, x's strides, dim).</summary>
    public static TheoryData<int[], int[], int[], int> GatherLayouts => new()
    {
        { [4], [6], [1], 0 },
        { [3, 2], [3, 5], [5, 1], 1 },
        { [2, 5], [4, 5], [5, 1], 0 },
        { [3, 2], [3, 5], [1, 3], 1 },
        { [4, 3], [5, 3], [1, 5], 0 },
        { [2, 3, 2], [2, 4, 3], [1, 6, 2], 2 },
        { [2, 3, 2], [2, 4, 3], [12, 1, 4], 1 },
        { [2, 2, 3], [3, 2, 3], [0, 3, 1], 0 },
        { [0, 3], [2, 3], [3, 1], 0 },
    };

    [Theory]
    [MemberData(nameof(GatherLayouts))]
    public void GatherReadsThroughTheStrides(int[] shape, int[] xShape, int[] xStrides, int dim)
    {
        var random = new Random(3);
        var index = RandomIndex(random, Count(shape), xShape[dim]);
        GatherAs<float>(random, shape, xShape, xStrides, dim, index);
        GatherAs<double>(random, shape, xShape, xStrides, dim, index);
        GatherAs<long>(random, shape, xShape, xStrides, dim, index);
    }

    /// <summary>(shape of index and source, shape of dst, dst's strides (non-overlapping), dim).</summary>
    public static TheoryData<int[], int[], int[], int> ScatterLayouts => new()
    {
        { [6], [4], [1], 0 },
        { [3, 4], [3, 2], [2, 1], 1 },
        { [5, 2], [3, 2], [2, 1], 0 },
        { [3, 4], [3, 2], [1, 3], 1 },
        { [6, 3], [2, 3], [1, 2], 0 },
        { [2, 3, 5], [2, 3, 2], [1, 2, 6], 2 },
        { [2, 5, 2], [2, 3, 2], [12, 4, 2], 1 },
        { [0, 2], [3, 2], [2, 1], 0 },
    };

    [Theory]
    [MemberData(nameof(ScatterLayouts))]
    public void ScatterAddAccumulatesThroughTheStrides(int[] shape, int[] dstShape, int[] dstStrides, int dim)
    {
        var random = new Random(4);
        var index = RandomIndex(random, Count(shape), dstShape[dim]);
        ScatterAs<float>(random, shape, dstShape, dstStrides, dim, index);
        ScatterAs<double>(random, shape, dstShape, dstStrides, dim, index);
        ScatterAs<long>(random, shape, dstShape, dstStrides, dim, index);
    }

    private static long[] RandomIndex(Random random, int count, int size)
    {
        var index = new long[count];
        for (int i = 0; i < count; i++) index[i] = random.Next(size);
        return index;
    }

    private static void SelectAs<T>(Random random, int outer, int size, int inner, long[] index) where T : unmanaged, INumber<T>
    {
        int k = index.Length;
        var src = Random<T>(random, outer * size * inner);
        var dst = new T[outer * k * inner];
        IndexingKernels.IndexSelect<T>(src, outer, size, inner, index, dst);
        var expected = new T[dst.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < inner; j++)
                    expected[(((o * k) + i) * inner) + j] = src[(((o * size) + (int)index[i]) * inner) + j];
            }
        }

        Exact<T>(expected, dst, $"index select<{typeof(T).Name}> ({outer},{size},{inner}) k = {k}");
    }

    private static void AddAs<T>(Random random, int outer, int size, int inner, long[] index) where T : unmanaged, INumber<T>
    {
        int k = index.Length;

        // Integers keep every accumulation exact, whatever the order of the adds.
        var src = Random<T>(random, outer * k * inner, -100, 100).Select(v => T.CreateTruncating(Math.Floor(double.CreateTruncating(v)))).ToArray();
        var dst = Random<T>(random, outer * size * inner, -100, 100).Select(v => T.CreateTruncating(Math.Floor(double.CreateTruncating(v)))).ToArray();
        var expected = (T[])dst.Clone();
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < inner; j++)
                    expected[(((o * size) + (int)index[i]) * inner) + j] += src[(((o * k) + i) * inner) + j];
            }
        }

        IndexingKernels.IndexAdd<T>(src, outer, size, inner, index, dst);
        Exact<T>(expected, dst, $"index add<{typeof(T).Name}> ({outer},{size},{inner}) k = {k}");
    }

    private static void GatherAs<T>(Random random, int[] shape, int[] xShape, int[] xStrides, int dim, long[] index) where T : unmanaged, INumber<T>
    {
        var x = Random<T>(random, Extent(xShape, xStrides));
        var dst = new T[Count(shape)];
        IndexingKernels.Gather<T>(x, xStrides, dim, index, shape, dst);
        int flat = 0;
        var expected = new T[dst.Length];
        foreach (var p in Indices(shape))
        {
            p[dim] = (int)index[flat];
            expected[flat++] = x[Offset(p, xStrides)];
        }
        Exact<T>(expected, dst, $"gather<{typeof(T).Name}> [{string.Join(",", shape)}] from [{string.Join(",", xShape)}]·[{string.Join(",", xStrides)}] dim {dim}");
    }

    private static void ScatterAs<T>(Random random, int[] shape, int[] dstShape, int[] dstStrides, int dim, long[] index) where T : unmanaged, INumber<T>
    {
        var src = Random<T>(random, Count(shape), -100, 100).Select(v => T.CreateTruncating(Math.Floor(double.CreateTruncating(v)))).ToArray();
        var dst = Random<T>(random, Extent(dstShape, dstStrides) + 3, -100, 100).Select(v => T.CreateTruncating(Math.Floor(double.CreateTruncating(v)))).ToArray();
        var expected = (T[])dst.Clone();
        int flat = 0;
        foreach (var p in Indices(shape))
        {
            p[dim] = (int)index[flat];
            expected[Offset(p, dstStrides)] += src[flat++];
        }
        IndexingKernels.ScatterAdd<T>(src, dim, index, shape, dst, dstStrides);
        Exact<T>(expected, dst, $"scatter add<{typeof(T).Name}> [{string.Join(",", shape)}] into [{string.Join(",", dstShape)}]·[{string.Join(",", dstStrides)}] dim {dim}");
    }
}
