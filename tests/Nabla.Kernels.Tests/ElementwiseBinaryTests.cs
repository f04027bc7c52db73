using System.Numerics;
using static Nabla.Kernels.Tests.KernelReference;

namespace Nabla.Kernels.Tests;

/// <summary>
/// <see cref="ElementwiseKernels.Binary"/> against a plain loop over the output's multi-indices, on every layout path:
/// contiguous spans, span∘scalar, scalar∘span, scalar∘scalar, broadcast rows (tiled and row by row), strided rows
/// gathered a chunk at a time, and 3-D/4-D broadcasts with size-1 dims; in float32, float64 and int64.
/// </summary>
public sealed class ElementwiseBinaryTests
{
    /// <summary>Longer than the 512-element chunk in which the kernel gathers a strided row.</summary>
    private const int Long = 2000;

    /// <summary>(output shape, a's strides, b's strides) by name; an operand's data spans exactly what its strides reach.</summary>
    private static readonly Dictionary<string, (int[] Shape, int[] A, int[] B)> Layouts = new()
    {
        ["scalar∘scalar 2-D"] = ([3, 5], [0, 0], [0, 0]),
        ["scalar∘scalar 1-D"] = ([7], [0], [0]),
        ["span∘scalar 3-D"] = ([2, 3, 4], [12, 4, 1], [0, 0, 0]),
        ["scalar∘span 3-D"] = ([2, 3, 4], [0, 0, 0], [12, 4, 1]),
        ["contiguous 3-D"] = ([2, 3, 4], [12, 4, 1], [12, 4, 1]),
        ["bias row on b, 5×7 (tiled)"] = ([5, 7], [7, 1], [0, 1]),
        ["bias row on a, 5×7 (tiled)"] = ([5, 7], [0, 1], [7, 1]),
        ["bias row on b, 1000×3 (tiled, two blocks)"] = ([1000, 3], [3, 1], [0, 1]),
        ["bias row on a, 1000×3 (tiled, two blocks)"] = ([1000, 3], [0, 1], [3, 1]),
        ["bias row on b, 700×16 (tiled, partial block)"] = ([700, 16], [16, 1], [0, 1]),
        ["bias row on b, 5×1023 (tiled, two rows a block)"] = ([5, 1023], [1023, 1], [0, 1]),
        ["bias row on a, 5×1023 (tiled, two rows a block)"] = ([5, 1023], [0, 1], [1023, 1]),
        ["bias row on b, 4×1024 (row path)"] = ([4, 1024], [1024, 1], [0, 1]),
        ["bias row on a, 3×1500 (row path)"] = ([3, 1500], [0, 1], [1500, 1]),
        ["bias row on b, 3×1500 (row path)"] = ([3, 1500], [1500, 1], [0, 1]),
        ["bias row on both, 4×9"] = ([4, 9], [0, 1], [0, 1]),
        ["column on b, 6×300"] = ([6, 300], [300, 1], [1, 0]),
        ["column on a, 6×300"] = ([6, 300], [1, 0], [300, 1]),
        ["outer product, column∘row"] = ([40, 50], [1, 0], [0, 1]),
        ["outer product, row∘column"] = ([40, 50], [0, 1], [1, 0]),
        ["transposed 3×2000 on a"] = ([3, Long], [1, 3], [Long, 1]),
        ["transposed 3×2000 on b"] = ([3, Long], [Long, 1], [1, 3]),
        ["transposed 3×2000 on both"] = ([3, Long], [1, 3], [1, 3]),
        ["transposed 3×2000 on a, bias row on b"] = ([3, Long], [1, 3], [0, 1]),
        ["transposed 3×2000 on b, scalar a"] = ([3, Long], [0, 0], [1, 3]),
        ["transposed 3×2000 on a, column on b"] = ([3, Long], [1, 3], [1, 0]),
        ["transposed 2000×3 on a (short strided rows)"] = ([Long, 3], [1, Long], [3, 1]),
        ["strided 1-D, stride 2 on a, 1100 long"] = ([1100], [2], [1]),
        ["strided 1-D, stride 3 on both, 513 long"] = ([513], [3], [3]),
        ["3-D broadcast [2,1,4]∘[1,3,1]"] = ([2, 3, 4], [4, 0, 1], [0, 1, 0]),
        ["3-D broadcast [1,3,1]∘[2,1,4]"] = ([2, 3, 4], [0, 1, 0], [4, 0, 1]),
        ["3-D permuted (2,0,1) view of 4×5×6 ∘ [1,4,1]"] = ([6, 4, 5], [1, 30, 6], [0, 1, 0]),
        ["3-D permuted ∘ permuted"] = ([6, 4, 5], [1, 30, 6], [5, 1, 24]),
        ["4-D [2,1,3,5] contiguous ∘ [1,1,1,5]"] = ([2, 1, 3, 5], [15, 15, 5, 1], [0, 0, 0, 1]),
        ["4-D [3,1,1,5]∘[1,1,4,1]"] = ([3, 1, 4, 5], [5, 5, 0, 1], [0, 0, 1, 0]),
        ["4-D size-1 dims with odd strides"] = ([2, 1, 3, 1], [3, 99, 1, 7], [0, 42, 1, 0]),
        ["4-D [2,3,4,600]∘[2,1,4,600]"] = ([2, 3, 4, 600], [7200, 2400, 600, 1], [2400, 0, 600, 1]),
        ["4-D transposed inner, [2,2,3,700]"] = ([2, 2, 3, 700], [4200, 2100, 1, 3], [0, 0, 0, 1]),
        ["empty [3,0,4]"] = ([3, 0, 4], [0, 4, 1], [4, 4, 1]),
    };

