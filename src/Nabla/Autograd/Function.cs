namespace Nabla;

/// <summary>
/// A differentiable operation of your own, with its own forward and backward: the counterpart of
/// <c>torch.autograd.Function</c>. Derive from it, compute the output in <see cref="Forward"/> (which runs without
/// recording a graph, so only this one op is recorded), save what the derivative needs on the context, and return one
/// gradient per input from <see cref="Backward"/>:
/// <code>
/// sealed class LegendrePolynomial3 : Function
/// {
///     protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs)
///     {
///         ctx.SaveForBackward(inputs[0]);
///         return 0.5 * (5 * inputs[0].Pow(3) - 3 * inputs[0]);
///     }
///
///     protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
///     {
///         var x = ctx.SavedTensors[0];
///         return [gradOutput * 1.5 * (5 * x.Square() - 1)];
///     }
/// }
///
/// var y = new LegendrePolynomial3().Apply(x);
/// </code>
/// Non-tensor arguments are the derived class's constructor parameters (one instance may be applied many times; each
/// call has a context of its own). When <see cref="Backward"/> is written with tensor ops it is itself recorded under
/// <c>createGraph: true</c>, so gradients of gradients flow through it; <see cref="GradCheck"/> verifies both.
/// A function with several outputs derives from <see cref="MultiOutputFunction"/>.
/// </summary>
public abstract class Function
{
    /// <summary>The name the op has in the graph (<see cref="Tensor.GradFn"/>, graph exports, error messages): the class name by default.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>
    /// Applies the function: runs <see cref="Forward"/> and, when grad mode is on and an input requires grad, records
    /// one node whose backward is <see cref="Backward"/>.
    /// </summary>
    public Tensor Apply(params Tensor[] inputs) => FunctionNode.Apply(this, inputs)[0];

    /// <summary>Computes the output from <paramref name="inputs"/>; runs with grad mode off. Save what <see cref="Backward"/> needs on <paramref name="ctx"/>.</summary>
    protected abstract Tensor Forward(FunctionContext ctx, Tensor[] inputs);

    /// <summary>
    /// The gradient of each input given the gradient of the output: exactly one entry per input, null where there
    /// is none (an index, or an input whose <see cref="FunctionContext.NeedsInputGrad"/> is false). A gradient may
    /// have a shape that broadcasts to its input's; it is summed back to the input's shape.
    /// </summary>
    protected abstract Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput);

    internal Tensor[] RunForward(FunctionContext ctx, Tensor[] inputs) => [Forward(ctx, inputs)];

    internal Tensor?[] RunBackward(FunctionContext ctx, Tensor[] gradOutputs) => Backward(ctx, gradOutputs[0]);
}

/// <summary>
/// A user-defined differentiable operation with several outputs (PyTorch's <c>torch.autograd.Function</c> returning a
/// tuple). <see cref="Backward"/> receives one gradient per output, zeros for an output the loss does not use.
/// Outputs that carry no gradient (indices, counts) are named with <see cref="FunctionContext.MarkNonDifferentiable"/>,
/// and integer outputs never carry one. Differentiable outputs share one floating-point dtype.
/// </summary>
public abstract class MultiOutputFunction
{
    /// <summary>The name the op has in the graph: the class name by default.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>Applies the function: runs <see cref="Forward"/> and records one node for all of its outputs.</summary>
    public Tensor[] Apply(params Tensor[] inputs) => FunctionNode.Apply(this, inputs);

    /// <summary>Computes the outputs from <paramref name="inputs"/>; runs with grad mode off.</summary>
    protected abstract Tensor[] Forward(FunctionContext ctx, Tensor[] inputs);

    /// <summary>The gradient of each input given one gradient per output (see <see cref="Function.Backward"/>).</summary>
    protected abstract Tensor?[] Backward(FunctionContext ctx, Tensor[] gradOutputs);

    internal Tensor[] RunForward(FunctionContext ctx, Tensor[] inputs) => Forward(ctx, inputs);

    internal Tensor?[] RunBackward(FunctionContext ctx, Tensor[] gradOutputs) => Backward(ctx, gradOutputs);
}

/// <summary>
/// What one application of a <see cref="Function"/> keeps between its forward and backward passes (PyTorch's
/// <c>ctx</c>): the saved tensors, other values, and which inputs need a gradient.
/// </summary>
public sealed class FunctionContext
{
    private readonly string _name;
    private Tensor[] _saved = [];
    private int[] _savedVersions = [];
    private bool _sealed;
    private bool _released;
    private readonly List<Tensor> _nonDifferentiable = [];

    internal FunctionContext(string name, bool[] needsInputGrad)
    {
        _name = name;
        NeedsInputGrad = needsInputGrad;
    }

