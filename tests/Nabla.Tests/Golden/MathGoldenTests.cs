using System.Globalization;
using System.Text.Json;

namespace Nabla.Tests.Golden;

/// <summary>
/// The everyday elementwise functions against PyTorch 1.13 (<c>make_math_golden.py</c>): forward values and input
/// gradients in float64 and float32, first inputs transposed where a case says so, and forward-only cases of special
/// values (NaN, ±∞, ±0, halfway points, negative operands).
/// </summary>
public sealed class MathGoldenTests
{
    private static readonly string[] Files = ["math_float64.json", "math_float32.json"];

    private static Tensor First(GoldenCase c, Tensor[] t) => c.HasArg("t") && c.Arg<bool>("t") ? t[0].T : t[0];

    private static readonly Dictionary<string, Func<GoldenCase, Tensor[], Tensor>> Ops = new()
    {
        ["floor"] = (c, t) => First(c, t).Floor(),
        ["ceil"] = (c, t) => First(c, t).Ceil(),
        ["round"] = (c, t) => First(c, t).Round(c.HasArg("decimals") ? c.Arg<int>("decimals") : 0),
        ["trunc"] = (c, t) => First(c, t).Trunc(),
        ["frac"] = (c, t) => First(c, t).Frac(),
        ["sign"] = (c, t) => First(c, t).Sign(),
        ["tan"] = (c, t) => First(c, t).Tan(),
        ["asin"] = (c, t) => First(c, t).Asin(),
        ["acos"] = (c, t) => First(c, t).Acos(),
        ["atan"] = (c, t) => First(c, t).Atan(),
        ["sinh"] = (c, t) => First(c, t).Sinh(),
        ["cosh"] = (c, t) => First(c, t).Cosh(),
        ["asinh"] = (c, t) => First(c, t).Asinh(),
        ["acosh"] = (c, t) => First(c, t).Acosh(),
        ["atanh"] = (c, t) => First(c, t).Atanh(),
        ["log2"] = (c, t) => First(c, t).Log2(),
        ["log10"] = (c, t) => First(c, t).Log10(),
        ["exp2"] = (c, t) => First(c, t).Exp2(),
        ["expm1"] = (c, t) => First(c, t).Expm1(),
        ["atan2"] = (c, t) => First(c, t).Atan2(t[1]),
        ["hypot"] = (c, t) => First(c, t).Hypot(t[1]),
        ["fmod"] = (c, t) => First(c, t).Fmod(t[1]),
        ["remainder"] = (c, t) => First(c, t).Remainder(t[1]),
        ["fmod_scalar"] = (c, t) => First(c, t).Fmod(c.Arg<double>("other")),
        ["remainder_scalar"] = (c, t) => First(c, t).Remainder(c.Arg<double>("other")),
        ["lerp"] = (c, t) => First(c, t).Lerp(t[1], t[2]),
        ["lerp_scalar"] = (c, t) => First(c, t).Lerp(t[1], c.Arg<double>("weight")),
        ["xlogy"] = (c, t) => First(c, t).Xlogy(t[1]),
    };

    public static TheoryData<string, string> Cases => GoldenFixture.TheoryCases(Files, _ => true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string file, string name)
    {
        var c = GoldenFixture.Case(file, name);
        Assert.True(Ops.TryGetValue(c.Op, out var op), $"{name}: no Nabla mapping for fixture op '{c.Op}'.");
        c.AssertMatches(inputs => op(c, inputs));
    }

    [Fact]
    public void EveryFixtureOpIsMapped()
    {
        var fixtureOps = Files.SelectMany(GoldenFixture.Cases).Select(c => c.Op).ToHashSet();
        var unmapped = fixtureOps.Where(op => !Ops.ContainsKey(op)).Order().ToArray();
        var stale = Ops.Keys.Where(op => !fixtureOps.Contains(op)).Order().ToArray();
        Assert.True(unmapped.Length == 0 && stale.Length == 0, $"unmapped fixture ops: {string.Join(", ", unmapped)}; mapped ops no case uses: {string.Join(", ", stale)}.");
    }

    public static TheoryData<string, string> SpecialCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Files)
        {
            foreach (var c in Special(file).EnumerateArray())
                data.Add(file, c.GetProperty("name").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SpecialCases))]
    public void SpecialValuesMatchPyTorch(string file, string name)
    {
        var c = Special(file).EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var dtype = file.Contains("float32", StringComparison.Ordinal) ? DType.Float32 : DType.Float64;
        var inputs = c.GetProperty("inputs").EnumerateArray().Select(e => ToTensor(e, dtype)).ToArray();
        var args = c.GetProperty("args");
        var golden = new GoldenCase(file, dtype, JsonDocument.Parse($"{{\"name\": \"{name}\", \"op\": \"{c.GetProperty("op").GetString()}\", \"args\": {args.GetRawText()}}}").RootElement);
        var actual = Ops[c.GetProperty("op").GetString()!](golden, inputs);
        var expected = ToTensor(c.GetProperty("output"), dtype);
        Assert.Equal(expected.DType, actual.DType);
        Assert.Equal(expected.Shape, actual.Shape);
        var (e, a) = (expected.ToDoubleArray(), actual.ToDoubleArray());
        // Float32 results within two ulps: PyTorch's own float32 atan is an ulp from the correctly rounded value Nabla gives.
        double tolerance = expected.DType == DType.Float32 ? 2.4e-7 : 1e-15;
        for (int i = 0; i < e.Length; i++)
        {
            bool same = double.IsNaN(e[i]) ? double.IsNaN(a[i]) :
                double.IsInfinity(e[i]) ? e[i] == a[i] :
                Math.Abs(a[i] - e[i]) <= tolerance * Math.Max(1, Math.Abs(e[i])) && (e[i] != 0 || double.IsNegative(e[i]) == double.IsNegative(a[i]));
            Assert.True(same, $"{name}[{i}]: PyTorch {e[i].ToString("R", CultureInfo.InvariantCulture)}, Nabla {a[i].ToString("R", CultureInfo.InvariantCulture)} (inputs {string.Join("; ", inputs.Select(t => t.ToString()))}).");
        }
    }

    private static JsonElement Special(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(GoldenFixture.Directory, file)));
        return document.RootElement.GetProperty("special").Clone();
    }

    private static Tensor ToTensor(JsonElement e, DType floatType)
    {
        var shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        var values = e.GetProperty("data").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String
            ? v.GetString() switch { "nan" => double.NaN, "inf" => double.PositiveInfinity, _ => double.NegativeInfinity }
            : v.GetDouble()).ToArray();
        string? named = e.TryGetProperty("dtype", out var d) ? d.GetString() : null;
        if (named == "int64") return Tensor.FromArray(Array.ConvertAll(values, v => (long)v), shape);
        if (named == "float32") floatType = DType.Float32;
        var t = Tensor.FromArray(values, shape);
        return floatType == DType.Float32 ? t.To(DType.Float32) : t;
    }
}
