namespace Nabla;

/// <summary>
/// Deterministic memory reuse for loops: every tensor created on this thread while the scope is
/// open draws its memory from a pool, and that memory goes back to the pool when the scope is
/// disposed. A training step wrapped in a scope therefore allocates almost nothing after warm-up:
/// <code>
/// using (var scope = TensorScope.Begin())
/// {
///     var loss = lossFn(model.Forward(x), y);
///     opt.ZeroGrad(); loss.Backward(); opt.Step();
///     total += loss.Item();
/// }
/// </code>
/// Gradients accumulated into leaves and state that outlives the step are allocated outside the
/// scope automatically. A tensor needed after the scope ends must be passed to <see cref="Keep"/>;
/// using a released tensor throws <see cref="ObjectDisposedException"/>. Forgetting a scope is
/// harmless: tensors are then ordinary garbage-collected objects.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? s_current;

    private readonly TensorScope? _parent;
    private readonly List<Storage> _owned = [];
    private bool _disposed;

    private TensorScope(TensorScope? parent) => _parent = parent;

    internal static TensorScope? Current => s_current;

    /// <summary>Opens a scope on this thread, nested inside the current one if any.</summary>
    public static TensorScope Begin() => s_current = new TensorScope(s_current);

    /// <summary>
    /// Suspends pooling on this thread until the returned handle is disposed: tensors created meanwhile
    /// are ordinary objects that outlive every scope (used for parameter gradients and optimizer state).
    /// </summary>
    public static SuspendHandle Suspend() => new(s_current);

    /// <summary>Moves the memory of <paramref name="tensor"/> out of this scope (to the enclosing one, or to the GC) and returns the tensor.</summary>
    public Tensor Keep(Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_owned.Remove(tensor.Storage)) _parent?._owned.Add(tensor.Storage);
        return tensor;
    }

    internal void Own(Storage storage) => _owned.Add(storage);

    /// <summary>Returns every buffer created in the scope to the pool and restores the enclosing scope.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (s_current == this) s_current = _parent;
        foreach (var storage in _owned) storage.Release();
        _owned.Clear();
    }

    /// <summary>Restores pooling when disposed.</summary>
    public readonly struct SuspendHandle : IDisposable
    {
        private readonly TensorScope? _suspended;

        internal SuspendHandle(TensorScope? suspended)
        {
            _suspended = suspended;
            s_current = null;
        }

        /// <summary>Re-enables the scope that was active when pooling was suspended.</summary>
        public void Dispose() => s_current = _suspended;
    }
}
