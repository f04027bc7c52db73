using System.Text.Json;
using Nabla.Tests.Golden;

namespace Nabla.Tests.Tensors;

/// <summary>
/// The cases of <c>tests/golden/dtypes.json</c> (written by <c>make_dtype_golden.py</c>): casts, promotion,
/// comparisons, logical ops, where, reductions and printing, as PyTorch 1.13 computes them.
/// </summary>
internal static class DTypeGolden
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(GoldenFixture.Directory, "dtypes.json"))));

    /// <summary>The cases of one section ("cast", "binary", …).</summary>
    public static IEnumerable<JsonElement> Section(string name) => Document.Value.RootElement.GetProperty(name).EnumerateArray();

    /// <summary>Indices of a section's cases, for a theory.</summary>
    public static TheoryData<int> Indices(string section)
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Section(section).Count(); i++) data.Add(i);
        return data;
    }

    /// <summary>Case <paramref name="index"/> of <paramref name="section"/>.</summary>
    public static JsonElement Case(string section, int index) => Section(section).ElementAt(index);

    /// <summary>A dtype by its PyTorch name.</summary>
    public static DType ParseDType(string? name) => name switch
    {
        "bool" => DType.Bool,
        "uint8" => DType.UInt8,
        "int32" => DType.Int32,
        "int64" => DType.Int64,
        "float16" => DType.Float16,
        "bfloat16" => DType.BFloat16,
        "float32" => DType.Float32,
        "float64" => DType.Float64,
        _ => throw new InvalidDataException($"dtypes.json: unknown dtype '{name}'."),
    };

    /// <summary>A value as a double: numbers, true/false as 1/0, "nan", "inf", "-inf".</summary>
    public static double Value(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        JsonValueKind.String => v.GetString() switch
        {
            "nan" => double.NaN,
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            var s => throw new InvalidDataException($"dtypes.json: unknown value '{s}'."),
        },
        _ => v.GetDouble(),
    };

    /// <summary>A property's array of values as doubles.</summary>
    public static double[] Values(JsonElement c, string property) => c.GetProperty(property).EnumerateArray().Select(Value).ToArray();

    /// <summary>A tensor of <paramref name="dtype"/> holding the case's values (exact: every value is representable in both).</summary>
    public static Tensor Make(JsonElement c, string property, DType dtype, params int[] shape) =>
        Tensor.FromArray(Values(c, property)).To(dtype).Reshape(shape);

    /// <summary>Asserts that <paramref name="actual"/> has the expected dtype, shape and values (NaN matches NaN).</summary>
    public static void AssertResult(JsonElement c, Tensor actual, string what)
    {
        Assert.True(ParseDType(c.GetProperty("dtype").GetString()) == actual.DType, $"{what}: dtype {actual.DType.Name()}, expected {c.GetProperty("dtype").GetString()}");
        Assert.Equal(c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(), actual.Shape);
        var expected = Values(c, "values");
        var got = actual.ToDoubleArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            bool same = double.IsNaN(expected[i]) ? double.IsNaN(got[i]) : expected[i] == got[i]
                || (actual.DType.IsFloatingPoint() && Math.Abs(expected[i] - got[i]) <= 1e-6 * Math.Abs(expected[i]));
            Assert.True(same, $"{what}: element {i} is {got[i]}, expected {expected[i]}");
        }
    }
}
