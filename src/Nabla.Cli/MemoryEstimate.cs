using System.Globalization;
using Nabla.NN;
using Nabla.Optim;

namespace Nabla.Cli;

/// <summary>
/// The memory one training step of a model takes at a batch size, measured before training so that a batch that cannot
/// fit is refused in one line instead of failing after minutes of loading and training.
/// </summary>
/// <remarks>
/// A step runs inside a <see cref="TensorScope"/>, which holds every tensor of the forward pass, the loss and the
/// backward pass until the step ends, so the step's peak is everything it allocates. <see cref="Measure"/> runs the
/// forward and backward pass of a throw-away copy of the model on two small batches of real examples (4 and 8) and counts
/// the managed bytes each allocates: the difference is the cost of one more example (activations, their gradients, the
/// graph's nodes), the rest the step's fixed cost. The parameters, their gradients, the buffers and the optimizer's
/// state (measured after one real step of the chosen optimizer) are added once.
/// </remarks>
/// <param name="PerExample">The bytes a step allocates for each example of its batch, the loader's copy of the batch and the one it prefetches included.</param>
/// <param name="PerStep">The bytes a step allocates whatever its batch size (the loss, reductions, scalars).</param>
/// <param name="ModelState">The bytes of the parameters, buffers, gradients and optimizer state, held for the whole run.</param>
internal sealed record MemoryEstimate(long PerExample, long PerStep, long ModelState)
{
    /// <summary>The larger of the two probe batches; the smaller is half of it.</summary>
    private const int ProbeBatch = 8;

    /// <summary>The bytes of a step's activations, their gradients and the batch at <paramref name="batch"/> examples.</summary>
    public long Activations(int batch) => PerStep + (PerExample * batch);

    /// <summary>Everything a run at <paramref name="batch"/> examples per step holds at the step's peak.</summary>
    public long Total(int batch) => Activations(batch) + ModelState;

    /// <summary>
    /// Measures a step of the model <paramref name="build"/> makes (a fresh one, so the run's model, its buffers and its
    /// random generators are untouched) on the first examples of <paramref name="x"/> and <paramref name="y"/>, with
    /// <paramref name="loss"/> and the optimizer <paramref name="optimizer"/> makes.
    /// </summary>
    public static MemoryEstimate Measure(Func<Module> build, Func<Tensor, Tensor, Tensor> loss, Func<IEnumerable<Tensor>, Optimizer> optimizer, Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int available = x.Shape[0];
        if (available == 0) throw new UsageException("the training set is empty, so there is no batch to train on.");
        // Outside any scope every tensor is a new array, so the allocation counter sees all of it.
        using var unpooled = TensorScope.Suspend();
        var model = build();
        model.Train();
        int large = Math.Min(ProbeBatch, available), small = Math.Max(1, large / 2);
        // The first step also allocates the parameters' gradients and one-time buffers, and the first at each batch size
        // what is kept per shape: both are run once uncounted.
        Step(model, loss, x, y, small);
        Step(model, loss, x, y, large);
        long smallBytes = Step(model, loss, x, y, small);
        long largeBytes = Step(model, loss, x, y, large);
        long perExample = large == small ? smallBytes / small : Math.Max(0, (largeBytes - smallBytes) / (large - small));
        long perStep = Math.Max(0, smallBytes - (perExample * small));
        // The loader's batch and the one it prefetches meanwhile.
        long batchBytes = 2 * (BytesPerExample(x) + BytesPerExample(y));

        long parameters = model.Parameters().Sum(Bytes);
        long buffers = model.StateDict().Values.Sum(Bytes) - parameters;
        var step = optimizer(model.Parameters());
        step.Step();
        long state = step.StateDict().State.Values.Sum(s => s.Buffers.Values.Sum(Bytes));
        return new MemoryEstimate(perExample + batchBytes, perStep, (2 * parameters) + buffers + state);
    }

    /// <summary>The managed bytes this thread allocates for the forward pass, loss and backward pass of the first <paramref name="n"/> examples.</summary>
    private static long Step(Module model, Func<Tensor, Tensor, Tensor> loss, Tensor x, Tensor y, int n)
    {
        var input = x.Narrow(0, 0, n).Contiguous();
        var target = y.Narrow(0, 0, n).Contiguous();
        long before = GC.GetAllocatedBytesForCurrentThread();
        loss(model.Call(input), target).Backward();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static long Bytes(Tensor t) => (long)t.Numel * t.DType.ElementSize();

    private static long BytesPerExample(Tensor t) => t.Shape[0] == 0 ? 0 : Bytes(t) / t.Shape[0];

    /// <summary>
    /// The memory this process may still take: the limit the runtime enforces (physical memory, a container's cgroup
    /// limit, or <c>DOTNET_GCHeapHardLimit</c>) less what the heap holds now (the data set). Garbage counts as held until a
    /// collection, so one is made only when the quick answer falls short of <paramref name="needed"/>.
    /// </summary>
    public static long Available(long needed)
    {
        long limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long free = limit - GC.GetTotalMemory(forceFullCollection: false);
        return free >= needed ? free : Math.Max(0, limit - GC.GetTotalMemory(forceFullCollection: true));
    }

    /// <summary>The largest batch that fits in <paramref name="available"/> bytes, rounded down to two significant digits; 0 when not even one example does.</summary>
    public int LargestBatch(long available)
    {
        long room = available - ModelState - PerStep;
        if (PerExample <= 0) return room >= 0 ? int.MaxValue : 0;
        if (room < PerExample) return 0;
        long batch = Math.Min(room / PerExample, int.MaxValue);
        long unit = 1;
        while (batch / unit >= 100) unit *= 10;
        return (int)(batch / unit * unit);
    }

    /// <summary>
    /// The one line that refuses a batch of <paramref name="batch"/> examples when it does not fit in
    /// <paramref name="available"/> bytes, saying what it needs, what is available and what batch would fit; null when it fits.
    /// </summary>
    public string? Refusal(int batch, long available)
    {
        long total = Total(batch);
        if (total <= available) return null;
        int largest = LargestBatch(available);
        string advice = largest >= 1 ? $"try --batch-size {largest} or less" : "the model alone does not fit; try a smaller model";
        return $"a batch of {batch} needs about {Format(total)} (activations {Format(Activations(batch))}, parameters and optimizer state {Format(ModelState)}); " +
            $"{Format(available)} is available; {advice}.";
    }

    /// <summary>A byte count in binary units: 1.5 KiB, 12 MiB, 3.2 GiB.</summary>
    public static string Format(long bytes)
    {
        const double KiB = 1 << 10, MiB = 1 << 20, GiB = 1 << 30;
        var (value, unit) = bytes >= GiB ? (bytes / GiB, "GiB") : bytes >= MiB ? (bytes / MiB, "MiB") : bytes >= KiB ? (bytes / KiB, "KiB") : (bytes, "bytes");
        return unit == "bytes" ? $"{bytes} bytes" : string.Create(CultureInfo.InvariantCulture, $"{value.ToString(value >= 10 ? "F0" : "F1", CultureInfo.InvariantCulture)} {unit}");
    }
}
