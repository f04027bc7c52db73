namespace Nabla.Tests.Tensors;

/// <summary>Comparison operators, logical functions, NaN/∞ tests, Any/All and Bool masks, with values as PyTorch gives them.</summary>
public sealed class LogicalTests
{
    private static bool[] Flags(Tensor t)
    {
        Assert.Equal(DType.Bool, t.DType);
        return t.ToArray<bool>();
    }

    [Fact]
    public void ComparisonOperatorsGiveBoolTensorsAndBroadcast()
    {
        var x = Tensor.FromArray([1.0, -2, 3, 0.5], 2, 2);
        var row = Tensor.FromArray([1.0, 0.5]);
        Assert.Equal([false, false, true, false], Flags(x > 1));
        Assert.Equal([true, false, true, false], Flags(x >= 1));
        Assert.Equal([false, true, false, true], Flags(x < 1));
        Assert.Equal([true, true, false, true], Flags(x <= 1));
        Assert.Equal([true, false, true, false], Flags(1 <= x));
        Assert.Equal([false, false, true, false], Flags(x > row));
        Assert.Equal([true, true, false, true], Flags(x.T >= row));
        Assert.Equal([2, 2], (x > row).Shape);
    }

    [Fact]
    public void LogicalFunctionsReadAnyDtypeAsTruthValues()
    {
        var a = Tensor.FromArray([0.0, 2, double.NaN, 0], 4);
        var b = Tensor.FromArray(new long[] { 1, 0, 3, 0 }, 4);
        Assert.Equal([false, false, true, false], Flags(a.LogicalAnd(b)));
        Assert.Equal([true, true, true, false], Flags(a.LogicalOr(b)));
        Assert.Equal([true, true, false, false], Flags(a.LogicalXor(b)));
        Assert.Equal([true, false, false, true], Flags(a.LogicalNot()));
        var m = Tensor.FromArray([true, false], 2, 1);
        Assert.Equal([true, false, false, false], Flags(m.LogicalAnd(Tensor.FromArray([true, false]))));
    }

    [Fact]
    public void BoolOperatorsAreLogicalAndRefuseOtherDtypes()
    {
        var p = Tensor.FromArray([true, true, false, false]);
        var q = Tensor.FromArray([true, false, true, false]);
        Assert.Equal([true, false, false, false], Flags(p & q));
        Assert.Equal([true, true, true, false], Flags(p | q));
        Assert.Equal([false, true, true, false], Flags(p ^ q));
        Assert.Equal([false, false, true, true], Flags(~p));
        Assert.Equal([false, false, true, true], Flags(!p));
        var x = Tensor.FromArray([1.0, 2, 3, 4]);
        Assert.Equal([false, true, true, false], Flags((x > 1) & (x < 4)));
        var error = Assert.Throws<NotSupportedException>(() => x & q);
        Assert.Contains("BitwiseAnd: defined for integer and bool tensors", error.Message);
        Assert.Contains("float64", error.Message);
    }

    [Fact]
    public void BitwiseOpsOnIntegersMatchPyTorch()
    {
        var u = Tensor.FromArray(new byte[] { 200, 3 });
        Assert.Equal(new byte[] { 144, 6 }, (u << 1).ToArray<byte>());
        Assert.Equal(new byte[] { 100, 1 }, (u >> 1).ToArray<byte>());
        Assert.Equal(new byte[] { 55, 252 }, (~u).ToArray<byte>());
        Assert.Equal(DType.Int32, (u & Tensor.FromArray([7, 7], DType.Int32)).DType);
        Assert.Equal(DType.UInt8, u.BitwiseAnd(3).DType);
        Assert.Equal(new byte[] { 0, 3 }, u.BitwiseAnd(3).ToArray<byte>());
        var mixed = Tensor.FromArray([true, false]) & Tensor.FromArray(new long[] { 3, 3 });
        Assert.Equal(DType.Int64, mixed.DType);
        Assert.Equal([1L, 0], mixed.ToArray<long>());

        var a = Tensor.FromArray(new long[] { 5, -7, 3 });
        var counts = Tensor.FromArray(new long[] { 1, 70, -1 });
        Assert.Equal([10L, -448, long.MinValue], (a << counts).ToArray<long>());
        Assert.Equal([2L, -1, 0], (a >> counts).ToArray<long>());
        var a32 = Tensor.FromArray([5, -7, 3], DType.Int32);
        var counts32 = Tensor.FromArray([1, 70, -1], DType.Int32);
        Assert.Equal([10, -448, int.MinValue], (a32 << counts32).ToArray<int>());
        Assert.Equal([2, -1, 0], (a32 >> counts32).ToArray<int>());
        Assert.Equal([6L, 5, 2], (a ^ Tensor.FromArray(new long[] { 3, -4, 1 })).ToArray<long>());
        Assert.Equal([7L, -3, 3], (a | Tensor.FromArray(new long[] { 3, 4, 1 })).ToArray<long>());
        Assert.Contains("BitwiseLeftShift: defined for integer and bool tensors, got [2] float32",
            Assert.Throws<NotSupportedException>(() => Tensor.FromArray([1f, 2f]) << 1).Message);
    }

