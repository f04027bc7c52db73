namespace Nabla.Optim;

/// <summary>
/// The base of every optimizer, the counterpart of <c>torch.optim.Optimizer</c>: parameter groups with
/// their own options, per-parameter state, <see cref="ZeroGrad"/>, <see cref="Step()"/> and a state dict.
/// A training step is
/// <code>
/// opt.ZeroGrad();
/// loss.Backward();
/// opt.Step();
/// </code>
/// A derived optimizer validates its options record, then implements <see cref="Step()"/> by visiting
/// <see cref="ParametersWithGrad{TOptions}"/> inside <c>Autograd.NoGrad()</c>.
/// </summary>
public abstract class Optimizer
{
    private readonly List<ParamGroup> _paramGroups = [];
    private readonly HashSet<Tensor> _parameters = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, ParameterState> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>The state buffers that are 0-d float32 scalars rather than tensors of the parameter's shape.</summary>
    private static readonly HashSet<string> ScalarBuffers = new(StringComparer.Ordinal) { "mu_product" };

    /// <summary>An optimizer over one group holding <paramref name="parameters"/>, with the options <paramref name="defaults"/>.</summary>
    protected Optimizer(IEnumerable<Tensor> parameters, OptimizerOptions defaults)
        : this([new ParamGroup(parameters)], defaults)
    {
    }

    /// <summary>
    /// An optimizer over several groups; a group's unspecified options come from <paramref name="defaults"/>,
    /// which are validated first.
    /// </summary>
    protected Optimizer(IEnumerable<ParamGroup> paramGroups, OptimizerOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(paramGroups);
        ArgumentNullException.ThrowIfNull(defaults);
        defaults.Validate();
        Defaults = defaults;
        foreach (var group in paramGroups) AddParamGroup(group);
        if (_parameters.Count == 0)
            throw new ArgumentException($"{Name}: optimizer got an empty parameter list.", nameof(paramGroups));
    }

    /// <summary>The options a new group starts from (PyTorch's <c>optimizer.defaults</c>).</summary>
    public OptimizerOptions Defaults { get; }

    /// <summary>The parameter groups, in the order they were added.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _paramGroups;

    /// <summary>Whether the optimizer takes more than one parameter group (all but <see cref="LBFGS"/> do).</summary>
    private protected virtual bool SupportsParamGroups => true;

    /// <summary>The optimizer's name in messages.</summary>
    protected string Name => GetType().Name;

    /// <summary>
    /// The learning rate of the first group; setting it sets every group's. Schedules set groups one by one
    /// through <see cref="ParamGroup.LearningRate"/>.
    /// </summary>
    public double LearningRate
    {
        get => _paramGroups[0].LearningRate;
        set
        {
            foreach (var group in _paramGroups) group.LearningRate = value;
        }
    }

