namespace Nabla;

/// <summary>
/// One recorded op of the computational graph: which primitive (with its arguments) produced a tensor, from which
/// inputs, and the storage versions of the inputs and of the output at that moment.
/// </summary>
internal sealed class Node
{
    public readonly OpKind Op;
    private readonly Tensor[] _inputs;
    private readonly int[] _versions;
    private readonly int _outputVersion;
    public bool Released;

    /// <summary>The stack trace of the forward call that recorded this op, kept only in <see cref="Autograd.DetectAnomaly"/> mode.</summary>
    public readonly string? ForwardTrace;

    /// <summary>The module call that recorded this op under an active <see cref="Viz.GraphCapture"/>; null outside a capture.</summary>
    public readonly Viz.ModuleCall? Scope;

    public Node(OpKind op, Tensor[] inputs, Tensor output)
    {
        Op = op;
        _inputs = inputs;
        _versions = new int[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) _versions[i] = inputs[i].Storage.Version;
        _outputVersion = output.Storage.Version;
        if (Autograd.IsAnomalyEnabled) ForwardTrace = Environment.StackTrace;
        Scope = Viz.GraphCapture.CurrentCall;
    }

    /// <summary>
    /// The node of an op computed out of place and then written into <paramref name="output"/> in place: the op and
    /// inputs of <paramref name="computed"/>, with the input versions it saw and the output's version after the write.
    /// </summary>
    public Node(Node computed, Tensor output)
    {
        Op = computed.Op;
        _inputs = computed.Inputs;
        _versions = computed._versions;
        _outputVersion = output.Storage.Version;
        ForwardTrace = computed.ForwardTrace;
        Scope = computed.Scope;
    }

    /// <summary>
    /// The tensors the op read. An input whose history an in-place write rebased afterwards is replaced, the first
    /// time it is asked for, by the handle that carries the history it had when this op read it.
    /// </summary>
    public Tensor[] Inputs
    {
        get
        {
            if (InPlaceHistory.AnyRebased)
            {
                for (int i = 0; i < _inputs.Length; i++)
                {
                    var input = _inputs[i];
                    if (input.ViewBase is not null) input.RefreshView();
                    if (input.History is not null) _inputs[i] = InPlaceHistory.AsOf(input, _versions[i]);
                }
            }
            return _inputs;
        }
    }

    public bool NeedsGrad(int i) => Inputs[i].RequiresGrad;

    /// <summary>The storage version of input <paramref name="i"/> when the op read it.</summary>
    public int InputVersion(int i) => _versions[i];

    /// <summary>An input whose value the derivative needs; fails if it was modified in place since the forward pass.</summary>
    public Tensor Saved(int i)
    {
        var t = Inputs[i];
        if (t.Storage.Version != _versions[i])
        {
            throw new InvalidOperationException(
                $"{Op}Backward: input {i} of shape {ShapeUtil.Describe(t)}, needed for gradient computation, was modified by an in-place operation " +
                $"(it is at version {t.Storage.Version}; expected version {_versions[i]}).");
        }

        return t;
    }

    /// <summary>The op's output, when the derivative needs its value; fails if it was modified in place since the forward pass.</summary>
    public Tensor SavedOutput(Tensor output)
    {
        if (output.Storage.Version != _outputVersion)
        {
            throw new InvalidOperationException(
                $"{Op}Backward: its output of shape {ShapeUtil.Describe(output)}, needed for gradient computation, was modified by an in-place operation " +
                $"(it is at version {output.Storage.Version}; expected version {_outputVersion}).");
        }

        return output;
    }
}
