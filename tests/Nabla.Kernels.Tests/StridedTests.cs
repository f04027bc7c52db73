using static Nabla.Kernels.Tests.KernelReference;

namespace Nabla.Kernels.Tests;

/// <summary><see cref="Strided"/>: layout facts, dim collapsing, and gather/scatter against a loop over multi-indices.</summary>
public sealed class StridedTests
{
    [Fact]
    public void ContiguousStridesAreRowMajorWithEmptyDimsCountedAsOne()
    {
        Assert.Equal([12, 4, 1], Strided.ContiguousStrides([2, 3, 4]));
        Assert.Equal([4, 4, 1], Strided.ContiguousStrides([2, 0, 4]));
        Assert.Equal([1], Strided.ContiguousStrides([7]));
        Assert.Empty(Strided.ContiguousStrides([]));
        Assert.Equal([5, 5, 5, 1], Strided.ContiguousStrides([3, 1, 1, 5]));
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4 }, new[] { 12, 4, 1 }, true)]
    [InlineData(new[] { 2, 3, 4 }, new[] { 1, 2, 6 }, false)]
    [InlineData(new[] { 2, 3, 4 }, new[] { 12, 4, 2 }, false)]
    [InlineData(new[] { 2, 1, 4 }, new[] { 4, 999, 1 }, true)]
    [InlineData(new[] { 1, 1 }, new[] { 0, 0 }, true)]
    [InlineData(new[] { 3, 4 }, new[] { 0, 1 }, false)]
    [InlineData(new[] { 3, 0, 4 }, new[] { 7, 3, 1 }, true)]
    [InlineData(new int[0], new int[0], true)]
    [InlineData(new[] { 5 }, new[] { 2 }, false)]
    [InlineData(new[] { 5 }, new[] { 0 }, false)]
    public void IsContiguousIgnoresSizeOneDimsAndEmptyShapes(int[] shape, int[] strides, bool expected) =>
        Assert.Equal(expected, Strided.IsContiguous(shape, strides));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 5)]
    [InlineData(3, 65537)]
    [InlineData(1001, 384)]
    public void FillRowsWritesTheRowIntoEveryRowOnOneThreadAndOnTwo(int rows, int width)
    {
        var row = Enumerable.Range(0, width).Select(j => (float)(j * 0.5 - 3)).ToArray();
        var expected = Enumerable.Range(0, rows * width).Select(i => row[i % width]).ToArray();
        int saved = Parallelism.NumThreads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Parallelism.NumThreads = threads;
                var destination = new float[rows * width];
                Strided.FillRows<float>(row, destination);
                Assert.Equal(expected, destination);
            }
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }

    [Fact]
    public void CollapseMergesDimsContiguousInEveryOperandAndDropsSizeOneDims()
    {
        // Contiguous in both: one row.
        var (shape, strides) = Strided.Collapse([2, 3, 4], [12, 4, 1], [12, 4, 1]);
        Assert.Equal([24], shape);
        Assert.Equal([1], strides[0]);
        Assert.Equal([1], strides[1]);

        // A bias row (stride 0 over rows) keeps the row dim apart; the inner two dims merge.
        (shape, strides) = Strided.Collapse([5, 3, 4], [0, 4, 1], [12, 4, 1]);
        Assert.Equal([5, 12], shape);
        Assert.Equal([0, 1], strides[0]);
        Assert.Equal([12, 1], strides[1]);

        // Broadcast dims merge with each other (0 = 0·n).
        (shape, strides) = Strided.Collapse([3, 5, 2], [0, 0, 1], [10, 2, 1]);
        Assert.Equal([15, 2], shape);
        Assert.Equal([0, 1], strides[0]);
        Assert.Equal([2, 1], strides[1]);

        // Size-1 dims vanish whatever their strides.
        (shape, strides) = Strided.Collapse([1, 4, 1, 3], [77, 3, 5, 1], [0, 1, 9, 4]);
        Assert.Equal([4, 3], shape);
        Assert.Equal([3, 1], strides[0]);
        Assert.Equal([1, 4], strides[1]);

        // A transposed operand cannot merge.
        (shape, strides) = Strided.Collapse([3, 2000], [1, 3], [2000, 1]);
        Assert.Equal([3, 2000], shape);
        Assert.Equal([1, 3], strides[0]);

        // All dims of size 1, or no dims: one element, stride 1.
        (shape, strides) = Strided.Collapse([1, 1], [0, 0], [1, 1]);
        Assert.Equal([1], shape);
        Assert.Equal([1], strides[0]);
        Assert.Equal([1], strides[1]);
        (shape, strides) = Strided.Collapse([], [], []);
        Assert.Equal([1], shape);
        Assert.Equal(2, strides.Length);
    }

    [Fact]
    public void CollapseKeepsEveryOffsetOfTheOriginalLayout()
    {
        var random = new Random(1);
        foreach (var (shape, a, b) in RandomLayouts(random, 200))
        {
            var (cs, st) = Strided.Collapse(shape, a, b);
            Assert.Equal(Count(shape), Count(cs));
            var original = Indices(shape).Select(i => (Offset(i, a), Offset(i, b))).ToArray();
            var collapsed = Indices(cs).Select(i => (Offset(i, st[0]), Offset(i, st[1]))).ToArray();
            Assert.Equal(original, collapsed);
        }
    }

    [Fact]
    public void RowsIsTheProductOfAllButTheLastDim()
    {
        Assert.Equal(1, Strided.Rows([7]));
        Assert.Equal(6, Strided.Rows([2, 3, 4]));
        Assert.Equal(0, Strided.Rows([0, 5]));
    }

    [Fact]
    public void GatherAndScatterFollowTheStridesOnRandomLayouts()
    {
        var random = new Random(2);
        foreach (var (shape, strides, _) in RandomLayouts(random, 300))
        {
            var src = Random<double>(random, Extent(shape, strides));
            var dst = new double[Count(shape)];
            Strided.Gather<double>(src, shape, strides, dst);
            Exact<double>([.. Indices(shape).Select(i => src[Offset(i, strides)])], dst, $"gather [{string.Join(",", shape)}]·[{string.Join(",", strides)}]");
        }
    }

    [Theory]
    [InlineData(new[] { 600, 300 }, new[] { 1, 600 })]
    [InlineData(new[] { 3, 200, 300 }, new[] { 60000, 1, 200 })]
    [InlineData(new[] { 2, 3, 25000 }, new[] { 75000, 25000, 1 })]
    [InlineData(new[] { 70000, 3 }, new[] { 3, 0 })]
    [InlineData(new[] { 5, 40000 }, new[] { 0, 1 })]
    public void LargeCopiesSplitBetweenThreadsAndGiveTheSameElements(int[] shape, int[] strides)
    {
        // Past the size at which the rows split between threads: transposed, permuted, contiguous and broadcast views,
        // with row counts that do not divide evenly.
        var random = new Random(4);
        var src = Random<float>(random, Extent(shape, strides));
        float[] expected = [.. Indices(shape).Select(i => src[Offset(i, strides)])];
        int saved = Parallelism.NumThreads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Parallelism.NumThreads = threads;
                var dst = new float[Count(shape)];
                Strided.Gather<float>(src, shape, strides, dst);
                Exact<float>(expected, dst, $"gather on {threads} thread(s)");
            }
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }

    [Fact]
    public void SeekReachesTheRowThatNextReaches()
    {
        var (shape, strides) = Strided.Collapse([3, 4, 5, 6], RowMajor(3, 4, 5, 6).Select(s => s * 2).ToArray(), [1, 3, 12, 60]);
        Span<int> index = stackalloc int[shape.Length], offsets = stackalloc int[2];
        Span<int> sought = stackalloc int[shape.Length], soughtOffsets = stackalloc int[2];
        for (int row = 0; row < Strided.Rows(shape); row++)
        {
            Strided.Seek(row, shape, strides, sought, soughtOffsets);
            Assert.Equal(index.ToArray(), sought.ToArray());
            Assert.Equal(offsets.ToArray(), soughtOffsets.ToArray());
            Strided.Next(index, shape, strides, offsets);
        }
    }

    /// <summary>Views whose elements do not overlap (no zero strides), which is what scatter requires.</summary>
    public static TheoryData<int[], int[]> ScatterLayouts => new()
    {
        { [0], [1] },
        { [7], [1] },
        { [1100], [2] },
        { [3, 2000], [1, 3] },
        { [2000, 3], [1, 2000] },
        { [4, 5], [10, 1] },
        { [6, 4, 5], [1, 30, 6] },
        { [2, 1, 3, 257], [1542, 3, 514, 2] },
        { [2, 0, 3], [3, 3, 1] },
    };

    [Theory]
    [MemberData(nameof(ScatterLayouts))]
    public void ScatterWritesExactlyTheViewsElements(int[] shape, int[] strides)
    {
        var random = new Random(3);
        var src = Random<long>(random, Count(shape), -1000, 1000);
        var dst = Enumerable.Repeat(long.MinValue, Extent(shape, strides) + 5).ToArray();
        var expected = (long[])dst.Clone();
        int k = 0;
        foreach (var i in Indices(shape)) expected[Offset(i, strides)] = src[k++];
        Strided.Scatter<long>(src, dst, shape, strides);
        Exact<long>(expected, dst, $"scatter [{string.Join(",", shape)}]·[{string.Join(",", strides)}]");

        var back = new long[src.Length];
        Strided.Gather<long>(dst, shape, strides, back);
        Exact<long>(src, back, "gather after scatter");
    }

    [Fact]
    public void GatherFillsBroadcastRowsAndHandlesFloatTypes()
    {
        float[] src = [1, 2, 3];
        var dst = new float[12];
        Strided.Gather<float>(src, [4, 3], [0, 1], dst);
        Exact<float>([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3], dst, "gather of a repeated row");
        Strided.Gather<float>(src, [3, 4], [1, 0], dst);
        Exact<float>([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], dst, "gather of a repeated column");
        Strided.Gather<float>(src.AsSpan(1), [2, 2], [0, 0], dst.AsSpan(0, 4));
        Exact<float>([2, 2, 2, 2], dst.AsSpan(0, 4), "gather of a scalar");
    }

    /// <summary>Random shapes of rank 0–4 with two operands each: contiguous, permuted, stepped, broadcast or size-1 dims.</summary>
    private static IEnumerable<(int[] Shape, int[] A, int[] B)> RandomLayouts(Random random, int count)
    {
        for (int c = 0; c < count; c++)
        {
            int rank = random.Next(5);
            var shape = new int[rank];
            for (int d = 0; d < rank; d++) shape[d] = random.Next(4) == 0 ? 1 : random.Next(2, 7);
            if (rank > 0 && random.Next(25) == 0) shape[random.Next(rank)] = 0;
            yield return (shape, RandomStrides(random, shape), RandomStrides(random, shape));
        }
    }

    private static int[] RandomStrides(Random random, int[] shape)
    {
        int rank = shape.Length;
        var perm = Enumerable.Range(0, rank).ToArray();
        if (random.Next(2) == 0) random.Shuffle(perm);
        int step = random.Next(3) == 0 ? 2 : 1;
        var strides = new int[rank];
        int s = step;
        for (int k = rank - 1; k >= 0; k--)
        {
            int d = perm[k];
            strides[d] = s;
            s *= Math.Max(shape[d], 1);
        }
        for (int d = 0; d < rank; d++)
            if (random.Next(5) == 0) strides[d] = 0;
        return strides;
    }
}
