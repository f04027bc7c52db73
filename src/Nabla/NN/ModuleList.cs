using System.Collections;
using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// An indexable list of modules whose parameters belong to the parent (like <c>nn.ModuleList</c>), for models
/// that apply their sub-modules in their own way; it has no <see cref="Forward(Tensor)"/> of its own.
/// </summary>
public sealed class ModuleList : Module, IReadOnlyList<Module>
{
    private readonly List<Module> _items = [];

    /// <summary>Creates a list holding <paramref name="modules"/>, named "0", "1", ….</summary>
    /// <param name="modules">The initial modules.</param>
    public ModuleList(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    /// <summary>Appends <paramref name="module"/>, named by its position; returns this list.</summary>
    /// <param name="module">The module to append.</param>
    public ModuleList Add(Module module)
    {
        _items.Add(RegisterModule(_items.Count.ToString(CultureInfo.InvariantCulture), module));
        return this;
    }

    /// <summary>The number of modules.</summary>
    public int Count => _items.Count;

    /// <summary>The module at <paramref name="index"/> (negative counts from the end).</summary>
    /// <param name="index">A position in [−Count, Count).</param>
    public Module this[int index] => ModuleIndex.At(_items, index, "ModuleList");

    /// <summary>Not supported: a ModuleList only holds modules; iterate it and call each one.</summary>
    /// <param name="input">Unused.</param>
    public override Tensor Forward(Tensor input) =>
        throw new NotSupportedException("ModuleList has no Forward; iterate over its modules and call them in the parent's Forward.");

    /// <summary>Enumerates the modules in order.</summary>
    public IEnumerator<Module> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
