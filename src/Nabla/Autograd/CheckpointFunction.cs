using System.Runtime.CompilerServices;

namespace Nabla;

/// <summary>
/// Gradient checkpointing (Chen et al., 2016), like <c>torch.utils.checkpoint</c> with <c>use_reentrant=False</c>:
/// the block runs once without recording its graph, so none of its activations stay alive, and the one node
/// recorded for it (<see cref="OpKind.Checkpoint"/>) recomputes the block with grad enabled in the backward pass and
/// back-propagates the incoming gradient through that fresh graph. The node's inputs are the block's explicit inputs
/// followed by every tensor requiring grad that the block read without being given it (its parameters), found while
/// the forward pass runs, so the engine routes their gradients to <see cref="Tensor.Grad"/> as for any other op.
/// </summary>
internal sealed class CheckpointFunction
{
    private readonly Func<Tensor[], Tensor> _function;
    private readonly int _explicitCount;
    private readonly Capture _capture;

    private CheckpointFunction(Func<Tensor[], Tensor> function, int explicitCount, Capture capture)
    {
        _function = function;
        _explicitCount = explicitCount;
        _capture = capture;
    }

    /// <summary>Runs <paramref name="function"/> on <paramref name="inputs"/> without its graph and records one node that will recompute it.</summary>
    public static Tensor Run(Func<Tensor[], Tensor> function, Tensor[] inputs, bool preserveRngState)
    {
        // Without grad mode nothing would be saved anyway, and an enclosing checkpoint's forward pass must see the
        // parameters and generators this block uses.
        if (!Autograd.IsGradEnabled) return function(inputs);

        var capture = new Capture(preserveRngState);
        foreach (var input in inputs) capture.Exclude(input);
        Tensor output;
        var previous = Capture.Current;
        Capture.Current = capture;
        try
        {
            using var scope = Subscope();
            using (Autograd.NoGrad()) output = function(inputs);
            if (output is null) throw new InvalidOperationException("Checkpoint: the function returned null; it must return a tensor.");
            scope?.Keep(output);
        }
        finally
        {
            Capture.Current = previous;
        }

        foreach (var t in capture.Tensors)
        {
            if (!t.IsLeaf)
            {
                throw new InvalidOperationException(
                    $"Checkpoint: the function reads a tensor ({ShapeUtil.Describe(t)}, computed by {t.GradFn}) that requires grad but is not one of its inputs; " +
                    "pass it as an input so that its gradient reaches the graph it came from.");
            }
        }

        var nodeInputs = new Tensor[inputs.Length + capture.Tensors.Count];
        inputs.CopyTo(nodeInputs, 0);
        capture.Tensors.CopyTo(nodeInputs, inputs.Length);
        // A fresh tensor object for the node, so that a function returning one of its inputs or parameters never
        // gives that tensor a grad_fn.
        var result = output.ViewRaw((int[])output.ShapeArray.Clone(), (int[])output.StridesArray.Clone(), output.Offset);
        return Tensor.Record(result, new OpKind.Checkpoint(new CheckpointFunction(function, inputs.Length, capture)), nodeInputs);
    }

    /// <summary>The gradients of the node's inputs: the block recomputed from its saved inputs, then differentiated.</summary>
    public Tensor?[] Backward(Node node, Tensor g)
    {
        if (Autograd.IsGradEnabled)
        {
            throw new NotSupportedException(
                "Checkpoint: double backward (createGraph: true) through a checkpointed block is not supported, because the recomputed graph starts " +
                "from detached inputs; run the block without Checkpoint to take gradients of gradients.");
        }

        var grads = new Tensor?[node.Inputs.Length];
        var detached = new Tensor[_explicitCount];
        var wanted = new List<Tensor>();
        var wantedIndex = new List<int>();
        for (int i = 0; i < node.Inputs.Length; i++)
        {
            var saved = node.Saved(i);
            var t = saved;
            if (i < _explicitCount)
            {
                t = saved.Detach();
                if (saved.RequiresGrad) t.RequiresGrad = true;
                detached[i] = t;
            }
            if (!t.RequiresGrad) continue;
            wanted.Add(t);
            wantedIndex.Add(i);
        }

        if (wanted.Count == 0) return grads;

        using var scope = Subscope();
        Tensor output;
        using (_capture.Replay())
        using (Autograd.EnableGrad())
            output = _function(detached);

        if (output is null || !ShapeUtil.SameShape(output.ShapeSpan, g.ShapeSpan))
        {
            throw new InvalidOperationException(
                $"Checkpoint: the recomputed output has shape {(output is null ? "null" : ShapeUtil.Describe(output))} but the forward pass gave {ShapeUtil.Describe(g)}; " +
                "the function must compute the same thing from the same inputs.");
        }
        if (!output.RequiresGrad) return grads;
        CheckClosed(output, wanted);

        var inputGrads = Engine.Run([output], [g], retainGraph: false, createGraph: false, [.. wanted]);
        for (int k = 0; k < wantedIndex.Count; k++)
        {
            if (inputGrads[k] is { } grad) grads[wantedIndex[k]] = scope is null ? grad : scope.Keep(grad);
        }
        return grads;
    }

