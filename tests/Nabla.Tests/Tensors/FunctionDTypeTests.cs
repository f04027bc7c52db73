using System.Text.Json;
using Nabla.NN;

namespace Nabla.Tests.Tensors;

/// <summary>
/// The result dtype and values of every elementwise function on every computed dtype, against the "functions" cases of
/// <c>tests/golden/dtypes.json</c>: rounding keeps integers and refuses bool, the floating functions take bool and
/// integers as float32, the float-only ones refuse them, as PyTorch 1.13 does. Half of the inputs are transposed views.
/// </summary>
public sealed class FunctionDTypeTests
{
    [Fact]
    public void IntegerPowersOfIntegerTensorsStayIntegralAsInPyTorch()
    {
        // torch.pow(tensor([2, 3, -2, 1, -1, 0]), tensor([3, 2, 3, -2, -3, 0])) = [8, 9, -8, 1, -1, 1]
        var a = Tensor.FromArray(new long[] { 2, 3, -2, 1, -1, 0 });
        var b = Tensor.FromArray(new long[] { 3, 2, 3, -2, -3, 0 });
        var p = a.Pow(b);
        Assert.Equal(DType.Int64, p.DType);
        Assert.Equal(new long[] { 8, 9, -8, 1, -1, 1 }, p.ToArray<long>());
        Assert.Equal(new long[] { 0, 0, 0, 1, -1, 1 }, a.Pow(Tensor.FromArray(new long[] { -1, -2, -1, -5, -1, 0 })).ToArray<long>());
        // uint8 wraps: torch.pow(uint8 [2, 3, 254, 1, 255, 0], [3, 2, 3, 2, 3, 0]) = [8, 9, 248, 1, 255, 1]
        var u = Tensor.FromArray(new long[] { 2, 3, 254, 1, 255, 0 }).To(DType.UInt8).Pow(Tensor.FromArray(new long[] { 3, 2, 3, 2, 3, 0 }).To(DType.UInt8));
        Assert.Equal(DType.UInt8, u.DType);
        Assert.Equal(new byte[] { 8, 9, 248, 1, 255, 1 }, u.ToArray<byte>());
        Assert.Equal(DType.Int32, a.To(DType.Int32).Pow(b.To(DType.Int32)).DType);
        // torch.pow(tensor([True, False]), tensor([2, 3])) = [1, 0] (int64)
        var fromBool = Tensor.FromArray(new[] { true, false }).Pow(Tensor.FromArray(new long[] { 2, 3 }));
        Assert.Equal(DType.Int64, fromBool.DType);
        Assert.Equal(new long[] { 1, 0 }, fromBool.ToArray<long>());
        // An integer base with a float exponent tensor gives float32, as torch.pow(int64, float32) does.
        var mixed = a.Pow(Tensor.FromArray(new[] { 0.5f, 2f, 2f, 2f, 2f, 2f }));
        Assert.Equal(DType.Float32, mixed.DType);
        Assert.Equal(new[] { MathF.Sqrt(2), 9f, 4f, 1f, 1f, 0f }, mixed.ToArray<float>());
    }

