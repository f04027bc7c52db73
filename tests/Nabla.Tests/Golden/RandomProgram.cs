using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Nabla.Tests.Golden;

/// <summary>
/// One random op program of <c>tests/golden/random_programs_*.json</c> (format: the header of
/// <c>make_random_programs.py</c>): leaf inputs, steps that each apply an op to earlier values, a weight, and what
/// PyTorch computed for the last value and for the gradient of sum(output · weight) with respect to every input.
/// </summary>
public sealed class RandomProgram
{
    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, RandomProgram>> Loaded = new();

    private readonly JsonElement _json;

    private RandomProgram(string file, DType dtype, JsonElement json)
    {
        _json = json;
        File = file;
        DType = dtype;
        Name = json.GetProperty("name").GetString()!;
        Steps = [.. json.GetProperty("steps").EnumerateArray().Select(s => new Step(s))];
    }

    /// <summary>The fixture file the program comes from.</summary>
    public string File { get; }

    /// <summary>The program's name, unique in its file.</summary>
    public string Name { get; }

    /// <summary>The dtype every input, value and result has.</summary>
    public DType DType { get; }

    /// <summary>The ops in order; step k's result is value <c>InputCount + k</c>.</summary>
    public IReadOnlyList<Step> Steps { get; }

    /// <summary>The number of leaf inputs, values 0 to InputCount − 1.</summary>
    public int InputCount => _json.GetProperty("inputs").GetArrayLength();

