namespace Nabla;

/// <summary>
/// The backward pass: a topological order of the graph from the outputs, then the chain rule
/// applied node by node, each node's output gradient turned into its inputs' gradients by
/// <see cref="Derivatives"/>. The traversal is iterative, so arbitrarily deep graphs are safe.
/// </summary>
internal static class Engine
{
    /// <summary>The collections one backward pass works in, kept per thread so a training step allocates none of them.</summary>
    [ThreadStatic]
    private static Workspace? s_workspace;

    public static void Backward(Tensor root, Tensor? gradient, bool retainGraph, bool createGraph)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException($"Backward: the tensor ({ShapeUtil.Describe(root)}) does not require grad and has no grad_fn.");
        Run([root], [gradient], retainGraph, createGraph, inputs: null);
    }

    /// <summary>
    /// Propagates gradients from <paramref name="roots"/>. With <paramref name="inputs"/> null the
    /// gradients accumulate into the leaves' <see cref="Tensor.Grad"/>; otherwise they are returned for those inputs.
    /// </summary>
    public static Tensor?[] Run(Tensor[] roots, Tensor?[]? rootGrads, bool retainGraph, bool createGraph, Tensor[]? inputs)
    {
        if (rootGrads is not null && rootGrads.Length != roots.Length)
            throw new ArgumentException($"Backward: {roots.Length} outputs but {rootGrads.Length} output gradients.");

        // Taken rather than shared: a hook may run another backward pass on this thread.
        var workspace = s_workspace ?? new Workspace();
        s_workspace = null;
        try
        {
            return Run(workspace, roots, rootGrads, retainGraph, createGraph, inputs);
        }
        finally
        {
            // A huge graph's collections are left to the GC: clearing their capacity would slow every later small pass.
            if (workspace.Visited.Count <= Workspace.MaxKeptNodes)
            {
                workspace.Clear();
                s_workspace = workspace;
            }
        }
    }

    private static Tensor?[] Run(Workspace workspace, Tensor[] roots, Tensor?[]? rootGrads, bool retainGraph, bool createGraph, Tensor[]? inputs)
    {
        var pending = workspace.Pending;
        for (int i = 0; i < roots.Length; i++)
        {
            var root = roots[i];
            if (root.ViewBase is not null) root.RefreshView();
            if (!root.RequiresGrad)
                throw new InvalidOperationException($"Backward: output {i} ({ShapeUtil.Describe(root)}) does not require grad and has no grad_fn.");
            var g = rootGrads?[i] ?? ImplicitGradient(root);
            if (!ShapeUtil.SameShape(g.ShapeSpan, root.ShapeSpan))
                throw new ArgumentException($"Backward: the output gradient has shape {ShapeUtil.Describe(g)} but the output has shape {ShapeUtil.Describe(root)}.");
            if (g.DType != root.DType) g = g.To(root.DType);
            Accumulate(workspace, root, g, createGraph);
        }

        HashSet<Tensor>? wanted = null;
        if (inputs is not null)
        {
            wanted = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < inputs.Length; i++)
            {
                if (!inputs[i].RequiresGrad)
                    throw new InvalidOperationException($"Autograd.Grad: input {i} ({ShapeUtil.Describe(inputs[i])}) does not require grad.");
                wanted.Add(inputs[i]);
            }
        }
        var results = new Tensor?[inputs?.Length ?? 0];

        var order = TopologicalOrder(workspace, roots);
        var reaching = wanted is null ? null : Reaching(order, wanted);
        using var mode = createGraph ? Autograd.EnableGrad() : Autograd.NoGrad();
        foreach (var t in order)
        {
            if (!pending.Remove(t, out var grad)) continue;
            workspace.Owned.Remove(grad);
            if (t.Hooks is { } hooks)
            {
                foreach (var hook in hooks.ToArray())
                    grad = hook(grad) ?? grad;
            }

            if (wanted is not null)
            {
                if (wanted.Contains(t))
                {
                    for (int i = 0; i < inputs!.Length; i++)
                        if (ReferenceEquals(inputs[i], t)) results[i] = grad;
                }
            }
            else if (t.IsLeaf || t.RetainsGrad)
            {
                AccumulateIntoGrad(t, grad, createGraph);
                if (t.PostAccumulateGradHooks is { } after)
                {
                    foreach (var hook in after.ToArray()) hook(t);
                }
            }

            var node = t.Node;
            if (node is null) continue;

            // Asked for some inputs' gradients only, the pass goes no further than the ops that lead to them.
            if (reaching is not null && !LeadsTo(node, reaching)) continue;
            if (node.Released)
            {
                throw new InvalidOperationException(
                    $"Backward: trying to backward through the graph a second time (at {node.Op}), but its saved values were freed by the first backward. " +
                    "Pass retainGraph: true to the first Backward call to keep them.");
            }

            if (!createGraph && node.Op is OpKind.Narrow narrow && node.Inputs[0].RequiresGrad)
            {
                // Slices of one tensor (the time steps of a sequence, say) add their gradients into one buffer in place,
                // rather than each padding its gradient to the full shape.
                AccumulateSlice(workspace, node.Inputs[0], narrow, grad);
                if (!retainGraph) node.Released = true;
                continue;
            }

            var inputGrads = Autograd.IsAnomalyEnabled ? Autograd.BackwardFormula(node, grad, t) : Derivatives.Backward(node, grad, t);
            if (!retainGraph) node.Released = true;
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                var input = node.Inputs[i];
                var g = inputGrads[i];
                if (g is null || !input.RequiresGrad) continue;
                if (Autograd.IsAnomalyEnabled) Autograd.CheckBackward(node, i, g);
                if (!ShapeUtil.SameShape(g.ShapeSpan, input.ShapeSpan)) g = g.SumToShape(input.ShapeArray);
                if (g.DType != input.DType) g = g.To(input.DType);
                Accumulate(workspace, input, g, createGraph);
            }
        }
        return results;
    }

    /// <summary>The tensors of <paramref name="order"/> (parents before children) from which a wanted tensor can be reached.</summary>
    private static HashSet<Tensor> Reaching(List<Tensor> order, HashSet<Tensor> wanted)
    {
        var reaching = new HashSet<Tensor>(wanted, ReferenceEqualityComparer.Instance);
        for (int i = order.Count - 1; i >= 0; i--)
        {
            if (order[i].Node is { } node && LeadsTo(node, reaching)) reaching.Add(order[i]);
        }
        return reaching;
    }

    private static bool LeadsTo(Node node, HashSet<Tensor> reaching)
    {
        foreach (var input in node.Inputs)
        {
            if (reaching.Contains(input)) return true;
        }
        return false;
    }

    private static Tensor ImplicitGradient(Tensor root)
    {
        if (root.Numel != 1)
            throw new InvalidOperationException($"Backward: a gradient can be created implicitly only for a one-element output, but the output has shape {ShapeUtil.Describe(root)}; pass the output gradient explicitly.");
        return Tensor.OnesLike(root);
    }

    /// <summary>
    /// Adds <paramref name="g"/> to the gradient pending for <paramref name="t"/>. Outside a recorded backward pass, the
    /// first sum is a buffer of the engine's own, and later gradients are added into it in place.
    /// </summary>
    private static void Accumulate(Workspace workspace, Tensor t, Tensor g, bool createGraph)
    {
        var pending = workspace.Pending;
        if (!pending.TryGetValue(t, out var existing))
        {
            pending[t] = g;
        }
        else if (createGraph)
        {
            pending[t] = existing + g;
        }
        else if (workspace.Owned.Contains(existing) && ShapeUtil.SameShape(existing.ShapeSpan, g.ShapeSpan) && existing.DType == g.DType)
        {
            existing.AddInPlace(g);
        }
        else
        {
            var sum = existing + g;
            pending[t] = sum;
            workspace.Owned.Add(sum);
        }
    }

    /// <summary>Adds the gradient of a narrowed view into its slice of a zero buffer of the engine's own for the whole input.</summary>
    private static void AccumulateSlice(Workspace workspace, Tensor input, OpKind.Narrow narrow, Tensor grad)
    {
        var pending = workspace.Pending;
        if (grad.DType != input.DType) grad = grad.To(input.DType);
        if (!pending.TryGetValue(input, out var buffer) || !workspace.Owned.Contains(buffer))
        {
            var fresh = Tensor.ZerosLike(input);
            if (buffer is not null) fresh.AddInPlace(buffer);
            pending[input] = buffer = fresh;
            workspace.Owned.Add(fresh);
        }
        buffer.NarrowView(narrow.Dim, narrow.Start, narrow.Length).AddInPlace(grad);
    }

    private static void AccumulateIntoGrad(Tensor t, Tensor grad, bool createGraph)
    {
        if (createGraph)
        {
            t.Grad = t.Grad is null ? grad : t.Grad + grad;
        }
        else if (t.Grad is null)
        {
            // The gradient outlives the step that produced it, so its memory must not come from a scope.
            using (TensorScope.Suspend()) t.Grad = grad.Detach().Clone();
        }
        else
        {
            t.Grad.AddInPlace(grad.Detach());
        }
    }

    /// <summary>Tensors reachable from the roots through tensors that require grad, each after all of its consumers.</summary>
    private static List<Tensor> TopologicalOrder(Workspace workspace, Tensor[] roots)
    {
        var visited = workspace.Visited;
        var postOrder = workspace.Order;
        var stack = workspace.Stack;
        foreach (var root in roots)
        {
            if (!visited.Add(root)) continue;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (t, next) = stack.Pop();
                var inputs = t.Node?.Inputs;
                if (inputs is not null && next < inputs.Length)
                {
                    stack.Push((t, next + 1));
                    var child = inputs[next];
                    if (child.RequiresGrad && visited.Add(child)) stack.Push((child, 0));
                }
                else
                {
                    postOrder.Add(t);
                }
            }
        }
        postOrder.Reverse();
        return postOrder;
    }

    private sealed class Workspace
    {
        public const int MaxKeptNodes = 4096;

        public readonly Dictionary<Tensor, Tensor> Pending = new(ReferenceEqualityComparer.Instance);
        public readonly HashSet<Tensor> Visited = new(ReferenceEqualityComparer.Instance);
        public readonly List<Tensor> Order = [];
        public readonly Stack<(Tensor Tensor, int NextInput)> Stack = new();

        /// <summary>Pending gradients that the engine allocated itself and nothing else holds, so they may be added to in place.</summary>
        public readonly HashSet<Tensor> Owned = new(ReferenceEqualityComparer.Instance);

        /// <summary>Empties the collections, so that no tensor of a finished pass stays reachable from here.</summary>
        public void Clear()
        {
            Pending.Clear();
            Visited.Clear();
            Order.Clear();
            Stack.Clear();
            Owned.Clear();
        }
    }
}
