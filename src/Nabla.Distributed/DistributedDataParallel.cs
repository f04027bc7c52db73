using System.Globalization;
using System.Text;
using Nabla.NN;

namespace Nabla.Distributed;

/// <summary>
/// Data-parallel training, with the semantics of PyTorch's <c>DistributedDataParallel</c>: every rank holds a replica of
/// the wrapped module, runs forward and backward on its own shard of the batch, and during backward the
/// gradients are summed over the ranks and divided by the world size, so that after <c>Backward</c> every replica holds
/// the gradient of the mean loss over all ranks' examples and the optimizers, stepping alike, keep the replicas equal:
/// <code>
/// using var group = ProcessGroup.Init();
/// var model = new DistributedDataParallel(new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10)), group);
/// var optimizer = new Adam(model.Parameters(), lr: 1e-3);
/// var sampler = new DistributedSampler(train.Count, group, shuffle: true, seed: 0);
/// var loader = new DataLoader(train, batchSize: 64, sampler: sampler);
/// for (int epoch = 0; epoch &lt; epochs; epoch++)
/// {
///     sampler.SetEpoch(epoch);
///     foreach (var (x, y) in loader)
///     {
///         var loss = Functional.CrossEntropy(model.Forward(x), y);
///         optimizer.ZeroGrad();
///         loss.Backward();          // gradients all-reduced bucket by bucket as backward produces them
///         optimizer.Step();
///     }
/// }
/// </code>
/// At construction rank 0's parameters and buffers are broadcast to the others, after checking that every rank built
/// a model with the same parameter and buffer names, shapes and dtypes (a hash of them, gathered from all ranks); a
/// rank whose model differs makes every rank fail with a message naming the ranks.
/// <para>
/// The gradients are grouped into buckets of about <c>bucketCapMb</c> megabytes, filled in the reverse of
/// <see cref="Module.Parameters"/>' order, which is roughly the order backward produces them. A hook that runs when a
/// parameter's gradient has been accumulated (<see cref="Tensor.RegisterPostAccumulateGradHook"/>) copies it into its
/// bucket; a full bucket starts a non-blocking all-reduce (MPI_Iallreduce) at once, so the communication of the last
/// layers overlaps the backward pass of the first, and the last gradient of the pass waits for all buckets and writes
/// the averages back into <see cref="Tensor.Grad"/>. Buckets start in the same order on every rank, as MPI requires.
/// Every parameter that requires grad must receive a gradient in every synchronised backward pass; one that did not is
/// reported, naming it, at the next forward pass or backward pass — unless <c>findUnusedParameters</c> is set
/// (PyTorch's <c>find_unused_parameters</c>): then each synchronised forward pass walks the graph of its output to find
/// the parameters it used, and once backward has given all of them a gradient the others are counted as ready, with this
/// rank's accumulated gradient or zeros, so their buckets are all-reduced too. A parameter that no rank used keeps its
/// <see cref="Tensor.Grad"/> as it was (null after <c>ZeroGrad</c>), as in one process, and one that some rank used gets
/// the average; the flags of which ranks used what cost one small extra all-reduce per step.
/// </para>
/// <para>
/// Buffers such as batch normalisation's running statistics are broadcast from rank 0 before every forward pass in
/// training mode (<c>broadcastBuffers</c>, as PyTorch does by default), so the replicas stay equal; the batch statistics
/// that normalise a batch are each replica's own (per-replica batch normalisation, PyTorch's default without
/// <see cref="SyncBatchNorm"/>, which <see cref="SyncBatchNorm.ConvertSyncBatchNorm"/> puts in their place), so a model with batch normalisation trains on N ranks of B examples like one process whose
/// batch norm sees groups of B, not 2B.
/// </para>
/// The state dict has the wrapped module's keys under <c>module.</c>, as PyTorch's has; save
/// <see cref="Module"/>'s own state dict to load it into an unwrapped model.
/// </summary>
public sealed class DistributedDataParallel : Module
{
    private readonly GradientBucket[] _buckets;
    private readonly (int Bucket, int Slot)[] _places;
    private readonly string[] _names;
    private readonly List<Action> _removeHooks = [];
    private readonly Tensor[] _buffers;
    private readonly bool _broadcastBuffers;
    private readonly double _scale;
    private readonly bool _findUnused;
    private readonly Dictionary<Tensor, int> _indexOf = new(ReferenceEqualityComparer.Instance);
    private readonly bool[] _used;
    private int _usedCount, _usedArrived;
    private int _nextToStart, _finished;
    private bool _syncEnabled = true;