    /// <summary>Every program of <paramref name="file"/> by name, parsed once and cached.</summary>
    public static IReadOnlyDictionary<string, RandomProgram> Load(string file) => Loaded.GetOrAdd(file, f =>
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllBytes(Path.Combine(GoldenFixture.Directory, f)));
        var root = document.RootElement;
        var dtype = GoldenFixture.ParseDType(root.GetProperty("dtype").GetString());
        return root.GetProperty("programs").EnumerateArray().Select(p => new RandomProgram(f, dtype, p.Clone())).ToDictionary(p => p.Name);
    });

    /// <summary>
    /// Replays the program with <paramref name="ops"/> (op name → Nabla call), compares the output with PyTorch's,
    /// backpropagates sum(output · weight) and compares every input's gradient. Values match when
    /// |actual − expected| ≤ rtol·(|expected| + max|expected|), the max taken over the tensor compared.
    /// </summary>
    public void AssertMatches(IReadOnlyDictionary<string, Func<Step, Tensor[], Tensor>> ops, double rtol, double secondOrderRtol)
    {
        var inputs = Leaves();
        var output = Replay(ops, inputs);
        AssertClose("output", ToTensor(_json.GetProperty("output"), DType), output, rtol);
        (output * ToTensor(_json.GetProperty("weight"), DType)).Sum().Backward();
        var grads = _json.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.True(inputs[i].Grad is not null, $"{this}: input {i} has no gradient after backward.\n{Describe()}");
            AssertClose($"gradient of input {i}", ToTensor(grads[i], DType), inputs[i].Grad!, rtol);
        }
        if (_json.TryGetProperty("second", out var second) && second.ValueKind == JsonValueKind.Object)
            AssertSecondOrderMatches(ops, second, secondOrderRtol);
    }

    /// <summary>
    /// The Hessian-vector products: the gradients of Σᵢ ⟨∂loss/∂inputᵢ, uᵢ⟩, through a backward pass recorded with
    /// <c>createGraph: true</c>, against PyTorch's double backward.
    /// </summary>
    private void AssertSecondOrderMatches(IReadOnlyDictionary<string, Func<Step, Tensor[], Tensor>> ops, JsonElement second, double rtol)
    {
        var inputs = Leaves();
        var loss = (Replay(ops, inputs) * ToTensor(_json.GetProperty("weight"), DType)).Sum();
        var grads = Autograd.Grad([loss], inputs, createGraph: true);
        var directions = second.GetProperty("u").EnumerateArray().Select(u => ToTensor(u, DType)).ToArray();
        var total = grads.Select((g, i) => (g! * directions[i]).Sum()).Aggregate((a, b) => a + b);
        var expected = second.GetProperty("grads").EnumerateArray().ToArray();
        var actual = total.RequiresGrad ? Autograd.Grad([total], inputs, allowUnused: true) : new Tensor?[inputs.Length];
        // One Hessian-vector product spans every input, so its largest element sets the scale for all of them.
        var products = expected.Select(e => ToTensor(e, DType)).ToArray();
        double scale = products.SelectMany(t => t.ToDoubleArray()).Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int i = 0; i < inputs.Length; i++)
            AssertClose($"second-order gradient of input {i}", products[i], actual[i] ?? Tensor.ZerosLike(inputs[i]), rtol, scale);
    }

    private Tensor[] Leaves() => _json.GetProperty("inputs").EnumerateArray().Select(i => ToTensor(i, DType).SetRequiresGrad()).ToArray();

    private Tensor Replay(IReadOnlyDictionary<string, Func<Step, Tensor[], Tensor>> ops, Tensor[] inputs)
    {
        var values = new List<Tensor>(inputs);
        foreach (var step in Steps)
        {
            Assert.True(ops.TryGetValue(step.Op, out var op), $"{this}: no Nabla mapping for op '{step.Op}'.");
            values.Add(op(step, [.. step.Inputs.Select(k => values[k])]));
        }
        return values[^1];
    }

    /// <summary>The program as text, one value per line: the inputs' shapes, then each step's op, operands and args.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        int k = 0;
        foreach (var input in _json.GetProperty("inputs").EnumerateArray())
            text.Append(CultureInfo.InvariantCulture, $"  v{k++} = input{input.GetProperty("shape")}\n");
        foreach (var step in Steps)
            text.Append(CultureInfo.InvariantCulture, $"  v{k++} = {step}\n");
        return text.ToString();
    }

    /// <summary>The program's name and file, so that theory output reads well.</summary>
    public override string ToString() => $"{Name} ({File})";

    private void AssertClose(string what, Tensor expected, Tensor actual, double rtol, double? scaleOverride = null)
    {
        Assert.True(actual.Shape.SequenceEqual(expected.Shape),
            $"{this} {what}: shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", expected.Shape)}].\n{Describe()}");
        Assert.True(actual.DType == expected.DType, $"{this} {what}: dtype {actual.DType.Name()}, expected {expected.DType.Name()}.");
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        double scale = scaleOverride ?? e.Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int i = 0; i < e.Length; i++)
        {
            double allowed = rtol * (Math.Abs(e[i]) + scale);
            if (!(Math.Abs(a[i] - e[i]) <= allowed))
            {
                Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"{this} {what}: flat element {i} is {a[i]:R}, expected {e[i]:R} (|error| {Math.Abs(a[i] - e[i]):G3} > {allowed:G3}, rtol {rtol:G3}).\n{Describe()}"));
            }
        }
    }

    internal static Tensor ToTensor(JsonElement json, DType floatType)
    {
        var shape = json.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        var data = json.GetProperty("data");
        var dtype = json.TryGetProperty("dtype", out var d) ? GoldenFixture.ParseDType(d.GetString()) : floatType;
        var flat = dtype switch
        {
            DType.Int64 => Tensor.FromArray(data.EnumerateArray().Select(v => v.GetInt64()).ToArray()),
            DType.Float32 => Tensor.FromArray(data.EnumerateArray().Select(v => v.GetSingle()).ToArray()),
            _ => Tensor.FromArray(data.EnumerateArray().Select(v => v.GetDouble()).ToArray()),
        };
        return flat.Reshape(shape);
    }

    /// <summary>One step: an op name, the indices of the values it takes, and its arguments.</summary>
    public sealed class Step
    {
        private readonly JsonElement _args;

        internal Step(JsonElement json)
        {
            Op = json.GetProperty("op").GetString()!;
            Inputs = [.. json.GetProperty("in").EnumerateArray().Select(i => i.GetInt32())];
            _args = json.GetProperty("args");
        }

        /// <summary>The op name, a key of the OPS table in <c>make_random_programs.py</c>.</summary>
        public string Op { get; }

        /// <summary>The indices of the values the op takes, in order.</summary>
        public IReadOnlyList<int> Inputs { get; }

        /// <summary>The argument <paramref name="name"/> as <typeparamref name="T"/>; JSON null gives default (use a nullable <typeparamref name="T"/> for optional arguments).</summary>
        public T Arg<T>(string name)
        {
            if (!_args.TryGetProperty(name, out var value))
                throw new KeyNotFoundException($"{Op}: the step has no argument '{name}'.");
            return value.ValueKind == JsonValueKind.Null ? default! : value.Deserialize<T>()!;
        }

        /// <summary>The constant tensor argument <paramref name="name"/>: int64 where marked so, otherwise <paramref name="dtype"/>.</summary>
        public Tensor Constant(string name, DType dtype) => ToTensor(_args.GetProperty(name), dtype);

        /// <summary>The constant tensor argument <paramref name="name"/> as <see cref="Constant"/> reads it, or null where the argument is null.</summary>
        public Tensor? OptionalConstant(string name, DType dtype) =>
            _args.GetProperty(name).ValueKind == JsonValueKind.Null ? null : Constant(name, dtype);

        /// <summary>The step as <c>op(v1, v2, arg=value, …)</c>, constants shortened to their shape.</summary>
        public override string ToString()
        {
            var args = _args.EnumerateObject().Select(a => a.Value.ValueKind == JsonValueKind.Object
                ? $"{a.Name}=const{a.Value.GetProperty("shape")}"
                : $"{a.Name}={a.Value.GetRawText()}");
            return $"{Op}({string.Join(", ", Inputs.Select(i => $"v{i}").Concat(args))})";
        }
    }
}