    /// <summary>
    /// Adds a group, for example to train layers that were frozen so far. Its parameters must be
    /// floating-point leaves that are in no other group.
    /// </summary>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.IsAttached)
            throw new ArgumentException($"{Name}: the parameter group already belongs to an optimizer.", nameof(group));
        if (_paramGroups.Count > 0 && !SupportsParamGroups)
            throw new ArgumentException($"{Name}: doesn't support per-parameter options (parameter groups); all parameters form one group.", nameof(group));
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < group.Parameters.Count; i++)
        {
            var p = group.Parameters[i] ?? throw new ArgumentException($"{Name}: parameter {i} of the group is null.", nameof(group));
            if (!p.DType.IsFloatingPoint())
                throw new ArgumentException($"{Name}: can only optimize floating-point tensors, but parameter {i} of the group is {ShapeUtil.Describe(p)}.", nameof(group));
            if (!p.IsLeaf)
                throw new ArgumentException($"{Name}: can't optimize a non-leaf tensor (parameter {i} of the group, {ShapeUtil.Describe(p)}, was computed by {p.GradFn}).", nameof(group));
            if (!seen.Add(p))
                throw new ArgumentException($"{Name}: the parameter group contains parameter {i} ({ShapeUtil.Describe(p)}) more than once.", nameof(group));
            if (_parameters.Contains(p))
                throw new ArgumentException($"{Name}: some parameters appear in more than one parameter group (parameter {i}, {ShapeUtil.Describe(p)}).", nameof(group));
        }
        group.Attach(Name, Defaults);
        _paramGroups.Add(group);
        _parameters.UnionWith(group.Parameters);
    }

    /// <summary>
    /// Clears the gradients of every parameter before the next backward pass, which would otherwise
    /// add to them. With <paramref name="setToNone"/> (the default) the gradients become null, which
    /// also makes the next <see cref="Step()"/> skip parameters that get no gradient; otherwise they are zeroed in place.
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        using var noGrad = Autograd.NoGrad();
        foreach (var group in _paramGroups)
        {
            foreach (var p in group.Parameters)
            {
                if (setToNone) p.Grad = null;
                else p.Grad?.Zero();
            }
        }
    }

    /// <summary>Applies one update to every parameter whose gradient is not null.</summary>
    public abstract void Step();

    /// <summary>
    /// The closure form of a step, as <c>optimizer.step(closure)</c> in PyTorch: evaluates <paramref name="closure"/>
    /// with gradients enabled (it should zero the gradients, compute the loss, call <c>Backward()</c> and return the
    /// loss), applies one update and returns the loss. <see cref="LBFGS"/> calls the closure several times per step.
    /// </summary>
    public virtual Tensor Step(Func<Tensor> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        Tensor loss;
        using (Autograd.EnableGrad())
            loss = closure() ?? throw new InvalidOperationException($"{Name}.Step: the closure returned null; it must return the loss.");
        Step();
        return loss;
    }

    /// <summary>
    /// The parameters that have a gradient, group by group, with the group's options, the gradient
    /// (checked against the parameter's shape and dtype, and contiguous) and the parameter's state.
    /// </summary>
    protected IEnumerable<(TOptions Options, Tensor Param, Tensor Grad, ParameterState State)> ParametersWithGrad<TOptions>()
        where TOptions : OptimizerOptions
    {
        int index = 0;
        foreach (var group in _paramGroups)
        {
            var options = (TOptions)group.Options;
            foreach (var p in group.Parameters)
            {
                var grad = p.Grad;
                if (grad is not null)
                {
                    if (grad.DType != p.DType || !ShapeUtil.SameShape(grad.ShapeSpan, p.ShapeSpan))
                        throw new InvalidOperationException($"{Name}.Step: parameter {index} is {ShapeUtil.Describe(p)} but its gradient is {ShapeUtil.Describe(grad)}.");
                    if (!_state.TryGetValue(p, out var state)) _state[p] = state = new ParameterState();
                    yield return (options, p, grad.Materialize(), state);
                }
                index++;
            }
        }
    }

    /// <summary>The buffer <paramref name="name"/> of a parameter's state, created filled with <paramref name="initialValue"/> on first use.</summary>
    protected static Tensor Buffer(ParameterState state, string name, Tensor param, double initialValue = 0)
    {
        if (!state.Buffers.TryGetValue(name, out var buffer))
        {
            // The first step usually runs inside a training step's TensorScope, which must not reclaim state that lives for the whole run.
            using var persistent = TensorScope.Suspend();
            buffer = initialValue == 0 ? Tensor.ZerosLike(param) : Tensor.FullLike(param, initialValue);
            state.Buffers[name] = buffer;
        }
        return buffer;
    }

    /// <summary>
    /// A snapshot of the options of every group and the state of every parameter, keyed by parameter
    /// index (PyTorch's <c>state_dict()</c>).
    /// </summary>
    public OptimizerStateDict StateDict()
    {
        var groups = new List<ParamGroupState>();
        var state = new Dictionary<int, ParameterState>();
        int index = 0;
        foreach (var group in _paramGroups)
        {
            var indices = new int[group.Parameters.Count];
            for (int i = 0; i < indices.Length; i++, index++)
            {
                indices[i] = index;
                if (_state.TryGetValue(group.Parameters[i], out var s)) state[index] = s.Clone();
            }
            groups.Add(new ParamGroupState(group.Options, indices, group.InitialLearningRate));
        }
        return new OptimizerStateDict(groups, state);
    }

    /// <summary>
    /// Restores a snapshot made by <see cref="StateDict"/> of an optimizer of the same kind over parameters
    /// of the same shapes, group by group. Buffers are copied and converted to each parameter's dtype.
    /// Everything is checked before anything changes.
    /// </summary>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        string op = $"{Name}.LoadStateDict";
        if (stateDict.ParamGroups.Count != _paramGroups.Count)
            throw new ArgumentException($"{op}: the state dict has {stateDict.ParamGroups.Count} parameter groups but the optimizer has {_paramGroups.Count}.", nameof(stateDict));
        var byIndex = new Dictionary<int, Tensor>();
        for (int g = 0; g < _paramGroups.Count; g++)
        {
            var saved = stateDict.ParamGroups[g];
            var group = _paramGroups[g];
            if (saved.Params.Count != group.Parameters.Count)
                throw new ArgumentException($"{op}: parameter group {g} has {saved.Params.Count} parameters in the state dict but {group.Parameters.Count} in the optimizer.", nameof(stateDict));
            if (saved.Options.GetType() != Defaults.GetType())
                throw new ArgumentException($"{op}: parameter group {g} holds {saved.Options.GetType().Name}, expected {Defaults.GetType().Name}.", nameof(stateDict));
            saved.Options.Validate();
            for (int i = 0; i < saved.Params.Count; i++)
            {
                if (!byIndex.TryAdd(saved.Params[i], group.Parameters[i]))
                    throw new ArgumentException($"{op}: parameter index {saved.Params[i]} appears twice in the state dict's groups.", nameof(stateDict));
            }
        }
        var restored = new Dictionary<Tensor, ParameterState>(ReferenceEqualityComparer.Instance);
        foreach (var (index, saved) in stateDict.State)
        {
            if (!byIndex.TryGetValue(index, out var p))
                throw new ArgumentException($"{op}: the state dict has state for parameter {index}, but its groups list no such parameter.", nameof(stateDict));
            var state = new ParameterState { Step = saved.Step };
            foreach (var (name, buffer) in saved.Buffers)
            {
                // A buffer has the parameter's shape, or is a 0-d scalar of its own dtype (NAdam's mu_product).
                bool scalar = ScalarBuffers.Contains(name);
                if (scalar && (buffer.Rank != 0 || buffer.DType != DType.Float32))
                    throw new ArgumentException($"{op}: buffer '{name}' of parameter {index} is {ShapeUtil.Describe(buffer)} but must be a 0-d float32 tensor.", nameof(stateDict));
                if (!scalar && !ShapeUtil.SameShape(buffer.ShapeSpan, p.ShapeSpan))
                    throw new ArgumentException($"{op}: buffer '{name}' of parameter {index} has shape {ShapeUtil.Format(buffer.ShapeSpan)} but the parameter has shape {ShapeUtil.Format(p.ShapeSpan)}.", nameof(stateDict));
                state.Buffers[name] = (buffer.DType == p.DType || scalar ? buffer.Detach() : Dispatch.Elementwise.Cast(buffer, p.DType)).Copy();
            }
            restored[p] = state;
        }
        for (int g = 0; g < _paramGroups.Count; g++)
        {
            _paramGroups[g].Options = stateDict.ParamGroups[g].Options;
            _paramGroups[g].InitialLearningRate = stateDict.ParamGroups[g].InitialLearningRate;
        }
        _state.Clear();
        foreach (var (p, s) in restored) _state[p] = s;
    }
}
