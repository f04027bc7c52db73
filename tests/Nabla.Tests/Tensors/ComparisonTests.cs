namespace Nabla.Tests.Tensors;

/// <summary>The six comparisons give bool tensors for every pair of computed dtypes, against <c>tests/golden/dtypes.json</c>.</summary>
public sealed class ComparisonTests
{
    private static readonly string[] Ops = ["eq", "ne", "lt", "le", "gt", "ge"];

    public static TheoryData<int> BinaryCases => Select("binary");

    public static TheoryData<int> ScalarCases => Select("scalar");

    public static TheoryData<int> ZeroDimCases => Select("zero_dim");

    private static TheoryData<int> Select(string section)
    {
        var data = new TheoryData<int>();
        int i = 0;
        foreach (var c in DTypeGolden.Section(section))
        {
            if (Ops.Contains(c.GetProperty("op").GetString())) data.Add(i);
            i++;
        }
        return data;
    }

    private static Tensor Apply(string op, Tensor a, Tensor b) => op switch
    {
        "eq" => a.Eq(b),
        "ne" => a.Ne(b),
        "lt" => a.Lt(b),
        "le" => a.Le(b),
        "gt" => a.Gt(b),
        _ => a.Ge(b),
    };

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void TensorPairsCompareToBool(int index)
    {
        var c = DTypeGolden.Case("binary", index);
        var ta = DTypeGolden.ParseDType(c.GetProperty("a_dtype").GetString());
        var tb = DTypeGolden.ParseDType(c.GetProperty("b_dtype").GetString());
        var a = DTypeGolden.Make(c, "a", ta, 2, 2);
        if (c.GetProperty("a_transposed").GetBoolean()) a = a.T;
        var b = DTypeGolden.Make(c, "b", tb, 2);
        string op = c.GetProperty("op").GetString()!;
        DTypeGolden.AssertResult(c, Apply(op, a, b), $"{op}({ta.Name()}, {tb.Name()})");
    }

    [Theory]
    [MemberData(nameof(ScalarCases))]
    public void ScalarComparisonsGiveBool(int index)
    {
        var c = DTypeGolden.Case("scalar", index);
        var dtype = DTypeGolden.ParseDType(c.GetProperty("a_dtype").GetString());
        var a = DTypeGolden.Make(c, "a", dtype, -1);
        double s = c.GetProperty("scalar").GetDouble();
        string op = c.GetProperty("op").GetString()!;
        var result = op switch { "eq" => a.Eq(s), "lt" => a.Lt(s), _ => a.Gt(s) };
        DTypeGolden.AssertResult(c, result, $"{op}({dtype.Name()}, {s})");
    }

    [Theory]
    [MemberData(nameof(ZeroDimCases))]
    public void ZeroDimComparisonsGiveBool(int index)
    {
        var c = DTypeGolden.Case("zero_dim", index);
        var ta = DTypeGolden.ParseDType(c.GetProperty("a_dtype").GetString());
        var tb = DTypeGolden.ParseDType(c.GetProperty("b_dtype").GetString());
        var a = DTypeGolden.Make(c, "a", ta, -1);
        var b = DTypeGolden.Make(c, "b", tb);
        DTypeGolden.AssertResult(c, Apply(c.GetProperty("op").GetString()!, a, b), $"lt({ta.Name()}, 0-d {tb.Name()})");
    }

    [Fact]
    public void ComparisonsAreNeverRecordedAndMixIntoFloatMath()
    {
        var x = Tensor.FromArray([-1.0, 2.0, 0.0]).SetRequiresGrad();
        var mask = x.Gt(0.0);
        Assert.Equal(DType.Bool, mask.DType);
        Assert.False(mask.RequiresGrad);
        var masked = mask * x;
        Assert.Equal(DType.Float64, masked.DType);
        masked.Sum().Backward();
        Assert.Equal([0.0, 1.0, 0.0], x.Grad!.ToDoubleArray());
        Assert.Equal([-1.0, 1.0, 0.0], x.Detach().Sign().ToDoubleArray());
        Assert.Equal(DType.Float64, x.Detach().Sign().DType);
    }
}