    /// <summary>Each fixture op as Nabla spells it, with the name its error message must carry.</summary>
    private static readonly Dictionary<string, (string Name, Func<Tensor, Tensor> Apply)> Functions = new()
    {
        ["floor"] = ("Floor", t => t.Floor()),
        ["ceil"] = ("Ceil", t => t.Ceil()),
        ["round"] = ("Round", t => t.Round()),
        ["trunc"] = ("Trunc", t => t.Trunc()),
        ["round_decimals"] = ("Round", t => t.Round(1)),
        ["frac"] = ("Frac", t => t.Frac()),
        ["sign"] = ("Sign", t => t.Sign()),
        ["square"] = ("Square", t => t.Square()),
        ["sin"] = ("Sin", t => t.Sin()),
        ["cos"] = ("Cos", t => t.Cos()),
        ["tan"] = ("Tan", t => t.Tan()),
        ["exp"] = ("Exp", t => t.Exp()),
        ["log"] = ("Log", t => t.Log()),
        ["sqrt"] = ("Sqrt", t => t.Sqrt()),
        ["sigmoid"] = ("Sigmoid", t => t.Sigmoid()),
        ["tanh"] = ("Tanh", t => t.Tanh()),
        ["asin"] = ("Asin", t => t.Asin()),
        ["acos"] = ("Acos", t => t.Acos()),
        ["atan"] = ("Atan", t => t.Atan()),
        ["sinh"] = ("Sinh", t => t.Sinh()),
        ["cosh"] = ("Cosh", t => t.Cosh()),
        ["asinh"] = ("Asinh", t => t.Asinh()),
        ["acosh"] = ("Acosh", t => t.Acosh()),
        ["atanh"] = ("Atanh", t => t.Atanh()),
        ["log2"] = ("Log2", t => t.Log2()),
        ["log10"] = ("Log10", t => t.Log10()),
        ["exp2"] = ("Exp2", t => t.Exp2()),
        ["expm1"] = ("Expm1", t => t.Expm1()),
        ["log1p"] = ("Log1p", t => t.Log1p()),
        ["rsqrt"] = ("Rsqrt", t => t.Rsqrt()),
        ["reciprocal"] = ("Reciprocal", t => t.Reciprocal()),
        ["erf"] = ("Erf", t => t.Erf()),
        ["div_self"] = ("Div", t => t / t),
        ["div_two"] = ("Div", t => t / 2),
        ["two_div"] = ("Div", t => 2 / t),
        ["atan2_self"] = ("Atan2", t => t.Atan2(t)),
        ["xlogy_self"] = ("Xlogy", t => t.Xlogy(t)),
        ["pow_0"] = ("Pow", t => t.Pow(0)),
        ["pow_2"] = ("Pow", t => t.Pow(2)),
        ["pow_3"] = ("Pow", t => t.Pow(3)),
        ["pow_half"] = ("Pow", t => t.Pow(0.5)),
        ["pow_minus_1"] = ("Pow", t => t.Pow(-1)),
        ["logsumexp"] = ("LogSumExp", t => t.LogSumExp([0, 1])),
        ["logsumexp_dim"] = ("LogSumExp", t => t.LogSumExp(1)),
        ["mean"] = ("Mean", t => t.Mean()),
        ["var"] = ("Var", t => t.Var()),
        ["softmax"] = ("Softmax", t => t.Softmax(1)),
        ["log_softmax"] = ("LogSoftmax", t => t.LogSoftmax(1)),
        ["softplus"] = ("Softplus", t => Functional.Softplus(t)),
        ["gelu"] = ("Gelu", t => Functional.Gelu(t)),
        ["silu"] = ("Silu", t => Functional.Silu(t)),
        ["elu"] = ("Elu", t => Functional.Elu(t)),
        ["leaky_relu"] = ("LeakyRelu", t => Functional.LeakyRelu(t)),
        ["hypot_self"] = ("Hypot", t => t.Hypot(t)),
    };

    public static TheoryData<int> Cases => DTypeGolden.Indices("functions");

    [Theory]
    [MemberData(nameof(Cases))]
    public void FunctionsHaveTorchResultDTypesAndValues(int index)
    {
        var c = DTypeGolden.Case("functions", index);
        var dtype = DTypeGolden.ParseDType(c.GetProperty("a_dtype").GetString());
        var a = DTypeGolden.Make(c, "a", dtype, 2, 2);
        if (c.GetProperty("a_transposed").GetBoolean()) a = a.T;
        string op = c.GetProperty("op").GetString()!;
        Assert.True(Functions.TryGetValue(op, out var function), $"dtypes.json: function '{op}' has no Nabla counterpart in this test.");
        string what = $"{op}({dtype.Name()})";
        if (c.GetProperty("error").GetBoolean())
        {
            var e = Assert.Throws<NotSupportedException>(() => function.Apply(a));
            Assert.True(e.Message.StartsWith(function.Name + ":", StringComparison.Ordinal), $"{what}: the error names another op: {e.Message}");
            Assert.Contains(dtype.Name(), e.Message, StringComparison.Ordinal);
        }
        else
        {
            DTypeGolden.AssertResult(c, function.Apply(a), what);
        }
    }

    [Fact]
    public void EveryFixtureFunctionCoversEveryComputedDType()
    {
        var byOp = DTypeGolden.Section("functions").GroupBy(c => c.GetProperty("op").GetString()!).ToArray();
        Assert.Equal(Functions.Keys.Order(), byOp.Select(g => g.Key).Order());
        string[] computed = ["bool", "uint8", "int32", "int64", "float32", "float64"];
        foreach (var g in byOp) Assert.Equal(computed, g.Select(c => c.GetProperty("a_dtype").GetString()!).ToArray());
    }

