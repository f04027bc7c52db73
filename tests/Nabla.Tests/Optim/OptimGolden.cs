using System.Text.Json;

namespace Nabla.Tests.Optim;

/// <summary>Reads the PyTorch fixtures under tests/golden (made by make_optim_golden.py and make_golden.py).</summary>
internal static class OptimGolden
{
    private static readonly Lazy<JsonElement> OptimCases = new(() => Load("optim.json"));
    private static readonly Lazy<JsonElement> NetCases = new(() => Load("nets.json"));

    public static JsonElement Optim => OptimCases.Value;

    public static JsonElement Nets => NetCases.Value;

    public static JsonElement Case(string section, string name) =>
        Optim.GetProperty(section).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static TheoryData<string> Names(string section)
    {
        var data = new TheoryData<string>();
        foreach (var c in Optim.GetProperty(section).EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    public static Tensor ToTensor(JsonElement t, DType dtype = DType.Float64)
    {
        var shape = t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var data = t.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var tensor = Tensor.FromArray(data, shape);
        return dtype == DType.Float64 ? tensor : tensor.To(dtype);
    }

    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| element by element.</summary>
    public static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double rtol, double atol, string context)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            double e = expected[i], a = actual[i];
            if (!(Math.Abs(a - e) <= atol + rtol * Math.Abs(e)))
                Assert.Fail($"{context}: element {i} is {a:R}, expected {e:R} (difference {Math.Abs(a - e):E3}).");
        }
    }

    private static JsonElement Load(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "golden", file);
            if (File.Exists(path))
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(path));
                return doc.RootElement.Clone();
            }
        }
        throw new FileNotFoundException($"tests/golden/{file} not found above {AppContext.BaseDirectory}.");
    }
}