    /// <summary>Every layout by name.</summary>
    public static TheoryData<string> LayoutNames => [.. Layouts.Keys];

    [Fact]
    public void ContiguousSpansMatchOnEveryLengthUpTo257()
    {
        var random = new Random(1);
        for (int n = 0; n <= 257; n++)
        {
            Check<float>(random, [n], [1], [1]);
            Check<double>(random, [n], [1], [1]);
            Check<long>(random, [n], [1], [1]);
        }
    }

    [Fact]
    public void SpanWithScalarMatchesOnEveryLengthUpTo257()
    {
        var random = new Random(2);
        for (int n = 0; n <= 257; n++)
        {
            Check<float>(random, [n], [1], [0]);
            Check<double>(random, [n], [1], [0]);
            Check<long>(random, [n], [1], [0]);
        }
    }

    [Fact]
    public void ScalarWithSpanMatchesOnEveryLengthUpTo257()
    {
        var random = new Random(3);
        for (int n = 0; n <= 257; n++)
        {
            Check<float>(random, [n], [0], [1]);
            Check<double>(random, [n], [0], [1]);
            Check<long>(random, [n], [0], [1]);
        }
    }

    [Fact]
    public void BroadcastRowsMatchOnEveryRowLengthUpTo257()
    {
        var random = new Random(4);
        for (int inner = 1; inner <= 257; inner++)
        {
            int rows = 2 + (inner % 5);
            Check<float>(random, [rows, inner], [inner, 1], [0, 1]);
            Check<double>(random, [rows, inner], [0, 1], [inner, 1]);
            Check<long>(random, [rows, inner], [inner, 1], [0, 1]);
        }
    }

    [Theory]
    [MemberData(nameof(LayoutNames))]
    public void EveryOperatorMatchesTheReferenceLoop(string layout)
    {
        var (shape, a, b) = Layouts[layout];
        var random = new Random(layout.Length);
        Check<float>(random, shape, a, b);
        Check<double>(random, shape, a, b);
        Check<long>(random, shape, a, b);
    }