    [Fact]
    public void NonFiniteTestsMatchPyTorch()
    {
        var x = Tensor.FromArray([1f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f]);
        Assert.Equal([false, true, false, false, false], Flags(x.IsNan()));
        Assert.Equal([false, false, true, true, false], Flags(x.IsInf()));
        Assert.Equal([false, false, true, false, false], Flags(x.IsPosInf()));
        Assert.Equal([false, false, false, true, false], Flags(x.IsNegInf()));
        Assert.Equal([true, false, false, false, true], Flags(x.IsFinite()));
        var ints = Tensor.FromArray(new long[] { 1, 2 });
        Assert.Equal([false, false], Flags(ints.IsNan()));
        Assert.Equal([true, true], Flags(ints.IsFinite()));
        Assert.Equal([false, false, true, false], Flags(x.Narrow(0, 0, 4).Reshape(2, 2).T.IsNan()));
    }

    [Fact]
    public void AnyAndAllReduceOverEverythingOrOneDim()
    {
        var x = Tensor.FromArray([0.0, 1, 0, 0, 2, 3], 2, 3);
        Assert.True(x.Any().Item<bool>());
        Assert.False(x.All().Item<bool>());
        Assert.Equal([false, true, true], Flags(x.Any(0)));
        Assert.Equal([false, true, false], Flags(x.All(0)));
        Assert.Equal([false, false], Flags(x.All(1)));
        Assert.Equal([true], Flags(x.Narrow(0, 1, 1).Narrow(1, 1, 2).All(1)));
        Assert.Equal([2, 1], x.Any(1, keepDim: true).Shape);
        Assert.True(Tensor.FromArray([double.NaN]).All().Item<bool>());
        var empty = Tensor.Zeros([0], DType.Float32);
        Assert.False(empty.Any().Item<bool>());
        Assert.True(empty.All().Item<bool>());
        Assert.Equal(DType.Bool, x.T.Any(1).DType);
    }

    [Fact]
    public void ABoolMaskAssignsIntoATensorThatRequiresGradAndTheGradientFollows()
    {
        var w = Tensor.FromArray([-1.0, 2, -3, 4], 2, 2).SetRequiresGrad();
        var y = w * 3;
        y[y < 0] = 0;
        Assert.Equal([0.0, 6, 0, 12], y.ToArray<double>());
        y.Sum().Backward();
        Assert.Equal([0.0, 3, 0, 3], w.Grad!.ToArray<double>());
        Assert.Equal([2.0, 4], w.Detach()[w.Detach() > 0].ToArray<double>());
    }

    [Fact]
    public void ABoolConditionSelectsAndPassesGradientChecks()
    {
        var g = new Generator(3);
        var a = Tensor.Randn([3, 4], DType.Float64, g, requiresGrad: true);
        var b = Tensor.Randn([4], DType.Float64, g, requiresGrad: true);
        Func<Tensor[], Tensor> f = t => Tensor.Where(t[0].Detach() > 0, t[0].Square(), t[1]).MaskedFill(t[1].Detach() < -0.5, 1.5);
        GradCheck.Check(f, [a, b]).ThrowIfFailed();
        GradCheck.CheckSecondOrder(f, [a, b]).ThrowIfFailed();
    }
}