    /// <summary>For each input, whether backward must compute its gradient (it requires grad and grad mode was on).</summary>
    public IReadOnlyList<bool> NeedsInputGrad { get; }

    /// <summary>Non-tensor values for backward: sizes, constants, flags (PyTorch's <c>ctx.some_value = ...</c>).</summary>
    public Dictionary<string, object?> Values { get; } = [];

    /// <summary>
    /// Keeps tensors (inputs or outputs of this call) for backward. Call it in forward only. A tensor changed in place
    /// after the forward pass makes <see cref="SavedTensors"/> fail, as the engine's own saved values do.
    /// </summary>
    public void SaveForBackward(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (_sealed) throw new InvalidOperationException($"{_name}: SaveForBackward may only be called in forward.");
        foreach (var t in tensors) ArgumentNullException.ThrowIfNull(t, nameof(tensors));
        _saved = [.. _saved, .. tensors];
    }

    /// <summary>The tensors given to <see cref="SaveForBackward"/>, in order; a saved output is the output as the graph knows it.</summary>
    public IReadOnlyList<Tensor> SavedTensors
    {
        get
        {
            if (_released)
            {
                throw new InvalidOperationException(
                    $"{_name}Backward: the saved tensors were freed after the first backward pass; pass retainGraph: true to backward through the graph twice.");
            }
            for (int i = 0; i < _saved.Length; i++)
            {
                if (_sealed && _saved[i].Storage.Version != _savedVersions[i])
                {
                    throw new InvalidOperationException(
                        $"{_name}Backward: saved tensor {i} of shape {ShapeUtil.Describe(_saved[i])} was modified by an in-place operation " +
                        $"(it is at version {_saved[i].Storage.Version}; expected version {_savedVersions[i]}).");
                }
            }
            return _saved;
        }
    }

    /// <summary>Declares outputs of forward that have no gradient (indices, masks): they are returned not requiring grad, and their gradients in backward are zeros.</summary>
    public void MarkNonDifferentiable(params Tensor[] outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (_sealed) throw new InvalidOperationException($"{_name}: MarkNonDifferentiable may only be called in forward.");
        _nonDifferentiable.AddRange(outputs);
    }

    internal bool IsNonDifferentiable(Tensor output) => _nonDifferentiable.Exists(t => ReferenceEquals(t, output));

    /// <summary>Fixes the saved tensors once forward is done: saved outputs become their recorded handles, versions are taken.</summary>
    internal void Seal(Tensor[] rawOutputs, Tensor[] recordedOutputs)
    {
        for (int i = 0; i < _saved.Length; i++)
        {
            int k = Array.FindIndex(rawOutputs, o => ReferenceEquals(o, _saved[i]));
            if (k >= 0) _saved[i] = recordedOutputs[k];
        }
        _savedVersions = Array.ConvertAll(_saved, t => t.Storage.Version);
        _sealed = true;
    }

    internal void Release()
    {
        _released = true;
        _saved = [];
    }
}

/// <summary>
/// The recorded node of one user function call (<see cref="OpKind.Custom"/>). A function with one differentiable
/// output records that output; with several, it records one flat tensor holding them all, and each output is a
/// recorded view of it, so the engine hands the node the sum of every output's gradient and the node splits it back.
/// </summary>
internal sealed class FunctionNode
{
    private readonly object _function;
    private readonly FunctionContext _context;
    private readonly (int[] Shape, DType DType)[] _outputs;
    private readonly int[] _differentiable;
    private readonly int _inputCount;

    private FunctionNode(object function, FunctionContext context, Tensor[] outputs, int[] differentiable, int inputCount)
    {
        _function = function;
        _context = context;
        _outputs = Array.ConvertAll(outputs, o => ((int[])o.ShapeArray.Clone(), o.DType));
        _differentiable = differentiable;
        _inputCount = inputCount;
    }

    public string Name => _function switch
    {
        Function f => f.Name,
        MultiOutputFunction m => m.Name,
        _ => _function.GetType().Name,
    };

    public static Tensor[] Apply(object function, Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        string name = function is Function f ? f.Name : ((MultiOutputFunction)function).Name;
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"{name}: input {i} is null.");

        bool record = Autograd.IsGradEnabled && Array.Exists(inputs, t => t.RequiresGrad);
        var context = new FunctionContext(name, Array.ConvertAll(inputs, t => record && t.RequiresGrad));
        Tensor[] outputs;
        using (Autograd.NoGrad())
        {
            outputs = function is Function single ? single.RunForward(context, inputs) : ((MultiOutputFunction)function).RunForward(context, inputs);
        }
        if (outputs is null || outputs.Length == 0) throw new InvalidOperationException($"{name}: forward returned no tensor.");
        for (int i = 0; i < outputs.Length; i++)
            if (outputs[i] is null) throw new InvalidOperationException($"{name}: forward returned null as output {i}.");