    [Theory]
    [InlineData(DType.Bool, UnaryDTypeRule.IntToFloat, DType.Float32)]
    [InlineData(DType.UInt8, UnaryDTypeRule.IntToFloat, DType.Float32)]
    [InlineData(DType.Int32, UnaryDTypeRule.IntToFloat, DType.Float32)]
    [InlineData(DType.Int64, UnaryDTypeRule.IntToFloat, DType.Float32)]
    [InlineData(DType.Float64, UnaryDTypeRule.IntToFloat, DType.Float64)]
    [InlineData(DType.Float16, UnaryDTypeRule.IntToFloat, DType.Float16)]
    [InlineData(DType.Bool, UnaryDTypeRule.Rounding, null)]
    [InlineData(DType.UInt8, UnaryDTypeRule.Rounding, DType.UInt8)]
    [InlineData(DType.Int32, UnaryDTypeRule.Rounding, DType.Int32)]
    [InlineData(DType.Int64, UnaryDTypeRule.Rounding, DType.Int64)]
    [InlineData(DType.Float32, UnaryDTypeRule.Rounding, DType.Float32)]
    [InlineData(DType.Int64, UnaryDTypeRule.FloatOnly, null)]
    [InlineData(DType.Bool, UnaryDTypeRule.FloatOnly, null)]
    [InlineData(DType.Float32, UnaryDTypeRule.FloatOnly, DType.Float32)]
    public void TheRuleMapsAnInputDTypeToAResultDType(DType input, UnaryDTypeRule rule, DType? expected) =>
        Assert.Equal(expected, input.UnaryResultType(rule));

    [Fact]
    public void AnIntegerInputGivesAFloatResultThatGradientsFlowFromThroughTheOtherOperand()
    {
        var w = Tensor.FromArray([0.5f, -1.0f, 2.0f]).SetRequiresGrad();
        var counts = Tensor.FromArray([1L, 2L, 3L]);
        var loss = (counts.Sqrt() * w).Sum();
        Assert.Equal(DType.Float32, loss.DType);
        var g = Autograd.Grad([loss], [w])[0]!;
        Assert.Equal([1f, MathF.Sqrt(2), MathF.Sqrt(3)], g.ToArray<float>());
    }

    [Fact]
    public void IntegerRoundingReturnsACopyNotAView()
    {
        var a = Tensor.FromArray([3L, -4L]);
        var floor = a.Floor();
        Assert.Equal(DType.Int64, floor.DType);
        floor[0] = Tensor.Scalar(9, DType.Int64);
        Assert.Equal([3L, -4L], a.ToArray<long>());
    }

    [Fact]
    public void StorageDTypesAreRefusedByTheFloatingFunctionsNamingTheOp()
    {
        var h = Tensor.FromArray([(Half)1.5f, (Half)2]);
        Assert.StartsWith("Sin: not defined for float16", Assert.Throws<NotSupportedException>(() => h.Sin()).Message, StringComparison.Ordinal);
        Assert.StartsWith("Floor: not defined for float16", Assert.Throws<NotSupportedException>(() => h.Floor()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IntegerPowersWrapAroundAsRepeatedProducts()
    {
        var u = Tensor.FromArray(new byte[] { 3, 7, 255 });
        var cube = u.Pow(3);
        Assert.Equal(DType.UInt8, cube.DType);
        Assert.Equal(new byte[] { 27, 87, 255 }, cube.ToArray<byte>());
        var big = Tensor.FromArray([3L]).Pow(41);
        Assert.Equal(unchecked((long)Math.Pow(3, 20) * (long)Math.Pow(3, 21)), big.ToArray<long>()[0]);
    }

    private static JsonElement First(string op, string dtype) =>
        DTypeGolden.Section("functions").First(c => c.GetProperty("op").GetString() == op && c.GetProperty("a_dtype").GetString() == dtype);

    [Fact]
    public void TheBoolRoundingErrorSaysWhatToConvertTo()
    {
        Assert.True(First("floor", "bool").GetProperty("error").GetBoolean());
        var e = Assert.Throws<NotSupportedException>(() => Tensor.FromArray([true, false]).Floor());
        Assert.Equal("Floor: not defined for bool tensors (shape [2]), as in PyTorch; convert with .To(DType.Int64) or .To(DType.Float32) first.", e.Message);
    }
}