    [Fact]
    public void MaximumAndMinimumPropagateNaNOnEveryPath()
    {
        foreach (var (shape, aStrides, bStrides) in Layouts.Values)
        {
            foreach (bool onA in new[] { true, false })
            {
                var random = new Random(5);
                var a = Random<double>(random, Extent(shape, aStrides));
                var b = Random<double>(random, Extent(shape, bStrides));
                var withNaN = onA ? a : b;
                for (int i = 0; i < withNaN.Length; i += 3) withNaN[i] = double.NaN;
                var layout = new Layout(shape, aStrides, bStrides);
                Run<double, MaximumOperator<double>>(layout, a, b, double.Max, "maximum with NaN");
                Run<double, MinimumOperator<double>>(layout, a, b, double.Min, "minimum with NaN");
            }
        }
    }

    [Fact]
    public void ComparisonsFollowIeeeWithNaNAndSignedZeros()
    {
        double[] a = [double.NaN, 1, double.NaN, 0.0, -0.0, double.PositiveInfinity, -1, 2];
        double[] b = [1, double.NaN, double.NaN, -0.0, 0.0, double.PositiveInfinity, -1, 3];
        Span<double> d = stackalloc double[a.Length];
        CompareOperator<double, GreaterThan<double>>.Apply(a, b, d);
        Exact<double>([0, 0, 0, 0, 0, 0, 0, 0], d, "a > b");
        CompareOperator<double, GreaterThanOrEqual<double>>.Apply(a, b, d);
        Exact<double>([0, 0, 0, 1, 1, 1, 1, 0], d, "a ≥ b");
        CompareOperator<double, EqualTo<double>>.Apply(a, b, d);
        Exact<double>([0, 0, 0, 1, 1, 1, 1, 0], d, "a = b");
        CompareOperator<double, NotEqualTo<double>>.Apply(a, b, d);
        Exact<double>([1, 1, 1, 0, 0, 0, 0, 1], d, "a ≠ b");
        CompareOperator<double, LessThan<double>>.Apply(a, b, d);
        Exact<double>([0, 0, 0, 0, 0, 0, 0, 1], d, "a < b");
        CompareOperator<double, LessThanOrEqual<double>>.Apply(a, b, d);
        Exact<double>([0, 0, 0, 1, 1, 1, 1, 1], d, "a ≤ b");
    }

    [Fact]
    public void ReluBackwardPassesTheGradientOnlyWhereTheOutputIsPositive()
    {
        float[] grad = [1, 2, 3, float.NaN, 5, 6];
        float[] output = [1, 0, -0f, 2, float.NaN, -1];
        var d = new float[grad.Length];
        ReluBackwardOperator<float>.Apply(grad, output, d);
        Exact<float>([1, 0, 0, float.NaN, 0, 0], d, "relu backward");
        ReluBackwardOperator<float>.Apply(grad, 0f, d);
        Exact<float>([0, 0, 0, 0, 0, 0], d, "relu backward, scalar output 0");
        ReluBackwardOperator<float>.Apply(grad, 2f, d);
        Exact<float>(grad, d, "relu backward, scalar output 2");
        ReluBackwardOperator<float>.Apply(7f, output, d);
        Exact<float>([7, 0, 0, 7, 0, 0], d, "relu backward, scalar gradient");
    }

    [Fact]
    public void OperatorsMayWriteInPlace()
    {
        var random = new Random(6);
        foreach (int n in new[] { 1, 31, 257, 1000 })
        {
            var a = Random<double>(random, n);
            var b = NonZero<double>(random, n);
            var expected = a.Zip(b, (x, y) => x / y).ToArray();
            DivideOperator<double>.Apply(a, b, a);
            Exact<double>(expected, a, $"in-place a / b, n = {n}");
            var x2 = Random<float>(random, n);
            var e2 = x2.Select(v => v > 0 ? v : 0).ToArray();
            ReluBackwardOperator<float>.Apply(x2, x2, x2);
            Exact<float>(e2, x2, $"in-place relu backward, n = {n}");
        }
    }