        if (!record)
        {
            // Nothing to record: PyTorch's apply under no_grad. Outputs are handles of their own, so that a function
            // returning its input never shares that input's identity.
            CheckpointFunction.Capture.Note(inputs);
            context.Release();
            return Array.ConvertAll(outputs, o => o.Detach());
        }

        var differentiable = Enumerable.Range(0, outputs.Length)
            .Where(k => outputs[k].DType.IsFloatingPoint() && !context.IsNonDifferentiable(outputs[k])).ToArray();
        var recorded = Array.ConvertAll(outputs, o => o.Detach());
        if (differentiable.Length > 0)
        {
            var dtype = outputs[differentiable[0]].DType;
            foreach (int k in differentiable)
            {
                if (outputs[k].DType != dtype)
                {
                    throw new InvalidOperationException(
                        $"{name}: differentiable outputs must share one dtype, but output {differentiable[0]} is {dtype.Name()} and output {k} is {outputs[k].DType.Name()}; " +
                        "convert them in forward or mark one non-differentiable.");
                }
            }

            var node = new FunctionNode(function, context, outputs, differentiable, inputs.Length);
            var op = new OpKind.Custom(node);
            if (differentiable.Length == 1)
            {
                int k = differentiable[0];
                recorded[k] = Tensor.Record(outputs[k].Detach(), op, inputs);
            }
            else
            {
                Tensor packed;
                using (Autograd.NoGrad()) packed = Tensor.Cat([.. differentiable.Select(k => outputs[k].Reshape(-1))], 0);
                packed = Tensor.Record(packed, op, inputs);
                int offset = 0;
                foreach (int k in differentiable)
                {
                    int n = outputs[k].Numel;
                    recorded[k] = packed.Narrow(0, offset, n).Reshape([.. outputs[k].ShapeArray]);
                    offset += n;
                }
            }
        }
        context.Seal(outputs, recorded);
        return recorded;
    }

    /// <summary>The inputs' gradients: the node's output gradient split per output, handed to the user's backward and checked.</summary>
    public Tensor?[] Backward(Node node, Tensor g)
    {
        var gradOutputs = new Tensor[_outputs.Length];
        int offset = 0;
        for (int k = 0; k < _outputs.Length; k++)
            if (!_differentiable.Contains(k)) gradOutputs[k] = Tensor.ZerosInternal(_outputs[k].Shape, _outputs[k].DType);
        if (_differentiable.Length == 1)
        {
            gradOutputs[_differentiable[0]] = g;
        }
        else
        {
            foreach (int k in _differentiable)
            {
                int n = ShapeUtil.Numel(_outputs[k].Shape);
                gradOutputs[k] = g.Narrow(0, offset, n).Reshape([.. _outputs[k].Shape]);
                offset += n;
            }
        }

        var grads = _function is Function f ? f.RunBackward(_context, gradOutputs) : ((MultiOutputFunction)_function).RunBackward(_context, gradOutputs);
        if (grads is null || grads.Length != _inputCount)
        {
            throw new InvalidOperationException(
                $"{Name}Backward: returned {(grads is null ? "null" : $"{grads.Length} gradients")}, but the function has {_inputCount} inputs; " +
                "return exactly one gradient (or null) per input.");
        }

        var result = new Tensor?[_inputCount];
        for (int i = 0; i < _inputCount; i++)
        {
            var grad = grads[i];
            var input = node.Inputs[i];
            if (grad is null || !input.RequiresGrad) continue;
            if (!ShapeUtil.SameShape(grad.ShapeSpan, input.ShapeSpan) && !BroadcastsTo(grad.ShapeSpan, input.ShapeSpan))
            {
                throw new InvalidOperationException(
                    $"{Name}Backward: the gradient of input {i} has shape {ShapeUtil.Describe(grad)}, which does not match the input {ShapeUtil.Describe(input)}.");
            }
            if (!grad.DType.IsFloatingPoint())
                throw new InvalidOperationException($"{Name}Backward: the gradient of input {i} is {grad.DType.Name()}; gradients are floating point.");
            result[i] = grad;
        }
        return result;
    }

    /// <summary>True when <paramref name="input"/> broadcasts to <paramref name="gradient"/>, so that summing the gradient recovers the input's shape.</summary>
    private static bool BroadcastsTo(ReadOnlySpan<int> gradient, ReadOnlySpan<int> input)
    {
        if (input.Length > gradient.Length) return false;
        int lead = gradient.Length - input.Length;
        for (int i = 0; i < input.Length; i++)
            if (input[i] != 1 && input[i] != gradient[lead + i]) return false;
        return true;
    }
}
