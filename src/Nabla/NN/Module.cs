using System.Globalization;
using System.Text;

namespace Nabla.NN;

/// <summary>
/// The base of every layer and model, like PyTorch's <c>nn.Module</c>: it owns parameters (tensors that
/// are trained), buffers (state that is saved but not trained, such as running statistics) and child
/// modules, each registered under a name in insertion order. A subclass registers them in its constructor
/// and implements <see cref="Forward(Tensor)"/>:
/// <code>
/// sealed class Net : Module
/// {
///     private readonly Linear _fc1, _fc2;
///     public Net()
///     {
///         _fc1 = RegisterModule("fc1", new Linear(2, 16));
///         _fc2 = RegisterModule("fc2", new Linear(16, 1));
///     }
///     public override Tensor Forward(Tensor x) => _fc2.Forward(_fc1.Forward(x).Relu());
/// }
/// </code>
/// <see cref="To(DType)"/> replaces registered tensors with converted ones, so a module should read its
/// own parameters and buffers back through <see cref="GetParameter"/> and <see cref="GetBuffer"/> (as the
/// built-in layers' properties do) rather than keep them in fields.
/// </summary>
public abstract class Module
{
    private readonly OrderedDictionary<string, Tensor> _parameters = [];
    private readonly OrderedDictionary<string, Tensor> _buffers = [];
    private readonly HashSet<string> _nonPersistentBuffers = [];
    private readonly OrderedDictionary<string, Module> _modules = [];

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>; changes the behaviour of dropout and batch normalisation.</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>Computes the module's output for one input.</summary>
    /// <param name="input">The input tensor; its expected shape is described by each layer.</param>
    public abstract Tensor Forward(Tensor input);

