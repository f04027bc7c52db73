namespace Nabla.Tests.Tensors;

/// <summary>The dtypes themselves: properties, storage, casts between every pair, creation, printing and layout ops.</summary>
public sealed class DTypeTests
{
    private static readonly DType[] All = Enum.GetValues<DType>();

    public static TheoryData<int> CastCases => DTypeGolden.Indices("cast");

    public static TheoryData<int> PromoteCases => DTypeGolden.Indices("promote");

    public static TheoryData<int> FormatCases => DTypeGolden.Indices("format");

    [Fact]
    public void PropertiesMatchPyTorch()
    {
        Assert.Equal(["float32", "float64", "int64", "bool", "uint8", "int32", "float16", "bfloat16"], All.Select(d => d.Name()));
        Assert.Equal([4, 8, 8, 1, 1, 4, 2, 2], All.Select(d => d.ElementSize()));
        Assert.Equal([true, true, false, false, false, false, true, true], All.Select(d => d.IsFloatingPoint()));
        Assert.Equal(DType.Bool, DTypeExtensions.Of<bool>());
        Assert.Equal(DType.UInt8, DTypeExtensions.Of<byte>());
        Assert.Equal(DType.Int32, DTypeExtensions.Of<int>());
        Assert.Equal(DType.Float16, DTypeExtensions.Of<Half>());
        Assert.Equal(DType.BFloat16, DTypeExtensions.Of<BFloat16>());
        Assert.Throws<NotSupportedException>(() => DTypeExtensions.Of<short>());
    }

    [Theory]
    [MemberData(nameof(PromoteCases))]
    public void PromotionFollowsTorchPromoteTypes(int index)
    {
        var c = DTypeGolden.Case("promote", index);
        var a = DTypeGolden.ParseDType(c.GetProperty("a").GetString());
        var b = DTypeGolden.ParseDType(c.GetProperty("b").GetString());
        Assert.Equal(DTypeGolden.ParseDType(c.GetProperty("dtype").GetString()), DTypeExtensions.Promote(a, b));
    }

    [Theory]
    [MemberData(nameof(CastCases))]
    public void CastsGiveTorchValues(int index)
    {
        var c = DTypeGolden.Case("cast", index);
        var from = DTypeGolden.ParseDType(c.GetProperty("from").GetString());
        var to = DTypeGolden.ParseDType(c.GetProperty("to").GetString());
        var expected = DTypeGolden.Values(c, "output");
        var x = DTypeGolden.Make(c, "input", from, -1);
        Assert.Equal(from, x.DType);
        Assert.Equal(DTypeGolden.Values(c, "input"), x.ToDoubleArray());
        var y = x.To(to);
        Assert.Equal(to, y.DType);
        Assert.Equal(expected, y.ToDoubleArray());

        // The same values as a strided column of a transposed stack.
        var strided = Tensor.Stack([x, x], 1).T.Narrow(0, 1, 1);
        Assert.False(strided.IsContiguous);
        Assert.Equal(expected, strided.To(to).ToDoubleArray());
    }

    [Theory]
    [MemberData(nameof(FormatCases))]
    public void ToStringPrintsLikePyTorch(int index)
    {
        var c = DTypeGolden.Case("format", index);
        var dtype = DTypeGolden.ParseDType(c.GetProperty("dtype").GetString());
        var shape = c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var t = DTypeGolden.Make(c, "values", dtype, shape);
        Assert.Equal(c.GetProperty("str").GetString(), t.ToString());
    }