    /// <summary>Runs every binary operator that <typeparamref name="T"/> supports on one layout with fresh random operands.</summary>
    private static void Check<T>(Random random, int[] shape, int[] aStrides, int[] bStrides)
        where T : unmanaged, INumber<T>
    {
        var a = Random<T>(random, Extent(shape, aStrides));
        var b = Random<T>(random, Extent(shape, bStrides));
        var divisor = NonZero<T>(random, b.Length);
        var layout = new Layout(shape, aStrides, bStrides);
        string where = $"{typeof(T).Name} [{string.Join(",", shape)}] a·[{string.Join(",", aStrides)}] b·[{string.Join(",", bStrides)}]";

        // Every operator below is exact per element, so vector, scalar and gathered paths must agree bit for bit.
        Run<T, AddOperator<T>>(layout, a, b, (x, y) => x + y, $"{where} add");
        Run<T, SubtractOperator<T>>(layout, a, b, (x, y) => x - y, $"{where} subtract");
        Run<T, MultiplyOperator<T>>(layout, a, b, (x, y) => x * y, $"{where} multiply");
        Run<T, DivideOperator<T>>(layout, a, divisor, (x, y) => x / y, $"{where} divide");
        Run<T, MaximumOperator<T>>(layout, a, b, T.Max, $"{where} maximum");
        Run<T, MinimumOperator<T>>(layout, a, b, T.Min, $"{where} minimum");
        Run<T, CompareOperator<T, GreaterThan<T>>>(layout, a, b, (x, y) => x > y ? T.One : T.Zero, $"{where} a > b");
        Run<T, CompareOperator<T, LessThanOrEqual<T>>>(layout, a, b, (x, y) => x <= y ? T.One : T.Zero, $"{where} a ≤ b");
        Run<T, ReluBackwardOperator<T>>(layout, a, b, (x, y) => y > T.Zero ? x : T.Zero, $"{where} relu backward");
        if (typeof(T) == typeof(float))
            RunPow<float>(random, layout, where);
        else if (typeof(T) == typeof(double))
            RunPow<double>(random, layout, where);
    }

    private static void RunPow<T>(Random random, Layout layout, string where)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Random<T>(random, Extent(layout.Shape, layout.AStrides), 0.1, 4);
        var b = Random<T>(random, Extent(layout.Shape, layout.BStrides), -3, 3);
        var d = new T[layout.A.Length];
        ElementwiseKernels.Binary<T, PowOperator<T>>(a, layout.AStrides, b, layout.BStrides, layout.Shape, d);
        var expected = new double[d.Length];
        for (int i = 0; i < d.Length; i++)
            expected[i] = Math.Pow(double.CreateTruncating(a[layout.A[i]]), double.CreateTruncating(b[layout.B[i]]));
        Close<T>(expected, d, Ulps<T>(4), 0, $"{where} pow");
    }

    private static void Run<T, TOperator>(Layout layout, T[] a, T[] b, Func<T, T, T> f, string what)
        where T : unmanaged where TOperator : IBinaryOperator<T>
    {
        var d = new T[layout.A.Length];
        ElementwiseKernels.Binary<T, TOperator>(a, layout.AStrides, b, layout.BStrides, layout.Shape, d);
        var expected = new T[d.Length];
        for (int i = 0; i < d.Length; i++) expected[i] = f(a[layout.A[i]], b[layout.B[i]]);
        Exact<T>(expected, d, what);
    }

    /// <summary>An output shape, both operands' strides, and the offset of every output element in each operand.</summary>
    private sealed class Layout(int[] shape, int[] aStrides, int[] bStrides)
    {
        public int[] Shape { get; } = shape;

        public int[] AStrides { get; } = aStrides;

        public int[] BStrides { get; } = bStrides;

        public int[] A { get; } = Offsets(shape, aStrides);

        public int[] B { get; } = Offsets(shape, bStrides);
    }
}