    /// <summary>
    /// Computes the module's output for several inputs. Modules with more than one input (losses, attention)
    /// override this; the default accepts exactly one input and calls <see cref="Forward(Tensor)"/>.
    /// </summary>
    /// <param name="inputs">The inputs, in the order the module documents.</param>
    public virtual Tensor Forward(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != 1)
            throw new ArgumentException($"{TypeName}.Forward: expected 1 input, got {inputs.Length}.", nameof(inputs));
        return Forward(inputs[0]);
    }

    /// <summary>
    /// Runs <see cref="Forward(Tensor)"/> as PyTorch's <c>module(x)</c> does: under an active
    /// <see cref="Viz.GraphCapture"/> the ops it records are marked as this module's, so graph exports can group them
    /// by module; otherwise it is exactly <see cref="Forward(Tensor)"/>. Containers call their children this way.
    /// </summary>
    /// <param name="input">The input tensor.</param>
    public Tensor Call(Tensor input)
    {
        var capture = Viz.GraphCapture.Active;
        if (capture is null) return Forward(input);
        var call = capture.Enter(this, [input]);
        try
        {
            return Forward(input);
        }
        finally
        {
            capture.Exit(call);
        }
    }

    /// <summary>Runs <see cref="Forward(Tensor[])"/> on several inputs, marking the ops as in <see cref="Call(Tensor)"/>.</summary>
    /// <param name="inputs">The inputs, in the order the module documents.</param>
    public Tensor Call(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var capture = Viz.GraphCapture.Active;
        if (capture is null) return Forward(inputs);
        var call = capture.Enter(this, inputs);
        try
        {
            return Forward(inputs);
        }
        finally
        {
            capture.Exit(call);
        }
    }

    /// <summary>
    /// Registers <paramref name="tensor"/> as a trainable parameter called <paramref name="name"/> and marks it
    /// as requiring grad (like wrapping it in <c>nn.Parameter</c>). Registering a name again replaces the
    /// parameter in place in the order. Returns the tensor.
    /// </summary>
    /// <param name="name">A non-empty name without dots, unique among this module's parameters, buffers and children.</param>
    /// <param name="tensor">A floating-point leaf tensor.</param>
    protected Tensor RegisterParameter(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckName("RegisterParameter", name, _parameters);
        if (!tensor.IsLeaf)
            throw new ArgumentException($"{TypeName}.RegisterParameter: '{name}' must be a leaf tensor, got one computed by {tensor.GradFn}; pass tensor.Detach().", nameof(tensor));
        if (!tensor.DType.IsFloatingPoint())
            throw new ArgumentException($"{TypeName}.RegisterParameter: '{name}' must be float32 or float64, got {ShapeUtil.Describe(tensor)}.", nameof(tensor));
        tensor.RequiresGrad = true;
        _parameters[name] = tensor;
        return tensor;
    }

    /// <summary>
    /// Replaces this module's parameter <paramref name="name"/> by <paramref name="tensor"/>, which must have the same
    /// shape and dtype: how one parameter is shared between layers (tying a decoder's weight to an embedding's). The
    /// tensor is registered as by <see cref="RegisterParameter"/>; a tensor registered in two modules appears once in
    /// <see cref="Parameters"/> and accumulates the gradients of both uses. Returns the tensor.
    /// </summary>
    /// <param name="name">The name of a parameter this module has.</param>
    /// <param name="tensor">A floating-point leaf tensor of the parameter's shape and dtype.</param>
    protected Tensor ReplaceParameter(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!_parameters.TryGetValue(name, out var old))
            throw new ArgumentException($"{TypeName}: no parameter named '{name}' to replace; register one with RegisterParameter.", nameof(name));
        if (!ShapeUtil.SameShape(old.ShapeSpan, tensor.ShapeSpan) || old.DType != tensor.DType)
            throw new ArgumentException($"{TypeName}: parameter '{name}' is {ShapeUtil.Describe(old)}; it cannot be replaced by {ShapeUtil.Describe(tensor)}.", nameof(tensor));
        return RegisterParameter(name, tensor);
    }

    /// <summary>
    /// Registers <paramref name="tensor"/> as a buffer: module state that is not trained (running statistics,
    /// masks). Persistent buffers are part of <see cref="StateDict"/>. Registering a name again replaces the buffer.
    /// Returns the tensor.
    /// </summary>
    /// <param name="name">A non-empty name without dots, unique among this module's parameters, buffers and children.</param>
    /// <param name="tensor">The buffer; it should not require grad.</param>
    /// <param name="persistent">Whether <see cref="StateDict"/> and <see cref="LoadStateDict"/> include it.</param>
    protected Tensor RegisterBuffer(string name, Tensor tensor, bool persistent = true)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckName("RegisterBuffer", name, _buffers);
        if (tensor.RequiresGrad)
            throw new ArgumentException($"{TypeName}.RegisterBuffer: buffer '{name}' requires grad; register trainable tensors with RegisterParameter.", nameof(tensor));
        _buffers[name] = tensor;
        if (persistent) _nonPersistentBuffers.Remove(name);
        else _nonPersistentBuffers.Add(name);
        return tensor;
    }

    /// <summary>
    /// Registers the learned scale <c>weight</c> (ones) and shift <c>bias</c> (zeros) of <paramref name="shape"/> that
    /// the normalisation layers apply after normalising.
    /// </summary>
    private protected void RegisterAffine(int[] shape, DType dtype)
    {
        RegisterParameter("weight", Tensor.Ones(shape, dtype));
        RegisterParameter("bias", Tensor.Zeros(shape, dtype));
    }

    /// <summary>Registers <paramref name="module"/> as a child called <paramref name="name"/> and returns it.</summary>
    /// <param name="name">A non-empty name without dots, unique among this module's parameters, buffers and children.</param>
    /// <param name="module">The child module.</param>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckName("RegisterModule", name, _modules);
        if (ReferenceEquals(module, this))
            throw new ArgumentException($"{TypeName}.RegisterModule: a module cannot be its own child ('{name}').", nameof(module));
        _modules[name] = module;
        return module;
    }

    private void CheckName<T>(string op, string name, OrderedDictionary<string, T> own)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Contains('.'))
            throw new ArgumentException($"{TypeName}.{op}: the name must be non-empty and contain no '.', got '{name}'.", nameof(name));
        bool taken = (_parameters.ContainsKey(name) && !ReferenceEquals(own, _parameters))
            || (_buffers.ContainsKey(name) && !ReferenceEquals(own, _buffers))
            || (_modules.ContainsKey(name) && !ReferenceEquals(own, _modules));
        if (taken)
            throw new ArgumentException($"{TypeName}.{op}: '{name}' is already registered as a different kind of member (parameter, buffer or module).", nameof(name));
    }

    /// <summary>This module's own parameter called <paramref name="name"/>.</summary>
    /// <param name="name">The name it was registered under.</param>
    public Tensor GetParameter(string name) =>
        _parameters.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"{TypeName}: no parameter named '{name}'.");

    /// <summary>This module's own buffer called <paramref name="name"/>.</summary>
    /// <param name="name">The name it was registered under.</param>
    public Tensor GetBuffer(string name) =>
        _buffers.TryGetValue(name, out var b) ? b : throw new KeyNotFoundException($"{TypeName}: no buffer named '{name}'.");

    /// <summary>This module's own buffer called <paramref name="name"/>, or null when it has none.</summary>
    /// <param name="name">The name it was registered under.</param>
    protected Tensor? TryGetBuffer(string name) => _buffers.TryGetValue(name, out var b) ? b : null;

    /// <summary>This module's own parameter called <paramref name="name"/>, or null when it has none (e.g. a layer built without bias).</summary>
    /// <param name="name">The name it was registered under.</param>
    protected Tensor? TryGetParameter(string name) => _parameters.TryGetValue(name, out var p) ? p : null;

    /// <summary>All parameters of this module and its descendants, each once, in registration order.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>All parameters with dotted names such as <c>fc1.weight</c>, each tensor once, in registration order.</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters() => NamedTensors(m => m._parameters);

    /// <summary>All buffers of this module and its descendants, each once.</summary>
    public IEnumerable<Tensor> Buffers() => NamedBuffers().Select(b => b.Buffer);

    /// <summary>All buffers with dotted names such as <c>bn.running_mean</c>, each tensor once.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers() => NamedTensors(m => m._buffers);

    private IEnumerable<(string, Tensor)> NamedTensors(Func<Module, OrderedDictionary<string, Tensor>> select)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var (name, tensor) in select(module))
                if (seen.Add(tensor)) yield return (Join(prefix, name), tensor);
        }
    }

    /// <summary>
    /// Puts <paramref name="module"/> in the place of the child <paramref name="name"/> (what PyTorch's
    /// <c>setattr(parent, name, module)</c> does), for conversions that swap layers in a built model. Besides the
    /// registration, every field of this module that refers to the old child is pointed at the new one: a field
    /// holding it, or an element of an array or list field (the containers' layer lists). A field whose declared
    /// type cannot hold the new module is refused, naming it.
    /// </summary>
    internal void ReplaceChild(string name, Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!_modules.TryGetValue(name, out var old))
            throw new ArgumentException($"{TypeName}: no child module named '{name}' to replace.", nameof(name));
        var fields = new List<(System.Reflection.FieldInfo Field, int Index)>();
        foreach (var field in InstanceFields(GetType()))
        {
            var value = field.GetValue(this);
            if (ReferenceEquals(value, old))
            {
                fields.Add((field, -1));
            }
            else if (value is System.Collections.IList list && !list.IsReadOnly)
            {
                for (int i = 0; i < list.Count; i++)
                {
                    if (ReferenceEquals(list[i], old)) fields.Add((field, i));
                }
            }
        }
        foreach (var (field, index) in fields)
        {
            var holder = field.GetValue(this)!.GetType();
            var elementType = index < 0 ? field.FieldType
                : holder.IsArray ? holder.GetElementType()!
                : holder.IsGenericType && holder.GetGenericArguments().Length == 1 ? holder.GetGenericArguments()[0]
                : typeof(object);
            if (!elementType.IsInstanceOfType(module))
            {
                throw new InvalidOperationException(
                    $"{TypeName}: cannot replace child '{name}' ({old.GetType().Name}) by a {module.GetType().Name}: field {field.DeclaringType!.Name}.{field.Name} holds it as {elementType.Name}; declare the field as Module (or a base type of both).");
            }
        }
        _modules[name] = module;
        foreach (var (field, index) in fields)
        {
            if (index < 0) field.SetValue(this, module);
            else ((System.Collections.IList)field.GetValue(this)!)[index] = module;
        }
    }

    /// <summary>The instance fields declared by <paramref name="type"/> and its bases below <see cref="Module"/>.</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2070",
        Justification = "A field the trimmer removed is one no code reads, so the module's behaviour does not depend on what it holds.")]
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2075",
        Justification = "A field the trimmer removed is one no code reads, so the module's behaviour does not depend on what it holds.")]
    private static IEnumerable<System.Reflection.FieldInfo> InstanceFields(Type type)
    {
        const System.Reflection.BindingFlags Own = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public
            | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.DeclaredOnly;
        for (var t = type; t is not null && t != typeof(Module); t = t.BaseType)
        {
            foreach (var field in t.GetFields(Own)) yield return field;
        }
    }

    /// <summary>The direct children, in registration order.</summary>
    public IEnumerable<Module> Children() => _modules.Values;

    /// <summary>The direct children with their names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _modules.Select(kv => (kv.Key, kv.Value));

    /// <summary>This module and all its descendants, each once, depth first in registration order.</summary>
    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>
    /// This module (named "") and all its descendants with dotted names such as <c>encoder.0</c>, each module
    /// once, depth first in registration order.
    /// </summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(string, Module)>();
        stack.Push(("", this));
        while (stack.Count > 0)
        {
            var (name, module) = stack.Pop();
            if (!seen.Add(module)) continue;
            yield return (name, module);
            for (int i = module._modules.Count - 1; i >= 0; i--)
            {
                var (childName, child) = module._modules.GetAt(i);
                stack.Push((Join(name, childName), child));
            }
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>Sets training mode on this module and all descendants; returns this module.</summary>
    /// <param name="mode">True for training, false for evaluation.</param>
    public Module Train(bool mode = true)
    {
        foreach (var m in Modules()) m.IsTraining = mode;
        return this;
    }

    /// <summary>Sets evaluation mode (<c>Train(false)</c>) on this module and all descendants; returns this module.</summary>
    public Module Eval() => Train(false);

    /// <summary>Resets the gradient of every parameter to null (PyTorch's <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }

    /// <summary>Sets <see cref="Tensor.RequiresGrad"/> on every parameter, to freeze (false) or unfreeze (true) the module (PyTorch's <c>requires_grad_</c>); returns this module.</summary>
    /// <param name="requiresGrad">Whether the parameters are trained.</param>
    public Module SetRequiresGrad(bool requiresGrad = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>The number of parameter elements, counting each tensor once.</summary>
    /// <param name="trainableOnly">Count only parameters that require grad.</param>
    public long ParameterCount(bool trainableOnly = false) =>
        Parameters().Where(p => !trainableOnly || p.RequiresGrad).Sum(p => (long)p.Numel);

    /// <summary>Calls <paramref name="fn"/> on every descendant and then on this module (as <c>nn.Module.apply</c>, e.g. for custom initialisation); returns this module.</summary>
    /// <param name="fn">The action to run on each module.</param>
    public Module Apply(Action<Module> fn)
    {
        ArgumentNullException.ThrowIfNull(fn);
        foreach (var child in _modules.Values) child.Apply(fn);
        fn(this);
        return this;
    }

    /// <summary>
    /// Converts every floating-point parameter and buffer to <paramref name="dtype"/> by replacing the registered
    /// tensors (integer buffers such as <c>num_batches_tracked</c> keep their type). Parameters stay leaves, keep
    /// their <see cref="Tensor.RequiresGrad"/> flag and have their gradients converted. Call it before creating an
    /// optimizer, which holds references to the parameter tensors. Returns this module.
    /// </summary>
    /// <param name="dtype">Float32 or Float64.</param>
    public Module To(DType dtype)
    {
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"{TypeName}.To: modules can only be converted to a floating-point dtype, got {dtype.Name()}.", nameof(dtype));
        var converted = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        using var noGrad = Autograd.NoGrad();
        foreach (var module in Modules())
        {
            for (int i = 0; i < module._parameters.Count; i++)
            {
                var p = module._parameters.GetAt(i).Value;
                if (p.DType == dtype) continue;
                if (!converted.TryGetValue(p, out var q))
                {
                    q = p.To(dtype).Contiguous();
                    q.RequiresGrad = p.RequiresGrad;
                    q.Grad = p.Grad?.To(dtype);
                    converted[p] = q;
                }
                module._parameters.SetAt(i, q);
            }
            for (int i = 0; i < module._buffers.Count; i++)
            {
                var b = module._buffers.GetAt(i).Value;
                if (b.DType == dtype || !b.DType.IsFloatingPoint()) continue;
                if (!converted.TryGetValue(b, out var q)) converted[b] = q = b.To(dtype);
                module._buffers.SetAt(i, q);
            }
        }
        return this;
    }

    /// <summary>
    /// The module's state: every parameter and persistent buffer under its dotted name, in registration order,
    /// each module's parameters then its buffers then its children. The tensors are detached views sharing the
    /// module's storage (copy them to snapshot).
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var state = new OrderedDictionary<string, Tensor>();
        foreach (var (name, tensor) in StateEntries()) state[name] = tensor.Detach();
        return state;
    }

    private List<(string Name, Tensor Tensor)> StateEntries()
    {
        var entries = new List<(string, Tensor)>();
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var (name, p) in module._parameters) entries.Add((Join(prefix, name), p));
            foreach (var (name, b) in module._buffers)
                if (!module._nonPersistentBuffers.Contains(name)) entries.Add((Join(prefix, name), b));
        }
        return entries;
    }

    /// <summary>
    /// Copies the tensors of <paramref name="stateDict"/> into this module's parameters and persistent buffers,
    /// in place (so optimizers keep working). Nothing is copied unless every entry checks out. A shape mismatch is
    /// always an error. With <paramref name="strict"/> a missing key, an unexpected key or a dtype mismatch is an
    /// error too; otherwise missing and unexpected keys are reported in the result and values are converted to the
    /// module's dtype. A NaN or infinite value in a floating-point tensor is an error too, naming the tensor and the
    /// element, unless <paramref name="allowNonFinite"/>: weights that are not numbers would only make every output NaN.
    /// </summary>
    /// <param name="stateDict">Names (as produced by <see cref="StateDict"/>) to tensors.</param>
    /// <param name="strict">Require exactly this module's keys and dtypes.</param>
    /// <param name="allowNonFinite">Accept NaN and infinite values (a buffer that holds −∞ on purpose, for instance).</param>
    /// <exception cref="ArgumentException">The state does not fit this module; the message lists every problem.</exception>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var entries = StateEntries();
        var own = new HashSet<string>(entries.Select(e => e.Name));
        var missing = new List<string>();
        var errors = new List<string>();
        foreach (var (name, tensor) in entries)
        {
            if (!stateDict.TryGetValue(name, out var source)) { missing.Add(name); continue; }
            if (!ShapeUtil.SameShape(source.ShapeSpan, tensor.ShapeSpan))
                errors.Add($"size mismatch for '{name}': expected {ShapeUtil.Describe(tensor)}, found {ShapeUtil.Describe(source)}");
            else if (source.DType != tensor.DType && (strict || source.DType.IsFloatingPoint() != tensor.DType.IsFloatingPoint()))
                errors.Add($"dtype mismatch for '{name}': expected {ShapeUtil.Describe(tensor)}, found {ShapeUtil.Describe(source)}");
            else if (!allowNonFinite && NonFinite(source) is { } problem)
                errors.Add($"'{name}' {problem}; the values must be finite (pass allowNonFinite: true to accept NaN and infinities)");
        }
        var unexpected = stateDict.Keys.Where(k => !own.Contains(k)).ToList();
        if (strict)
        {
            if (missing.Count > 0) errors.Insert(0, "missing keys: " + string.Join(", ", missing.Select(k => $"'{k}'")));
            if (unexpected.Count > 0) errors.Insert(missing.Count > 0 ? 1 : 0, "unexpected keys: " + string.Join(", ", unexpected.Select(k => $"'{k}'")));
        }
        if (errors.Count > 0)
            throw new ArgumentException($"{TypeName}.LoadStateDict: error(s) in loading the state dict:\n  " + string.Join("\n  ", errors), nameof(stateDict));

        using (Autograd.NoGrad())
        {
            foreach (var (name, tensor) in entries)
            {
                if (stateDict.TryGetValue(name, out var source) && !ReferenceEquals(source, tensor))
                    tensor.CopyFrom(source);
            }
        }
        return new LoadStateDictResult(missing, unexpected);
    }

    /// <summary>Where a floating-point tensor first holds NaN or ±∞, as a phrase for a message; null when it is finite.</summary>
    private static string? NonFinite(Tensor t)
    {
        if (!t.DType.IsFloatingPoint()) return null;
        var values = t.ToDoubleArray();
        int bad = Array.FindIndex(values, v => !double.IsFinite(v));
        if (bad < 0) return null;
        string what = double.IsNaN(values[bad]) ? "NaN" : values[bad] > 0 ? "+Inf" : "-Inf";
        return $"holds {what} at index {ShapeUtil.Format(ShapeUtil.Unravel(bad, t.ShapeSpan))}";
    }

    /// <summary>
    /// The layer's settings shown inside the parentheses of <see cref="ToString"/>, like PyTorch's
    /// <c>extra_repr</c> (e.g. <c>in_features=784, out_features=256, bias=True</c>); empty by default.
    /// </summary>
    public virtual string ExtraRepr() => "";

    /// <summary>The name printed by <see cref="ToString"/>: the class name.</summary>
    protected virtual string TypeName
    {
        get
        {
            string name = GetType().Name;
            int tick = name.IndexOf('`');
            return tick < 0 ? name : name[..tick];
        }
    }

    /// <summary>The module tree as PyTorch prints it: each child as <c>(name): Child(...)</c>, indented by two spaces.</summary>
    public override string ToString()
    {
        var lines = new List<string>();
        string extra = ExtraRepr();
        var extraLines = extra.Length == 0 ? [] : extra.Split('\n');
        lines.AddRange(extraLines);
        foreach (var (name, child) in _modules)
            lines.Add($"({name}): " + child.ToString().Replace("\n", "\n  "));
        var sb = new StringBuilder(TypeName).Append('(');
        if (extraLines.Length == 1 && _modules.Count == 0) sb.Append(extraLines[0]);
        else if (lines.Count > 0) sb.Append("\n  ").AppendJoin("\n  ", lines).Append('\n');
        return sb.Append(')').ToString();
    }

    /// <summary>
    /// A table of every parameter (dotted name, shape, dtype, element count, whether it is trained) followed by
    /// the total and trainable counts, for inspecting a model's size.
    /// </summary>
    public string Summary()
    {
        var rows = NamedParameters()
            .Select(p => (p.Name, Shape: ShapeUtil.Format(p.Parameter.ShapeSpan), DType: p.Parameter.DType.Name(),
                Count: p.Parameter.Numel.ToString("N0", CultureInfo.InvariantCulture), Trained: p.Parameter.RequiresGrad ? "yes" : "no"))
            .ToList();
        int nameWidth = rows.Select(r => r.Name.Length).Append("parameter".Length).Max();
        int shapeWidth = rows.Select(r => r.Shape.Length).Append("shape".Length).Max();
        int countWidth = rows.Select(r => r.Count.Length).Append("count".Length).Max();
        var sb = new StringBuilder();
        sb.Append("parameter".PadRight(nameWidth)).Append("  ").Append("shape".PadRight(shapeWidth)).Append("  dtype    ")
          .Append("count".PadLeft(countWidth)).Append("  trained\n");
        foreach (var r in rows)
        {
            sb.Append(r.Name.PadRight(nameWidth)).Append("  ").Append(r.Shape.PadRight(shapeWidth)).Append("  ").Append(r.DType.PadRight(7))
              .Append("  ").Append(r.Count.PadLeft(countWidth)).Append("  ").Append(r.Trained).Append('\n');
        }
        sb.Append(CultureInfo.InvariantCulture, $"Total parameters: {ParameterCount():N0} (trainable {ParameterCount(trainableOnly: true):N0})");
        return sb.ToString();
    }
}

/// <summary>The keys that <see cref="Module.LoadStateDict"/> did not match when called with <c>strict: false</c>.</summary>
/// <param name="MissingKeys">The module's keys absent from the state dict (left unchanged).</param>
/// <param name="UnexpectedKeys">The state dict's keys that the module does not have (ignored).</param>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
