using Nabla.NN;

namespace Nabla.Viz;

/// <summary>
/// Records, while it is active on the thread that started it, which module call produced each op of the graph, so
/// that <see cref="GraphExport"/> can group the ops into one cluster per module (<c>features.0 Conv2d(1, 32, …)</c>)
/// or draw one node per module. Modules are entered through <see cref="Module.Call(Tensor)"/> (what PyTorch's
/// <c>module(x)</c> does); the built-in containers call their children that way.
/// <code>
/// using (var capture = GraphCapture.Start(model))
///     loss = lossFunction(model.Call(x), y);
/// string dot = GraphExport.ToDot(loss, capture.Names, view: GraphView.Collapsed);
/// </code>
/// </summary>
/// <remarks>
/// Outside a capture nothing is recorded: op nodes carry no module, and <see cref="Module.Call(Tensor)"/> costs one
/// static read more than <see cref="Module.Forward(Tensor)"/>.
/// </remarks>
public sealed class GraphCapture : IDisposable
{
    private static int s_active;

    [ThreadStatic]
    private static GraphCapture? s_threadCapture;

    private readonly GraphCapture? _previous;
    private readonly int _threadId;
    private readonly Dictionary<Module, string> _paths = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, string> _names = new(ReferenceEqualityComparer.Instance);
    private ModuleCall? _current;
    private int _calls;
    private bool _inputsNamed;
    private bool _disposed;

    private GraphCapture(Module model)
    {
        Model = model;
        foreach (var (name, module) in model.NamedModules()) _paths[module] = name;
        foreach (var (tensor, name) in GraphExport.NamesOf(model)) _names[tensor] = name;
        _previous = s_threadCapture;
        _threadId = Environment.CurrentManagedThreadId;
        s_threadCapture = this;
        Interlocked.Increment(ref s_active);
    }

    /// <summary>Starts recording module calls on this thread; dispose the capture (on this thread) to stop.</summary>
    /// <param name="model">The model whose modules are named by their paths (<c>features.0</c>) in the graph.</param>
    public static GraphCapture Start(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new GraphCapture(model);
    }

    /// <summary>The model whose module paths label the clusters.</summary>
    public Module Model { get; }

    /// <summary>
    /// Labels for the graph's tensors: every parameter and buffer of <see cref="Model"/> by its state-dict name, and the
    /// input of the model's first call as <c>input</c> (<c>input0</c>, <c>input1</c>, … for several inputs).
    /// </summary>
    public IReadOnlyDictionary<Tensor, string> Names => _names;

    /// <summary>The module call being run on this thread under an active capture, or null (always null outside a capture).</summary>
    internal static ModuleCall? CurrentCall => Volatile.Read(ref s_active) == 0 ? null : s_threadCapture?._current;

    /// <summary>The capture active on this thread, or null.</summary>
    internal static GraphCapture? Active => Volatile.Read(ref s_active) == 0 ? null : s_threadCapture;

    /// <summary>Enters a call of <paramref name="module"/> on <paramref name="inputs"/>; returns it for <see cref="Exit"/>.</summary>
    internal ModuleCall Enter(Module module, ReadOnlySpan<Tensor> inputs)
    {
        bool isRoot = ReferenceEquals(module, Model) && _current is null;
        if (isRoot && !_inputsNamed)
        {
            _inputsNamed = true;
            for (int i = 0; i < inputs.Length; i++) _names.TryAdd(inputs[i], inputs.Length == 1 ? "input" : $"input{i}");
        }
        string? path = _paths.TryGetValue(module, out var p) ? p : null;
        _current = new ModuleCall(module, path, isRoot || (path is not null && path.Length == 0), Describe(module), _current, ++_calls, inputs.ToArray());
        return _current;
    }

    /// <summary>Leaves <paramref name="call"/>, returning to its caller.</summary>
    internal void Exit(ModuleCall call) => _current = call.Parent;

    /// <summary>A module's PyTorch-style repr on one line: the whole repr for a layer, the type name for a container.</summary>
    private static string Describe(Module module)
    {
        string repr = module.ToString();
        int newline = repr.IndexOf('\n');
        if (newline < 0) return repr;
        int paren = repr.IndexOf('(');
        return paren < 0 ? repr[..newline] : repr[..paren];
    }

    /// <summary>Stops recording; a capture started inside this one on the same thread must be disposed first.</summary>
    /// <exception cref="InvalidOperationException">Disposed on another thread, or out of order.</exception>
    public void Dispose()
    {
        if (_disposed) return;
        if (Environment.CurrentManagedThreadId != _threadId)
            throw new InvalidOperationException("GraphCapture.Dispose: a capture must be disposed on the thread that started it.");
        if (!ReferenceEquals(s_threadCapture, this))
            throw new InvalidOperationException("GraphCapture.Dispose: a capture started inside this one is still active; dispose it first.");
        _disposed = true;
        s_threadCapture = _previous;
        Interlocked.Decrement(ref s_active);
    }
}

/// <summary>One call of a module under a <see cref="GraphCapture"/>: the module, its path and repr, and the call it was made from.</summary>
/// <param name="Module">The module called.</param>
/// <param name="Path">Its dotted path in the captured model (<c>features.0</c>), "" for the model itself, null for a module outside it.</param>
/// <param name="IsRoot">Whether this is the captured model's own call, which draws no cluster.</param>
/// <param name="Repr">The module's one-line repr (<c>Conv2d(1, 32, kernel_size=(3, 3), …)</c>).</param>
/// <param name="Parent">The enclosing call, or null.</param>
/// <param name="Id">The call's number in the capture, from 1.</param>
/// <param name="Inputs">The tensors passed to the call.</param>
internal sealed class ModuleCall(Module Module, string? Path, bool IsRoot, string Repr, ModuleCall? Parent, int Id, Tensor[] Inputs)
{
    public Tensor[] Inputs { get; } = Inputs;

    public Module Module { get; } = Module;

    public string? Path { get; } = Path;

    public bool IsRoot { get; } = IsRoot;

    public string Repr { get; } = Repr;

    public ModuleCall? Parent { get; } = Parent;

    public int Id { get; } = Id;

    /// <summary>The cluster label: the path and the repr.</summary>
    public string Label => string.IsNullOrEmpty(Path) ? Repr : $"{Path} {Repr}";

    /// <summary>The calls from the outermost drawn one down to this one, skipping the model's own call.</summary>
    public List<ModuleCall> Chain()
    {
        var chain = new List<ModuleCall>();
        for (var c = this; c is not null; c = c.Parent)
            if (!c.IsRoot) chain.Add(c);
        chain.Reverse();
        return chain;
    }
}
