using System.Text.Json;
using System.Text.Json.Nodes;
using Nabla.NN;

namespace Nabla.IO;

/// <summary>
/// Whole models in one file, architecture and weights, as <c>torch.save(model)</c> users expect, but in a format that
/// cannot execute anything: a safetensors file whose tensors are the model's state dict and whose metadata holds, under
/// <see cref="ArchitectureKey"/>, a JSON tree of the modules — for each its registered type name and constructor
/// settings (<c>{"type": "Linear", "config": {"in_features": 784, "out_features": 10, "bias": true, "dtype": "float32"}}</c>),
/// children nested inside. Loading builds every module through the constructor its type name selects from a fixed
/// catalog, checks every setting's kind, then loads the weights strictly; a file can only choose among registered types
/// and give them validated values. Every built-in layer and container is registered; a model class of one's own is
/// registered once with <see cref="Register{T}"/>.
/// </summary>
public static class ModelFile
{
    /// <summary>The metadata key of the architecture.</summary>
    public const string ArchitectureKey = "nabla.architecture";

    /// <summary>The metadata key of the format version.</summary>
    public const string FormatKey = "nabla.format";

    private const string FormatVersion = "model/1";
    private const int MaxDepth = 64;

    private sealed record Entry(Type Type, Func<Module, ModuleConfig> Describe, Func<ModuleConfig, Module> Create);

    private static readonly Dictionary<string, Entry> ByName = new(StringComparer.Ordinal);
    private static readonly Dictionary<Type, string> ByType = [];
    private static readonly Lock Gate = new();

    static ModelFile() => ModelFileCatalog.RegisterAll();

    /// <summary>
    /// Registers a module type under <paramref name="name"/>: <paramref name="describe"/> records the settings that rebuild
    /// a module (call <c>config.Set</c> for each constructor argument and child), <paramref name="create"/> builds one from
    /// them. Registering the same type again under the same name replaces its functions.
    /// </summary>
    /// <exception cref="ArgumentException">The name is taken by another type, or the type has another name.</exception>
    public static void Register<T>(string name, Func<T, ModuleConfig> describe, Func<ModuleConfig, T> create)
        where T : Module
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(describe);
        ArgumentNullException.ThrowIfNull(create);
        lock (Gate)
        {
            if (ByName.TryGetValue(name, out var existing) && existing.Type != typeof(T))
                throw new ArgumentException($"ModelFile.Register: the name '{name}' already belongs to {existing.Type.Name}.", nameof(name));
            if (ByType.TryGetValue(typeof(T), out var other) && other != name)
                throw new ArgumentException($"ModelFile.Register: {typeof(T).Name} is already registered as '{other}'.", nameof(name));
            ByName[name] = new Entry(typeof(T), m => describe((T)m), c => create(c));
            ByType[typeof(T)] = name;
        }
    }

    /// <summary>The architecture of <paramref name="model"/> as the JSON a model file holds.</summary>
    /// <exception cref="ArgumentException">A module in the tree has a type that is not registered.</exception>
    public static string Describe(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return DescribeNode(model).ToJsonString();
    }

    /// <summary>
    /// Writes <paramref name="model"/>, its architecture and its state dict, to <paramref name="path"/> atomically.
    /// <paramref name="metadata"/> adds string pairs of one's own.
    /// </summary>
    /// <exception cref="ArgumentException">A module in the tree has a type that is not registered.</exception>
    public static void Save(string path, Module model, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string architecture = Describe(model);
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { [ArchitectureKey] = architecture, [FormatKey] = FormatVersion };
        SafeTensors.Save(path, model.StateDict(), meta);
    }

    /// <summary>Reads a model written by <see cref="Save"/>: builds its modules from the architecture and loads its weights.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid model file: not safetensors, no architecture, an
    /// unknown type, a bad setting, or weights that do not fit; the message names the file and the module.</exception>
    public static Module Load(string path, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        var data = SafeTensors.Load(path, allowNonFinite: true);
        string Fail(string problem) => $"ModelFile.Load: '{path}': {problem}";
        if (!data.Metadata.TryGetValue(ArchitectureKey, out var architecture))
            throw new InvalidDataException(Fail($"the file has no '{ArchitectureKey}' metadata; it holds tensors, not a model (load it with SafeTensors.Load)."));
        if (data.Metadata.TryGetValue(FormatKey, out var format) && format != FormatVersion)
            throw new InvalidDataException(Fail($"the model format is {Quoted.Of(format)}; this version of Nabla reads '{FormatVersion}'."));
        JsonObject root;
        try
        {
            root = JsonNode.Parse(architecture, documentOptions: new JsonDocumentOptions { MaxDepth = 4 * MaxDepth }) as JsonObject
                ?? throw new InvalidDataException(Fail("the architecture is not a JSON object."));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(Fail($"the architecture is not valid JSON ({e.Message})"), e);
        }
        Module model;
        try
        {
            model = Build(root, "model", 0);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(Fail(e.Message), e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(Fail($"the architecture describes a module its constructor refuses: {e.Message}"), e);
        }
        try
        {
            model.LoadStateDict(data.Tensors, strict: true, allowNonFinite: allowNonFinite);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(Fail($"the weights do not fit the architecture: {e.Message}"), e);
        }
        return model;
    }

    /// <summary>Reads a model written by <see cref="Save"/> whose root is a <typeparamref name="T"/>.</summary>
    public static T Load<T>(string path, bool allowNonFinite = false)
        where T : Module
    {
        var model = Load(path, allowNonFinite);
        return model as T ?? throw new InvalidDataException($"ModelFile.Load: '{path}': the model is a {model.GetType().Name}, not a {typeof(T).Name}.");
    }

    internal static JsonObject DescribeNode(Module module)
    {
        Entry entry;
        string name;
        lock (Gate)
        {
            if (!ByType.TryGetValue(module.GetType(), out name!))
                throw new ArgumentException($"ModelFile: {module.GetType().Name} is not a registered module type; register it with ModelFile.Register<{module.GetType().Name}>(name, describe, create).");
            entry = ByName[name];
        }
        var config = entry.Describe(module);
        return new JsonObject { ["type"] = name, ["config"] = config.Values.DeepClone() };
    }

    private static Module Build(JsonObject node, string path, int depth)
    {
        if (depth > MaxDepth) throw new InvalidDataException($"{path}: the modules nest deeper than {MaxDepth} levels.");
        string type = node["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : throw new InvalidDataException($"{path}: the module has no string 'type'.");
        var values = node["config"] as JsonObject ?? throw new InvalidDataException($"{path}: the module {Quoted.Of(type)} has no 'config' object.");
        Entry? entry;
        lock (Gate) ByName.TryGetValue(type, out entry);
        if (entry is null)
            throw new InvalidDataException($"{path}: {Quoted.Of(type)} is not a registered module type (register a model class of one's own with ModelFile.Register before loading).");
        var config = new ModuleConfig(values, path, (child, childPath) => Build(child, childPath, depth + 1));
        var module = entry.Create(config);
        if (module.GetType() != entry.Type)
            throw new InvalidDataException($"{path}: the entry for {Quoted.Of(type)} built a {module.GetType().Name}.");
        return module;
    }

    /// <summary>The dtype of a module's first floating-point parameter or buffer; float32 when it has none.</summary>
    internal static DType DTypeOf(Module module) =>
        module.Parameters().Concat(module.Buffers()).Select(t => t.DType).FirstOrDefault(d => d.IsFloatingPoint(), DType.Float32);
}