    /// <summary>Wraps <paramref name="module"/>, checks that every rank has the same model, and copies rank 0's values to all ranks.</summary>
    /// <param name="module">The replica of this rank; every rank must build the same architecture.</param>
    /// <param name="group">The ranks that train together.</param>
    /// <param name="bucketCapMb">The size of a gradient bucket in MiB (PyTorch's default 25); a parameter is never split.</param>
    /// <param name="broadcastBuffers">Broadcast rank 0's buffers before every forward pass in training mode.</param>
    /// <param name="findUnusedParameters">
    /// Find, at each forward pass, the parameters its output does not depend on, and all-reduce them as ready (see the
    /// class summary), for models whose steps use different parts; false (PyTorch's default) saves the walk of the graph.
    /// </param>
    /// <exception cref="DistributedException">The ranks' models differ in a parameter's or buffer's name, shape or dtype.</exception>
    public DistributedDataParallel(Module module, ProcessGroup group, double bucketCapMb = 25, bool broadcastBuffers = true, bool findUnusedParameters = false)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(group);
        if (!(bucketCapMb > 0) || !double.IsFinite(bucketCapMb))
            throw new ArgumentOutOfRangeException(nameof(bucketCapMb), $"DistributedDataParallel: bucketCapMb must be a positive number, got {bucketCapMb.ToString(CultureInfo.InvariantCulture)}.");
        Module = RegisterModule("module", module);
        Group = group;
        _broadcastBuffers = broadcastBuffers;
        _findUnused = findUnusedParameters;
        _scale = 1.0 / group.WorldSize;
        BucketCapBytes = (long)(bucketCapMb * 1024 * 1024);

        CheckSameModel(module, group);
        _buffers = [.. module.Buffers()];
        using (Autograd.NoGrad())
        {
            foreach (var p in module.Parameters()) group.Broadcast(p, root: 0);
            foreach (var b in _buffers) group.Broadcast(b, root: 0);
        }

