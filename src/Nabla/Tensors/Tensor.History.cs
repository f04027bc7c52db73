namespace Nabla;

/// <summary>
/// Whether any tensor's history was rebased by an in-place write, and the lookup of the history a tensor had at a
/// storage version. Graph edges point at tensors, so an op that read a tensor before it was overwritten must find the
/// handle that carries the history of that time; <see cref="Node.Inputs"/> does so lazily.
/// </summary>
internal static class InPlaceHistory
{
    private static volatile bool s_anyRebased;

    public static bool AnyRebased => s_anyRebased;

    public static void NoteRebase() => s_anyRebased = true;

    /// <summary>The handle of <paramref name="t"/> as it was when its storage was at <paramref name="version"/>.</summary>
    public static Tensor AsOf(Tensor t, int version)
    {
        foreach (var (before, old) in t.History!)
        {
            if (version <= before) return old;
        }
        return t;
    }
}

public sealed partial class Tensor
{
    /// <summary>For a view: the tensor that is not a view whose storage it shares (PyTorch's <c>_base</c>).</summary>
    internal Tensor? ViewBase;

    /// <summary>For a view: the <see cref="RebaseEpoch"/> of its base when its node was set.</summary>
    private int _viewEpoch;

    /// <summary>How many in-place writes rebased this tensor's history.</summary>
    internal int RebaseEpoch;

    private int _lastRebaseVersion;

    /// <summary>The histories an in-place write replaced: the storage version just before each write and the handle that carries the history of before it.</summary>
    internal List<(int Before, Tensor Old)>? History;

    /// <summary>True when this tensor is a view of another's storage (made by a view op or by basic indexing).</summary>
    public bool IsView => ViewBase is not null;

    /// <summary>Marks a result that shares <paramref name="input"/>'s storage as a view of its base.</summary>
    private void MarkViewOf(Tensor input)
    {
        var b = input.ViewBase ?? input;
        ViewBase = b;
        _viewEpoch = b.RebaseEpoch;
    }

    /// <summary>
    /// After an in-place write rebased the base, a view's own history is the base's new history seen through its
    /// (shape, strides, offset); the old history stays with the handle that earlier ops point at.
    /// </summary>
    internal void RefreshView()
    {
        var b = ViewBase!;
        if (_viewEpoch == b.RebaseEpoch) return;
        PushHistory(b._lastRebaseVersion);
        _viewEpoch = b.RebaseEpoch;
        if (b.RequiresGrad)
        {
            Node = new Node(new OpKind.AsStrided((int[])ShapeArray.Clone(), (int[])StridesArray.Clone(), Offset - b.Offset), [b], this);
            _requiresGrad = true;
        }
        else
        {
            Node = null;
            _requiresGrad = false;
        }
    }

    private Tensor PushHistory(int before)
    {
        var old = new Tensor(this) { Node = Node, _requiresGrad = _requiresGrad };
        (History ??= []).Add((before, old));
        InPlaceHistory.NoteRebase();
        return old;
    }

    /// <summary>Whether an in-place write must be recorded: grad mode is on and the target, its base or the operand requires grad.</summary>
    private bool RecordsInPlace(Tensor? operand) =>
        Autograd.IsGradEnabled && (RequiresGrad || (operand?.RequiresGrad ?? false) || (ViewBase?.RequiresGrad ?? false));

    /// <summary>
    /// An in-place write recorded as PyTorch records it: <paramref name="compute"/> gives the new value of this tensor
    /// from its current value, out of place and differentiably; the value is written into this tensor's memory; then
    /// the history is rebased. A tensor that is not a view takes the new value's node; a view's base takes a
    /// <see cref="OpKind.CopySlices"/> node (the old base outside the view, the new value inside), and the view its
    /// new history through the base.
    /// </summary>
    private Tensor WriteRecorded(string op, Func<Tensor, Tensor> compute)
    {
        var root = ViewBase ?? this;
        if (root.IsLeaf && root.RequiresGrad)
        {
            throw new InvalidOperationException(ReferenceEquals(root, this)
                ? $"{op}: a leaf Variable that requires grad ({ShapeUtil.Describe(this)}) is being used in an in-place operation; " +
                  "update it inside `using (Autograd.NoGrad())`, or write into a copy (Clone())."
                : $"{op}: a view of a leaf Variable that requires grad (view {ShapeUtil.Describe(this)} of {ShapeUtil.Describe(root)}) is being used in an in-place operation; " +
                  "update it inside `using (Autograd.NoGrad())`, or write into a copy (Clone()).");
        }
        if (ViewBase is not null)
        {
            RefreshView();
            if (!root.IsContiguous)
                throw new NotSupportedException($"{op}: recording a write into a view of the non-contiguous tensor {ShapeUtil.Describe(root)} is not supported; make the base contiguous (Contiguous()) before taking the view.");
        }

        int before = Storage.Version;
        var value = compute(this);
        if (value.DType != DType) value = value.To(DType);
        if (!ShapeUtil.SameShape(value.ShapeArray, ShapeArray))
            throw new InvalidOperationException($"{op}: the new value {ShapeUtil.Describe(value)} does not have the target's shape {ShapeUtil.Describe(this)}.");
        CopyFromUnchecked(value);
        BumpVersion();

        if (ReferenceEquals(root, this))
        {
            var old = PushHistory(before);
            Node = value.Node is not null
                ? new Node(value.Node, this)
                : new Node(new OpKind.CopySlices((int[])ShapeArray.Clone(), Kernels.Strided.ContiguousStrides(ShapeArray), 0), [old, value], this);
            _requiresGrad = true;
            RebaseEpoch++;
            _lastRebaseVersion = before;
        }
        else
        {
            var rootOld = root.PushHistory(before);
            var region = new OpKind.CopySlices((int[])ShapeArray.Clone(), (int[])StridesArray.Clone(), Offset - root.Offset);
            root.Node = new Node(region, [rootOld, value], root);
            root._requiresGrad = true;
            root.RebaseEpoch++;
            root._lastRebaseVersion = before;
            RefreshView();
        }
        return this;
    }
}
