using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Nabla.Tests.Golden;

/// <summary>
/// Loads the PyTorch golden fixtures of <c>tests/golden</c> (format: the header of <c>make_golden.py</c>).
/// A test picks its cases with <see cref="TheoryCases"/>, maps each case's <see cref="GoldenCase.Op"/> to a
/// Nabla call, and runs <see cref="GoldenCase.AssertMatches"/>, which compares the output and every input gradient.
/// </summary>
public static class GoldenFixture
{
    private static readonly ConcurrentDictionary<string, IReadOnlyList<GoldenCase>> Loaded = new();
    private static readonly ConcurrentDictionary<string, JsonElement> Documents = new();
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The <c>tests/golden</c> directory, found by walking up from the test assembly.</summary>
    public static string Directory => Root.Value;

    /// <summary>The root of any fixture file of <c>tests/golden</c>, parsed once and cached (for fixtures in formats of their own).</summary>
    public static JsonElement Document(string file) => Documents.GetOrAdd(file, f =>
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, f)));
        return document.RootElement.Clone();
    });

    /// <summary>The names of the entries of <paramref name="section"/> (an array of objects with a <c>name</c>) in <paramref name="file"/>, as theory data.</summary>
    public static TheoryData<string> Names(string file, string section = "cases")
    {
        var data = new TheoryData<string>();
        foreach (var c in Document(file).GetProperty(section).EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    /// <summary>The entry called <paramref name="name"/> of <paramref name="section"/> in <paramref name="file"/>.</summary>
    public static JsonElement Entry(string file, string name, string section = "cases") =>
        Document(file).GetProperty(section).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>Every case of an op fixture file such as <c>"ops_float64.json"</c>, parsed once and cached.</summary>
    public static IReadOnlyList<GoldenCase> Cases(string file) => Loaded.GetOrAdd(file, Load);

    /// <summary>The case called <paramref name="name"/> in <paramref name="file"/>.</summary>
    public static GoldenCase Case(string file, string name) =>
        Cases(file).SingleOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"{file} has no case named '{name}'.");

    /// <summary>(file, case name) rows for an xunit <c>[MemberData]</c> theory over the cases of <paramref name="files"/> that <paramref name="select"/> accepts.</summary>
    public static TheoryData<string, string> TheoryCases(IEnumerable<string> files, Func<GoldenCase, bool> select)
    {
        var data = new TheoryData<string, string>();
        foreach (var file in files)
        {
            foreach (var c in Cases(file).Where(select))
                data.Add(file, c.Name);
        }

        return data;
    }

    private static IReadOnlyList<GoldenCase> Load(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, file)));
        var root = document.RootElement;
        var dtype = ParseDType(root.GetProperty("dtype").GetString());
        return root.GetProperty("cases").EnumerateArray().Select(c => new GoldenCase(file, dtype, c.Clone())).ToArray();
    }

    internal static DType ParseDType(string? name) => name switch
    {
        "float32" => DType.Float32,
        "float64" => DType.Float64,
        "int64" => DType.Int64,
        _ => throw new InvalidDataException($"Golden fixture: unknown dtype '{name}'."),
    };

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "golden");
            if (File.Exists(Path.Combine(candidate, "make_golden.py"))) return candidate;
        }
        throw new DirectoryNotFoundException($"Golden fixture: no tests/golden directory above {AppContext.BaseDirectory}.");
    }
}

/// <summary>
/// One op case of a golden fixture: the inputs, the op's arguments, and what PyTorch computed: the
/// output and, for a floating-point output, the gradient of every input for a given output gradient.
/// </summary>
public sealed class GoldenCase
{
    private readonly JsonElement _json;

    internal GoldenCase(string file, DType dtype, JsonElement json)
    {
        _json = json;
        File = file;
        DType = dtype;
        Name = json.GetProperty("name").GetString()!;
        Op = json.GetProperty("op").GetString()!;
    }

    /// <summary>The fixture file the case comes from.</summary>
    public string File { get; }

    /// <summary>The unique case name, <c>&lt;op&gt;_&lt;variant&gt;</c>.</summary>
    public string Name { get; }

    /// <summary>The op name, a key of the <c>OPS</c> table in <c>make_golden.py</c>.</summary>
    public string Op { get; }

    /// <summary>The floating-point dtype of the file (int64 inputs keep int64).</summary>
    public DType DType { get; }

    /// <summary>The default relative tolerance for the file's dtype: 1e-5 for float32, 1e-10 for float64.</summary>
    public double DefaultRtol => DType == DType.Float32 ? 1e-5 : 1e-10;

    /// <summary>Fresh input tensors: int64 inputs as int64, the others in <see cref="DType"/>; <c>"grad": true</c> ones are leaves that require grad.</summary>
    public Tensor[] Inputs() =>
        _json.GetProperty("inputs").EnumerateArray().Select(i =>
        {
            var t = ToTensor(i, DType);
            return i.GetProperty("grad").GetBoolean() ? t.SetRequiresGrad() : t;
        }).ToArray();

