using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.NN;

namespace Nabla.IO;

/// <summary>
/// The constructor arguments of one module in a model file (see <see cref="ModelFile"/>): named numbers, flags, strings,
/// integer lists, dtypes and child modules. A module type's <c>describe</c> function fills one with <c>Set</c>; its
/// <c>create</c> function reads it back with the typed getters, which throw an <see cref="InvalidDataException"/> naming
/// the module and the key when a value is missing or of the wrong kind.
/// </summary>
public sealed class ModuleConfig
{
    private readonly JsonObject _values;
    private readonly Func<JsonObject, string, Module>? _build;

    /// <summary>An empty configuration to fill.</summary>
    public ModuleConfig() => _values = [];

    internal ModuleConfig(JsonObject values, string path, Func<JsonObject, string, Module> build)
    {
        _values = values;
        Path = path;
        _build = build;
    }

    /// <summary>Where the module sits in the model (<c>model</c>, <c>model.0</c>, ...), for messages.</summary>
    public string Path { get; } = "model";

    internal JsonObject Values => _values;

    /// <summary>Sets an integer.</summary>
    public ModuleConfig Set(string key, int value) => Put(key, JsonValue.Create(value));

    /// <summary>Sets an integer or null.</summary>
    public ModuleConfig Set(string key, int? value) => Put(key, value is { } v ? JsonValue.Create(v) : null);

    /// <summary>Sets a number (finite).</summary>
    public ModuleConfig Set(string key, double value) =>
        double.IsFinite(value) ? Put(key, JsonValue.Create(value)) : throw new ArgumentException($"ModuleConfig: '{key}' is {value}; a model file holds finite numbers only.", nameof(value));

    /// <summary>Sets a number or null.</summary>
    public ModuleConfig Set(string key, double? value) => value is { } v ? Set(key, v) : Put(key, null);

    /// <summary>Sets a flag.</summary>
    public ModuleConfig Set(string key, bool value) => Put(key, JsonValue.Create(value));

    /// <summary>Sets a string.</summary>
    public ModuleConfig Set(string key, string value) => Put(key, JsonValue.Create(value ?? throw new ArgumentNullException(nameof(value))));

    /// <summary>Sets a list of integers, or null.</summary>
    public ModuleConfig Set(string key, IEnumerable<int>? values) => Put(key, values is null ? null : new JsonArray([.. values.Select(v => (JsonNode)v)]));

    /// <summary>Sets a list of numbers (finite), or null.</summary>
    public ModuleConfig Set(string key, IEnumerable<double>? values) =>
        values is null ? Put(key, null) : Put(key, new JsonArray([.. values.Select(v => double.IsFinite(v) ? (JsonNode)v : throw new ArgumentException($"ModuleConfig: '{key}' holds {v}; a model file holds finite numbers only.", nameof(values)))]));

    /// <summary>Sets a flag or null.</summary>
    public ModuleConfig Set(string key, bool? value) => Put(key, value is { } v ? JsonValue.Create(v) : null);

    /// <summary>Sets a dtype (by its PyTorch name).</summary>
    public ModuleConfig Set(string key, DType dtype) => Set(key, dtype.Name());

    /// <summary>Sets a child module, described in turn by its own type's entry.</summary>
    public ModuleConfig Set(string key, Module? child) => Put(key, child is null ? null : ModelFile.DescribeNode(child));

