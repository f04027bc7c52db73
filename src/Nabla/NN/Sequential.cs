using System.Collections;
using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// A chain of modules applied in order, each to the previous one's output. Children are named "0", "1", … unless
/// given names. Supports collection initialisers: <c>new Sequential { new Linear(2, 16), new ReLU() }</c>.
/// </summary>
public sealed class Sequential : Module, IReadOnlyList<Module>
{
    private readonly List<Module> _layers = [];

    /// <summary>Creates an empty chain, to be filled with <see cref="Add(Module)"/> or a collection initialiser.</summary>
    public Sequential() { }

    /// <summary>Creates a chain of <paramref name="modules"/>, named by position.</summary>
    /// <param name="modules">The modules, first applied first.</param>
    public Sequential(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    /// <summary>Creates a chain of named modules.</summary>
    /// <param name="modules">The names and modules, first applied first.</param>
    public Sequential(params (string Name, Module Module)[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var (name, module) in modules) Add(name, module);
    }

    /// <summary>Appends <paramref name="module"/>, named by its position; returns this chain.</summary>
    /// <param name="module">The module to apply after the current last one.</param>
    public Sequential Add(Module module) => Add(_layers.Count.ToString(CultureInfo.InvariantCulture), module);

    /// <summary>Appends <paramref name="module"/> under <paramref name="name"/>; returns this chain.</summary>
    /// <param name="name">A unique name without dots.</param>
    /// <param name="module">The module to apply after the current last one.</param>
    public Sequential Add(string name, Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (NamedChildren().Any(c => c.Name == name))
            throw new ArgumentException($"Sequential.Add: a module named '{name}' is already in the chain.", nameof(name));
        _layers.Add(RegisterModule(name, module));
        return this;
    }

    /// <summary>The number of modules.</summary>
    public int Count => _layers.Count;

    /// <summary>The module at <paramref name="index"/> (negative counts from the end).</summary>
    /// <param name="index">A position in [−Count, Count).</param>
    public Module this[int index] => ModuleIndex.At(_layers, index, "Sequential");

    /// <summary>Applies every module in order.</summary>
    /// <param name="input">The first module's input.</param>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers) x = layer.Call(x);
        return x;
    }

    /// <summary>Enumerates the modules in order.</summary>
    public IEnumerator<Module> GetEnumerator() => _layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