    [Fact]
    public void CreationFunctionsTakeEveryDType()
    {
        foreach (var dtype in All)
        {
            Assert.Equal(dtype, Tensor.Zeros([2, 3], dtype).DType);
            Assert.All(Tensor.Zeros([2, 3], dtype).ToDoubleArray(), v => Assert.Equal(0, v));
            Assert.All(Tensor.Ones([3], dtype).ToDoubleArray(), v => Assert.Equal(1, v));
            Assert.All(Tensor.Full([2, 2], 3, dtype).ToDoubleArray(), v => Assert.Equal(dtype == DType.Bool ? 1 : 3, v));
            Assert.Equal(dtype, Tensor.Scalar(1, dtype).DType);
            Assert.Equal(dtype, Tensor.ZerosLike(Tensor.Ones([2], dtype)).DType);
        }

        Assert.Equal([0, 1, 2, 3], Tensor.Arange(4, DType.Int32).ToArray<int>());
        Assert.Equal(new byte[] { 1, 3, 5 }, Tensor.Arange(1, 7, 2, DType.UInt8).ToArray<byte>());
        Assert.Equal([false, true, true], Tensor.Arange(3, DType.Bool).ToArray<bool>());
        Assert.Equal([(Half)0.0, (Half)0.5, (Half)1.0], Tensor.Arange(0, 1.5, 0.5, DType.Float16).ToArray<Half>());
        Assert.Equal(255, Tensor.Full([1], -1, DType.UInt8).Item());
        Assert.Equal(2, Tensor.Full([1], 2.75, DType.Int32).Item());
        Assert.Equal(1, Tensor.Full([1], 0.25, DType.Bool).Item());
    }

    [Fact]
    public void FromArrayKeepsTheElementType()
    {
        var b = Tensor.FromArray([true, false, true, true], 2, 2);
        Assert.Equal(DType.Bool, b.DType);
        Assert.Equal([true, false, true, true], b.ToArray<bool>());
        Assert.True(b.Narrow(0, 1, 1).Narrow(1, 0, 1).Item<bool>());
        Assert.Equal(0, b.ItemAt(0, 1));

        var u = Tensor.FromArray(new byte[] { 0, 128, 255 });
        Assert.Equal(DType.UInt8, u.DType);
        Assert.Equal(new byte[] { 0, 128, 255 }, u.ToArray<byte>());

        var h = Tensor.FromArray([(Half)1.5, (Half)(-2)]);
        Assert.Equal(DType.Float16, h.DType);
        Assert.Equal([1.5, -2.0], h.ToDoubleArray());

        var bf = Tensor.FromArray([(BFloat16)3.0f, (BFloat16)0.5f]);
        Assert.Equal(DType.BFloat16, bf.DType);
        Assert.Equal([3.0, 0.5], bf.ToDoubleArray());

        var i = Tensor.FromArray([1, -2, 3], DType.Int32, 3, 1);
        Assert.Equal(DType.Int32, i.DType);
        Assert.Equal([3, 1], i.Shape);
        Assert.Equal(-2, i.Narrow(0, 1, 1).Item<int>());
        Assert.Equal(DType.Int64, Tensor.FromArray([1, 2]).DType);
        Assert.Equal(DType.Bool, Tensor.FromArray(new bool[,] { { true }, { false } }).DType);
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray([1, 2], DType.Float32));
        Assert.Contains("float32", e.Message, StringComparison.Ordinal);
        var wrong = Assert.Throws<InvalidOperationException>(() => b.ToArray<float>());
        Assert.Contains("bool", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        Assert.Equal(0x3F80, ((BFloat16)1.0f).Bits);
        Assert.Equal(1.0f, (float)(BFloat16)1.00390625f);
        Assert.Equal(1.015625f, (float)(BFloat16)1.01171875f);
        Assert.Equal(1.0078125f, (float)(BFloat16)BitConverter.UInt32BitsToSingle(0x3F808001));
        Assert.True(float.IsNaN((BFloat16)float.NaN));
        Assert.True(float.IsPositiveInfinity((BFloat16)float.PositiveInfinity));
        Assert.True(float.IsPositiveInfinity((BFloat16)3.4e38f));
        Assert.Equal(-0.0f, (float)(BFloat16)(-0.0f));
        Assert.Equal("2.5", ((BFloat16)2.5f).ToString());
        Assert.Equal((BFloat16)2.5f, BFloat16.FromBits(((BFloat16)2.5f).Bits));
    }