        var trained = module.NamedParameters().Where(p => p.Parameter.RequiresGrad).Reverse().ToArray();
        var buckets = new List<GradientBucket>();
        var places = new (int Bucket, int Slot)[trained.Length];
        // One open bucket per dtype: a bucket is one MPI message, of one element type.
        var open = new Dictionary<DType, List<int>>();
        var openBytes = new Dictionary<DType, long>();
        void Close(DType dtype)
        {
            var members = open[dtype];
            for (int slot = 0; slot < members.Count; slot++) places[members[slot]] = (buckets.Count, slot);
            buckets.Add(new GradientBucket([.. members.Select(i => trained[i].Parameter)], dtype));
            open.Remove(dtype);
            openBytes.Remove(dtype);
        }
        for (int i = 0; i < trained.Length; i++)
        {
            var p = trained[i].Parameter;
            if (!open.TryGetValue(p.DType, out var members)) open[p.DType] = members = [];
            members.Add(i);
            openBytes[p.DType] = openBytes.GetValueOrDefault(p.DType) + (long)p.Numel * p.DType.ElementSize();
            if (openBytes[p.DType] >= BucketCapBytes) Close(p.DType);
        }
        foreach (var dtype in open.Keys.ToArray()) Close(dtype);
        _buckets = [.. buckets];
        _places = places;
        _names = [.. trained.Select(p => p.Name)];
        _used = new bool[trained.Length];
        for (int i = 0; i < trained.Length; i++) _indexOf[trained[i].Parameter] = i;
        if (group.WorldSize > 1)
        {
            for (int i = 0; i < trained.Length; i++)
            {
                int index = i;
                _removeHooks.Add(trained[i].Parameter.RegisterPostAccumulateGradHook(_ => OnGradientReady(index)));
            }
        }
    }

    /// <summary>The wrapped replica.</summary>
    public Module Module { get; }

    /// <summary>The ranks that train together.</summary>
    public ProcessGroup Group { get; }

    /// <summary>Whether each forward pass finds the parameters it did not use (<c>findUnusedParameters</c>).</summary>
    public bool FindUnusedParameters => _findUnused;

    /// <summary>The bucket size in bytes.</summary>
    public long BucketCapBytes { get; }

    /// <summary>The parameter names of each gradient bucket (relative to <see cref="Module"/>), in the order the buckets are all-reduced.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Buckets =>
        [.. _buckets.Select((b, bi) => (IReadOnlyList<string>)[.. Enumerable.Range(0, _places.Length).Where(i => _places[i].Bucket == bi).Select(i => _names[i])])];

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        BeforeForward();
        return AfterForward(Module.Forward(input));
    }

    /// <inheritdoc/>
    public override Tensor Forward(params Tensor[] inputs)
    {
        BeforeForward();
        return AfterForward(Module.Forward(inputs));
    }

    /// <summary>
    /// Turns gradient synchronisation off until the returned scope is disposed (PyTorch's <c>no_sync</c>): backward passes
    /// inside it only accumulate into each rank's own <see cref="Tensor.Grad"/>, and the first synchronised backward after
    /// it all-reduces the whole accumulated gradient. For gradient accumulation over micro-batches:
    /// <code>
    /// using (model.NoSync()) { model.Forward(x1) ... .Backward(); }
    /// model.Forward(x2) ... .Backward();   // all-reduces the sum of both micro-batches' gradients
    /// optimizer.Step();
    /// </code>
    /// </summary>
    public IDisposable NoSync()
    {
        bool previous = _syncEnabled;
        _syncEnabled = false;
        return new Scope(() => _syncEnabled = previous);
    }

    /// <summary>Overwrites every rank's buffers with rank 0's (done before each training forward pass with <c>broadcastBuffers</c>).</summary>
    public void BroadcastBuffers()
    {
        if (Group.WorldSize == 1) return;
        using (Autograd.NoGrad())
            foreach (var b in _buffers) Group.Broadcast(b, root: 0);
    }

    /// <summary>Removes the gradient hooks: the module then trains on this rank alone.</summary>
    public void RemoveHooks()
    {
        foreach (var remove in _removeHooks) remove();
        _removeHooks.Clear();
    }

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"world_size={Group.WorldSize}, buckets={_buckets.Length}, bucket_cap_mb={BucketCapBytes / (1024.0 * 1024.0)}");

    private void BeforeForward()
    {
        CheckNoPassPending("forward");
        if (_broadcastBuffers && IsTraining && _buffers.Length > 0) BroadcastBuffers();
    }

    /// <summary>With <c>findUnusedParameters</c>, marks the parameters that <paramref name="output"/>'s graph reaches as used in this pass.</summary>
    private Tensor AfterForward(Tensor output)
    {
        if (!_findUnused || !_syncEnabled || Group.WorldSize == 1 || !Autograd.IsGradEnabled || !output.RequiresGrad) return output;
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance) { output };
        var stack = new Stack<Tensor>();
        stack.Push(output);
        while (stack.Count > 0)
        {
            var t = stack.Pop();
            if (t.Node is null)
            {
                if (_indexOf.TryGetValue(t, out int index) && !_used[index])
                {
                    _used[index] = true;
                    _usedCount++;
                }
                continue;
            }
            foreach (var input in t.Node.Inputs)
                if (input.RequiresGrad && seen.Add(input)) stack.Push(input);
        }
        return output;
    }

    private void OnGradientReady(int index)
    {
        if (!_syncEnabled) return;
        var (b, slot) = _places[index];
        if (_buckets[b].Ready[slot]) CheckNoPassPending("backward");
        Add(index);
        if (_findUnused && _used[index] && ++_usedArrived == _usedCount)
        {
            // Backward has reached every parameter the forward passes used: the others are ready as they are.
            for (int i = 0; i < _places.Length; i++)
            {
                var (ub, us) = _places[i];
                if (!_buckets[ub].Ready[us]) Add(i);
            }
        }
        for (int i = _finished; i < _nextToStart; i++) _buckets[i].Progress(Group);
        if (_nextToStart < _buckets.Length) return;
        if (_findUnused) GiveGradientsToUsedParameters();
        for (; _finished < _buckets.Length; _finished++) _buckets[_finished].Finish(Group, _scale);
        EndPass();
    }

    private void Add(int index)
    {
        var (b, slot) = _places[index];
        if (_buckets[b].Add(slot))
        {
            while (_nextToStart < _buckets.Length && _buckets[_nextToStart].IsFull)
                _buckets[_nextToStart++].Start(Group);
        }
    }

    /// <summary>
    /// Finds which parameters have a gradient on some rank (one all-reduce of flags): those without one here get zeros,
    /// to receive the average; those that no rank has a gradient for keep none, as in one process.
    /// </summary>
    private void GiveGradientsToUsedParameters()
    {
        var flags = new long[_places.Length];
        for (int i = 0; i < _places.Length; i++)
        {
            var (b, slot) = _places[i];
            if (_buckets[b].Parameters[slot].Grad is not null) flags[i] = 1;
        }
        var any = Group.AllReduce(Tensor.FromArray(flags), ReduceOp.Max).ToArray<long>();
        for (int i = 0; i < _places.Length; i++)
        {
            var (b, slot) = _places[i];
            var p = _buckets[b].Parameters[slot];
            if (any[i] != 0 && p.Grad is null) p.Grad = Tensor.Zeros(p.ShapeArray, p.DType);
        }
    }

    private void EndPass()
    {
        _nextToStart = _finished = 0;
        Array.Clear(_used);
        _usedCount = _usedArrived = 0;
    }

    /// <summary>Refuses to go on when the last synchronised backward left some parameters without a gradient.</summary>
    private void CheckNoPassPending(string when)
    {
        var missing = new List<string>();
        bool anyReady = false;
        for (int i = 0; i < _places.Length; i++)
        {
            var (b, slot) = _places[i];
            if (_buckets[b].Ready[slot]) anyReady = true;
            else missing.Add(_names[i]);
        }
        if (!anyReady) return;
        foreach (var bucket in _buckets) bucket.Reset();
        EndPass();
        throw new DistributedException(
            $"DistributedDataParallel: expected to have finished reduction in the prior iteration before starting a new one: at the {when} pass on rank {Group.Rank}, " +
            $"the previous backward pass had not given a gradient to {missing.Count} parameter(s) ({string.Join(", ", missing.Take(8))}{(missing.Count > 8 ? ", ..." : "")}), " +
            "so the gradients were never all-reduced. " + (_findUnused
                ? "The forward pass's output depends on them, but the loss did not: every synchronised forward pass must be followed by one backward pass through its output."
                : "The module has parameters that were not used in producing the loss: pass findUnusedParameters: true " +
                  "to DistributedDataParallel, or freeze the unused ones (RequiresGrad = false) before wrapping the model, or make every parameter take part in every step's loss."));
    }

    /// <summary>
    /// Checks that all ranks built the same model: a 64-bit FNV-1a hash of every parameter's and buffer's name, shape
    /// and dtype, gathered from all ranks and compared.
    /// </summary>
    private static void CheckSameModel(Module module, ProcessGroup group)
    {
        var description = new StringBuilder();
        foreach (var (name, p) in module.NamedParameters())
            description.Append(CultureInfo.InvariantCulture, $"p {name} {string.Join('x', p.Shape)} {p.DType.Name()} {p.RequiresGrad};");
        foreach (var (name, b) in module.NamedBuffers())
            description.Append(CultureInfo.InvariantCulture, $"b {name} {string.Join('x', b.Shape)} {b.DType.Name()};");
        ulong hash = 14695981039346656037UL;
        foreach (char c in description.ToString())
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        var gathered = group.AllGather(Tensor.FromArray([unchecked((long)hash)])).ToArray<long>();
        if (gathered.All(h => h == gathered[0])) return;
        var groups = gathered.Select((h, rank) => (h, rank)).GroupBy(x => x.h)
            .Select(g => $"ranks {string.Join(", ", g.Select(x => x.rank))}: {unchecked((ulong)g.Key):x16}");
        throw new DistributedException(
            $"DistributedDataParallel: the ranks built different models (hashes of the parameters' and buffers' names, shapes and dtypes — {string.Join("; ", groups)}). " +
            $"Every rank must build the same model; rank {group.Rank} has {module.ParameterCount():N0} parameters in {module.NamedParameters().Count()} tensors.");
    }

    private sealed class Scope(Action onDispose) : IDisposable
    {
        private Action? _onDispose = onDispose;

        public void Dispose()
        {
            _onDispose?.Invoke();
            _onDispose = null;
        }
    }
}