    /// <summary>
    /// A scope nested in the current one, if any: inside a training step's <see cref="TensorScope"/> the block's
    /// intermediate tensors would otherwise stay owned by the step until it ends, which would keep every block's
    /// activations alive and save nothing; nested, they go back to the pool as soon as the block is done, and the
    /// next block reuses them.
    /// </summary>
    private static TensorScope? Subscope() => TensorScope.Current is null ? null : TensorScope.Begin();

    /// <summary>
    /// Fails if the recomputed graph reaches a tensor requiring grad outside the node's inputs: the forward pass did
    /// not see it (a closure that changed between the passes, or grad mode switched on inside the function), so its
    /// gradient would be lost.
    /// </summary>
    private static void CheckClosed(Tensor output, List<Tensor> inputs)
    {
        var known = new HashSet<Tensor>(inputs, ReferenceEqualityComparer.Instance);
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Tensor>();
        stack.Push(output);
        seen.Add(output);
        while (stack.Count > 0)
        {
            var t = stack.Pop();
            if (known.Contains(t)) continue;
            if (t.Node is null)
            {
                throw new InvalidOperationException(
                    $"Checkpoint: the recomputed block reads a tensor ({ShapeUtil.Describe(t)}) that requires grad but was not seen in the forward pass, " +
                    "so its gradient would be lost; the function must read the same tensors in both passes.");
            }
            foreach (var input in t.Node.Inputs)
                if (input.RequiresGrad && seen.Add(input)) stack.Push(input);
        }
    }

    /// <summary>
    /// What a checkpointed forward pass reads: the tensors requiring grad that it was not given (collected by
    /// <see cref="Tensor.Record(Tensor, OpKind, Tensor[])"/> while grad mode is off) and the state of every
    /// generator it draws from before its first draw (reported by the random ops).
    /// </summary>
    internal sealed class Capture
    {
        [ThreadStatic] private static Capture? s_current;

        private readonly HashSet<object> _seen = new(ReferenceEqualityComparer.Instance);
        private readonly bool _preserveRngState;
        private readonly List<(Generator Generator, ulong[] State)> _generators = [];
        private readonly ulong[]? _defaultState;

        public Capture(bool preserveRngState)
        {
            _preserveRngState = preserveRngState;
            // The default generator is kept whether or not the block draws from it, as PyTorch keeps the global
            // state; it is replayed on whichever generator is the default when the backward pass runs.
            if (preserveRngState) _defaultState = Generator.Default.GetState();
        }

        public static Capture? Current
        {
            get => s_current;
            set => s_current = value;
        }

        /// <summary>The tensors requiring grad that the block read and was not given, in the order it read them.</summary>
        public List<Tensor> Tensors { get; } = [];

        public void Exclude(Tensor input) => _seen.Add(input);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Note(Tensor input)
        {
            if (s_current is { } capture && input.RequiresGrad) capture.Add(input);
        }

        public static void Note(Tensor[] inputs)
        {
            if (s_current is not { } capture) return;
            foreach (var input in inputs)
                if (input.RequiresGrad) capture.Add(input);
        }

        /// <summary>Called by a random op before it draws from <paramref name="generator"/>.</summary>
        public static void NoteGenerator(Generator generator)
        {
            if (s_current is { } capture && capture._preserveRngState && !ReferenceEquals(generator, Generator.Default) && capture._seen.Add(generator))
                capture._generators.Add((generator, generator.GetState()));
        }

        private void Add(Tensor t)
        {
            if (_seen.Add(t)) Tensors.Add(t);
        }

        /// <summary>Sets every captured generator to its state at the forward pass, and back to its current state on dispose.</summary>
        public RngReplay Replay()
        {
            if (_defaultState is null) return default;
            var current = Generator.Default;
            var restore = new List<(Generator, ulong[])>(_generators.Count + 1) { (current, current.GetState()) };
            current.SetState(_defaultState);
            foreach (var (generator, state) in _generators)
            {
                restore.Add((generator, generator.GetState()));
                generator.SetState(state);
            }
            return new RngReplay(restore);
        }
    }

    /// <summary>Puts the generators back where they were before the recompute, as <c>torch.random.fork_rng</c> does.</summary>
    internal readonly struct RngReplay(List<(Generator Generator, ulong[] State)>? restore) : IDisposable
    {
        public void Dispose()
        {
            if (restore is null) return;
            foreach (var (generator, state) in restore) generator.SetState(state);
        }
    }
}