    /// <summary>True when the args hold <paramref name="name"/> (possibly as null).</summary>
    public bool HasArg(string name) => _json.GetProperty("args").TryGetProperty(name, out _);

    /// <summary>The argument <paramref name="name"/> as <typeparamref name="T"/>; JSON null gives default (use a nullable <typeparamref name="T"/> for optional arguments).</summary>
    public T Arg<T>(string name)
    {
        if (!_json.GetProperty("args").TryGetProperty(name, out var value))
            throw new KeyNotFoundException($"{Name}: the case has no argument '{name}'.");
        return value.ValueKind == JsonValueKind.Null ? default! : value.Deserialize<T>()!;
    }

    /// <summary>The output PyTorch computed.</summary>
    public Tensor ExpectedOutput => ToTensor(_json.GetProperty("output"), DType);

    /// <summary>The gradient of the output that backward starts from; null for an integer output.</summary>
    public Tensor? GradOutput => _json.TryGetProperty("grad_output", out var g) ? ToTensor(g, DType) : null;

    /// <summary>The expected gradient of each input; null entries for inputs that do not require grad, and null altogether for an integer output.</summary>
    public Tensor?[]? ExpectedGrads => _json.TryGetProperty("grads", out var grads)
        ? grads.EnumerateArray().Select(g => g.ValueKind == JsonValueKind.Null ? null : ToTensor(g, DType)).ToArray()
        : null;

    /// <summary>
    /// Runs <paramref name="op"/> on fresh <see cref="Inputs"/>, compares its output with PyTorch's, then
    /// backpropagates <see cref="GradOutput"/> and compares every input's gradient. Values match when
    /// |actual − expected| ≤ rtol·|expected| + 0.1·rtol·max|expected| (a floor for entries near zero);
    /// shapes and dtypes must match exactly, integer outputs must match exactly.
    /// </summary>
    /// <param name="op">The Nabla call for this case.</param>
    /// <param name="rtol">The relative tolerance; <see cref="DefaultRtol"/> when null.</param>
    public void AssertMatches(Func<Tensor[], Tensor> op, double? rtol = null)
    {
        double tolerance = rtol ?? DefaultRtol;
        var inputs = Inputs();
        var output = op(inputs);
        AssertClose("output", ExpectedOutput, output, tolerance);
        if (GradOutput is not { } gradOutput) return;

        output.Backward(gradOutput);
        var expected = ExpectedGrads!;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (expected[i] is { } grad)
            {
                Assert.True(inputs[i].Grad is not null, $"{Name} ({File}): input {i} has no gradient after backward.");
                AssertClose($"gradient of input {i}", grad, inputs[i].Grad!, tolerance);
            }
            else
            {
                Assert.True(inputs[i].Grad is null, $"{Name} ({File}): input {i} does not require grad but received a gradient.");
            }
        }
    }

    private void AssertClose(string what, Tensor expected, Tensor actual, double rtol)
    {
        string where = $"{Name} ({File}) {what}";
        Assert.True(actual.Shape.SequenceEqual(expected.Shape),
            $"{where}: shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", expected.Shape)}].");
        Assert.True(actual.DType == expected.DType, $"{where}: dtype {actual.DType.Name()}, expected {expected.DType.Name()}.");
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        double floor = expected.DType == DType.Int64 ? 0 : 0.1 * rtol * e.Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int k = 0; k < e.Length; k++)
        {
            double allowed = expected.DType == DType.Int64 ? 0 : rtol * Math.Abs(e[k]) + floor;
            if (!(Math.Abs(a[k] - e[k]) <= allowed))
            {
                Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"{where}: flat element {k} is {a[k]:R}, expected {e[k]:R} (|error| {Math.Abs(a[k] - e[k]):G3} > {allowed:G3}, rtol {rtol:G3})."));
            }
        }
    }

    private static Tensor ToTensor(JsonElement json, DType floatType)
    {
        var shape = json.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        var data = json.GetProperty("data");
        var dtype = json.TryGetProperty("dtype", out var d) ? GoldenFixture.ParseDType(d.GetString()) : floatType;
        var flat = dtype switch
        {
            DType.Int64 => Tensor.FromArray(data.EnumerateArray().Select(v => v.GetInt64()).ToArray()),
            DType.Float32 => Tensor.FromArray(data.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()),
            _ => Tensor.FromArray(data.EnumerateArray().Select(v => v.GetDouble()).ToArray()),
        };
        return flat.Reshape(shape);
    }

    /// <summary>The case name, so that theory output reads well.</summary>
    public override string ToString() => $"{Name} ({File})";
}
