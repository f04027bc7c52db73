namespace Nabla;

public sealed partial class Tensor
{
    private List<Action<Tensor>>? _postAccumulateGradHooks;

    internal IReadOnlyList<Action<Tensor>>? PostAccumulateGradHooks => _postAccumulateGradHooks;

    /// <summary>
    /// Registers a hook called with this leaf right after a backward pass has added its whole gradient for that pass
    /// into <see cref="Grad"/> (PyTorch's <c>register_post_accumulate_grad_hook</c>), so <see cref="Grad"/> then holds
    /// everything accumulated so far. <c>Autograd.Grad</c>, which returns gradients instead of accumulating them,
    /// does not call it. Returns an action that removes the hook.
    /// </summary>
    public Action RegisterPostAccumulateGradHook(Action<Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (!RequiresGrad) throw new InvalidOperationException("RegisterPostAccumulateGradHook: cannot register a hook on a tensor that does not require grad.");
        if (!IsLeaf) throw new InvalidOperationException("RegisterPostAccumulateGradHook: only a leaf accumulates its gradient; this tensor was computed by an op.");
        (_postAccumulateGradHooks ??= []).Add(hook);
        return () => _postAccumulateGradHooks.Remove(hook);
    }
}