    [Theory]
    [InlineData(DType.Bool)]
    [InlineData(DType.UInt8)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Float16)]
    [InlineData(DType.BFloat16)]
    public void LayoutOpsWorkForEveryDType(DType dtype)
    {
        // 0..5 as the dtype (bool: 0 is false, the rest true).
        var x = Tensor.Arange(6, DType.Int64).To(dtype).Reshape(2, 3);
        double B(double v) => dtype == DType.Bool ? (v != 0 ? 1 : 0) : v;
        double[] Expect(params double[] v) => v.Select(B).ToArray();

        Assert.Equal(Expect(0, 3, 1, 4, 2, 5), x.T.ToDoubleArray());
        Assert.Equal(Expect(0, 3, 1, 4, 2, 5), x.T.Contiguous().ToDoubleArray());
        Assert.Equal(dtype, x.T.Contiguous().DType);
        Assert.Equal(Expect(0, 3, 1, 4, 2, 5), x.Permute(1, 0).Reshape(6).ToDoubleArray());
        Assert.Equal(Expect(1, 2, 4, 5), x.Narrow(1, 1, 2).ToDoubleArray());
        Assert.Equal(Expect(0, 1, 2, 0, 1, 2), x.Narrow(0, 0, 1).Expand(2, 3).ToDoubleArray());
        Assert.Equal(Expect(0, 1, 2, 3, 4, 5, 3, 4, 5), Tensor.Cat([x, x.Narrow(0, 1, 1)], 0).ToDoubleArray());
        var stacked = Tensor.Stack([x.T, x.T], 1);
        Assert.Equal([3, 2, 2], stacked.Shape);
        Assert.Equal(dtype, stacked.DType);
        Assert.Equal(Expect(0, 3, 0, 3, 1, 4, 1, 4, 2, 5, 2, 5), stacked.ToDoubleArray());
        Assert.Equal(Expect(2, 0, 5, 3), x.IndexSelect(1, Tensor.FromArray([2L, 0L])).ToDoubleArray());
        Assert.Equal(Expect(3, 4, 5), x.T.IndexSelect(1, Tensor.FromArray([1L])).ToDoubleArray());
        Assert.Equal(Expect(1, 0, 5, 5), x.Gather(1, Tensor.FromArray([1L, 0L, 2L, 2L], 2, 2)).ToDoubleArray());
        var cond = Tensor.FromArray([true, false, true]);
        var other = Tensor.Zeros([2, 3], dtype);
        Assert.Equal(Expect(0, 0, 2, 3, 0, 5), Tensor.Where(cond, x, other).ToDoubleArray());
        Assert.Equal(Expect(0, 0, 2, 3, 0, 5), Tensor.Where(cond, x.T.Contiguous().T, other).ToDoubleArray());
        Assert.Equal(Expect(0, 1, 2, 3, 4, 5), x.Detach().ToDoubleArray());
        Assert.Equal(Expect(0, 0, 1, 2, 0, 3, 4, 5), x.Pad(1, 1, 0).ToDoubleArray());
    }

    [Theory]
    [InlineData(DType.Bool)]
    [InlineData(DType.UInt8)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Float16)]
    [InlineData(DType.BFloat16)]
    public void OnlyComputableFloatsRequireGrad(DType dtype)
    {
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Zeros([2], dtype).RequiresGrad = true);
        Assert.Contains(dtype.Name(), e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros([2], dtype, requiresGrad: true));
    }

    [Theory]
    [InlineData(DType.Float16)]
    [InlineData(DType.BFloat16)]
    public void StorageDTypesRefuseComputationNamingTheConversion(DType dtype)
    {
        var x = Tensor.Ones([2], dtype);
        foreach (var op in new Func<Tensor>[] { () => x.Exp(), () => x + x, () => x * 2, () => x.Sum(), () => x.Neg(), () => x.MatMul(x) })
        {
            var e = Assert.Throws<NotSupportedException>(op);
            Assert.Contains(dtype.Name(), e.Message, StringComparison.Ordinal);
            Assert.Contains(".To(DType.Float32)", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal([2.0, 2.0], (x.To(DType.Float32) * 2).ToDoubleArray());
    }
}