    /// <summary>Sets a list of child modules with their names.</summary>
    public ModuleConfig Set(string key, IEnumerable<(string Name, Module Module)> children) =>
        Put(key, new JsonArray([.. children.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["module"] = ModelFile.DescribeNode(c.Module) })]));

    private ModuleConfig Put(string key, JsonNode? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        _values[key] = value;
        return this;
    }

    /// <summary>The integer <paramref name="key"/>.</summary>
    public int Int(string key) => Read(key, n => n.GetValue<int>(), "an integer");

    /// <summary>The integer <paramref name="key"/>, or null when it is null or absent.</summary>
    public int? OptionalInt(string key) => IsNull(key) ? null : Int(key);

    /// <summary>The number <paramref name="key"/>.</summary>
    public double Double(string key)
    {
        double value = Read(key, n => n.GetValue<double>(), "a number");
        return double.IsFinite(value) ? value : throw Invalid(key, "is not a finite number");
    }

    /// <summary>The number <paramref name="key"/>, or null when it is null or absent.</summary>
    public double? OptionalDouble(string key) => IsNull(key) ? null : Double(key);

    /// <summary>The flag <paramref name="key"/>.</summary>
    public bool Bool(string key) => Read(key, n => n.GetValue<bool>(), "true or false");

    /// <summary>The string <paramref name="key"/>.</summary>
    public string String(string key) => Read(key, n => n.GetValue<string>(), "a string");

    /// <summary>The integer list <paramref name="key"/>.</summary>
    public int[] Ints(string key) => Read(key, n => n.AsArray().Select(v => v!.GetValue<int>()).ToArray(), "a list of integers");

    /// <summary>The integer list <paramref name="key"/>, or null when it is null or absent.</summary>
    public int[]? OptionalInts(string key) => IsNull(key) ? null : Ints(key);

    /// <summary>The number list <paramref name="key"/>, or null when it is null or absent.</summary>
    public double[]? OptionalDoubles(string key)
    {
        if (IsNull(key)) return null;
        var values = Read(key, n => n.AsArray().Select(v => v!.GetValue<double>()).ToArray(), "a list of numbers");
        return values.All(double.IsFinite) ? values : throw Invalid(key, "holds a number that is not finite");
    }

    /// <summary>The flag <paramref name="key"/>, or null when it is null or absent.</summary>
    public bool? OptionalBool(string key) => IsNull(key) ? null : Bool(key);

    /// <summary>The dtype <paramref name="key"/>.</summary>
    public DType DType(string key)
    {
        string name = String(key);
        foreach (var dtype in Enum.GetValues<DType>())
            if (dtype.Name() == name) return dtype;
        throw Invalid(key, $"names the unknown dtype {Quoted.Of(name)}");
    }

    /// <summary>The child module <paramref name="key"/>.</summary>
    public Module Module(string key) => OptionalModule(key) ?? throw Invalid(key, "is missing; a module was expected");

    /// <summary>The child module <paramref name="key"/>, or null when it is null or absent.</summary>
    public Module? OptionalModule(string key)
    {
        if (IsNull(key)) return null;
        var node = _values[key] as JsonObject ?? throw Invalid(key, "is not a module description");
        return Build(node, $"{Path}.{key}");
    }

    /// <summary>The named child modules <paramref name="key"/>, in order.</summary>
    public IReadOnlyList<(string Name, Module Module)> Modules(string key)
    {
        var array = _values[key] as JsonArray ?? throw Invalid(key, "is not a list of modules");
        var result = new List<(string, Module)>();
        foreach (var item in array)
        {
            var entry = item as JsonObject ?? throw Invalid(key, "holds an entry that is not an object");
            string name = entry["name"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Invalid(key, "holds an entry without a string 'name'");
            var module = entry["module"] as JsonObject ?? throw Invalid(key, $"entry {Quoted.Of(name)} has no module description");
            result.Add((name, Build(module, $"{Path}.{Quoted.Bare(name)}")));
        }
        return result;
    }

    /// <summary>The module of the same type a child description names, built by its catalog entry.</summary>
    private Module Build(JsonObject node, string path)
    {
        if (_build is null) throw new InvalidOperationException("ModuleConfig: only a configuration read from a model file builds child modules.");
        return _build(node, path);
    }

    private bool IsNull(string key) => !_values.TryGetPropertyValue(key, out var node) || node is null;

    private T Read<T>(string key, Func<JsonNode, T> read, string what)
    {
        if (!_values.TryGetPropertyValue(key, out var node) || node is null) throw Invalid(key, "is missing");
        try
        {
            return read(node);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw Invalid(key, $"is {Quoted.Bare(node.ToJsonString())}, not {what}");
        }
    }

    private InvalidDataException Invalid(string key, string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{Path}: the setting {Quoted.Of(key)} {problem}."));
}
