using System.Text.Json;

namespace Nabla.Tests.Tensors;

/// <summary>
/// PyTorch's type promotion for arithmetic on tensors of the computed dtypes, against <c>tests/golden/dtypes.json</c>:
/// tensor-tensor pairs (broadcast, some non-contiguous), C# double scalars taken as Python numbers, 0-d tensors, and
/// the reductions' result dtypes.
/// </summary>
public sealed class PromotionTests
{
    private static readonly string[] Arithmetic = ["add", "sub", "mul", "div", "maximum", "minimum"];

    public static TheoryData<int> BinaryCases => Select("binary", c => Arithmetic.Contains(c.GetProperty("op").GetString()));

    public static TheoryData<int> ScalarCases => Select("scalar", c => Arithmetic.Contains(c.GetProperty("op").GetString()));

    public static TheoryData<int> ZeroDimCases => Select("zero_dim", c => Arithmetic.Contains(c.GetProperty("op").GetString()));

    public static TheoryData<int> ReduceCases => Select("reduce", c => c.GetProperty("op").GetString() is "sum" or "sum_dim" or "mean" or "max" or "min");

    private static TheoryData<int> Select(string section, Func<JsonElement, bool> keep)
    {
        var data = new TheoryData<int>();
        int i = 0;
        foreach (var c in DTypeGolden.Section(section))
        {
            if (keep(c)) data.Add(i);
            i++;
        }
        return data;
    }

    private static Tensor Apply(string op, Tensor a, Tensor b) => op switch
    {
        "add" => a + b,
        "sub" => a - b,
        "mul" => a * b,
        "div" => a / b,
        "maximum" => a.Maximum(b),
        "minimum" => a.Minimum(b),
        _ => throw new ArgumentException(op),
    };

    private static void Check(JsonElement c, Func<Tensor> run, string what)
    {
        if (c.GetProperty("error").GetBoolean())
        {
            var e = Assert.Throws<NotSupportedException>(run);
            Assert.Contains("bool", e.Message, StringComparison.Ordinal);
        }
        else
        {
            DTypeGolden.AssertResult(c, run(), what);
        }
    }

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void TensorPairsPromoteLikePyTorch(int index)
    {
        var c = DTypeGolden.Case("binary", index);
        var ta = DTypeGolden.ParseDType(c.GetProperty("a_dtype").GetString());
        var tb = DTypeGolden.ParseDType(c.GetProperty("b_dtype").GetString());
        var a = DTypeGolden.Make(c, "a", ta, 2, 2);
        if (c.GetProperty("a_transposed").GetBoolean()) a = a.T;
        var b = DTypeGolden.Make(c, "b", tb, 2);
        string op = c.GetProperty("op").GetString()!;
        Check(c, () => Apply(op, a, b), $"{op}({ta.Name()}, {tb.Name()})");
    }

    [Theory]
    [MemberData(nameof(ScalarCases))]
    public void ScalarsPromoteLikePythonNumbers(int index)
    {
        var c = DTypeGolden.Case("scalar", index);
        var dtype = DTypeGolden.ParseDType(c.GetProperty("a_dtype").GetString());
        var a = DTypeGolden.Make(c, "a", dtype, -1);
        double s = c.GetProperty("scalar").GetDouble();
        string op = c.GetProperty("op").GetString()!;
        Func<Tensor> run = op switch
        {
            "add" => () => a + s,
            "sub" => () => a - s,
            "mul" => () => a * s,
            _ => () => a / s,
        };
        Check(c, run, $"{op}({dtype.Name()}, {s})");
    }

    [Theory]
    [MemberData(nameof(ZeroDimCases))]
    public void ZeroDimTensorsDecideOnlyAHigherCategory(int index)
    {
        var c = DTypeGolden.Case("zero_dim", index);
        var ta = DTypeGolden.ParseDType(c.GetProperty("a_dtype").GetString());
        var tb = DTypeGolden.ParseDType(c.GetProperty("b_dtype").GetString());
        var a = DTypeGolden.Make(c, "a", ta, -1);
        var b = DTypeGolden.Make(c, "b", tb);
        Assert.Equal(0, b.Rank);
        string op = c.GetProperty("op").GetString()!;
        Check(c, () => Apply(op, a, b), $"{op}({ta.Name()}, 0-d {tb.Name()})");
    }

    [Theory]
    [MemberData(nameof(ReduceCases))]
    public void ReductionsHaveTorchDTypes(int index)
    {
        var c = DTypeGolden.Case("reduce", index);
        var dtype = DTypeGolden.ParseDType(c.GetProperty("a_dtype").GetString());
        var a = DTypeGolden.Make(c, "a", dtype, 2, 2);
        string op = c.GetProperty("op").GetString()!;
        Func<Tensor> run = op switch
        {
            "sum" => () => a.Sum(),
            "sum_dim" => () => a.Sum(1),
            "mean" => () => a.Mean(),
            "max" => () => a.Max(),
            _ => () => a.Min(),
        };
        if (c.GetProperty("error").GetBoolean())
        {
            var e = Assert.Throws<NotSupportedException>(run);
            Assert.Contains("Mean", e.Message, StringComparison.Ordinal);
            Assert.Contains(dtype.Name(), e.Message, StringComparison.Ordinal);
        }
        else
        {
            DTypeGolden.AssertResult(c, run(), $"{op}({dtype.Name()})");
        }
    }
}
