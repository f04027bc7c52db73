using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nabla.Kernels;

namespace Nabla.Optim;

/// <summary>
/// One optimizer's element-wise update rule, written once for a whole vector of lanes: the parameter,
/// its gradient and up to three state buffers (unused ones read as zero and are not written back).
/// </summary>
internal interface IFusedUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    void Invoke(ref Vector<T> param, Vector<T> grad, ref Vector<T> s0, ref Vector<T> s1, ref Vector<T> s2);
}

/// <summary>
/// One optimizer step's element-wise updates, gathered parameter by parameter and then applied in a single pass that
/// reads and writes each element of every parameter and its state exactly once, with no temporary tensors. The
/// elements of all the parameters of a dtype are split evenly between threads, so a model of many small tensors (a
/// transformer's projections, biases) keeps every core busy as a single large one does (PyTorch's multi-tensor
/// <c>foreach</c> form). <typeparamref name="TFloat"/> and <typeparamref name="TDouble"/> are the rule for float32 and
/// for float64 parameters. An optimizer calls <see cref="Run"/> in a <c>finally</c>, so the parameters queued before a
/// failure (a later parameter's gradient of the wrong shape) are still updated, as they were one at a time.
/// </summary>
internal sealed class FusedUpdates<TFloat, TDouble>
    where TFloat : struct, IFusedUpdate<float>
    where TDouble : struct, IFusedUpdate<double>
{
    private readonly Queue<float, TFloat> _float = new();
    private readonly Queue<double, TDouble> _double = new();

    /// <summary>
    /// Queues <paramref name="update"/> for every element of the float32 <paramref name="param"/> (any layout), whose
    /// gradient and state buffers are contiguous tensors of its shape and dtype.
    /// </summary>
    public void Add(TFloat update, Tensor param, Tensor grad, Tensor? s0 = null, Tensor? s1 = null, Tensor? s2 = null) =>
        _float.Add(update, param, grad, s0, s1, s2);

    /// <summary>Queues <paramref name="update"/> for every element of the float64 <paramref name="param"/>, as the float32 overload.</summary>
    public void Add(TDouble update, Tensor param, Tensor grad, Tensor? s0 = null, Tensor? s1 = null, Tensor? s2 = null) =>
        _double.Add(update, param, grad, s0, s1, s2);

    /// <summary>Applies every queued update, bumps each parameter's version and empties the queues.</summary>
    public void Run()
    {
        try
        {
            _float.Run();
            _double.Run();
        }
        finally
        {
            _float.Clear();
            _double.Clear();
        }
    }

    private sealed class Queue<T, TUpdate>
        where T : unmanaged, IFloatingPointIeee754<T>
        where TUpdate : struct, IFusedUpdate<T>
    {
        /// <summary>The fewest elements worth a thread of their own: below it, handing out the work costs more than it saves.</summary>
        private const int MinPerThread = 32 * 1024;

        private readonly List<Item> _items = [];
        private long _elements;

        private readonly record struct Item(TUpdate Update, Tensor Param, Tensor Target, Tensor Grad, Tensor? S0, Tensor? S1, Tensor? S2);

        public void Add(TUpdate update, Tensor param, Tensor grad, Tensor? s0, Tensor? s1, Tensor? s2)
        {
            // A parameter that is a strided view is updated through a contiguous copy written back afterwards.
            var target = param.IsContiguous ? param : param.Copy();
            _items.Add(new Item(update, param, target, grad, s0, s1, s2));
            _elements += target.Numel;
        }

        public void Clear()
        {
            _items.Clear();
            _elements = 0;
        }

        public void Run()
        {
            long total = _elements;
            int parts = (int)Math.Min(Parallelism.NumThreads, total / MinPerThread);
            if (parts > 1)
            {
                // Lanes never interact, so splitting the elements between threads leaves every result as it was.
                Parallelism.For(parts, part => RunRange(total * part / parts, total * (part + 1) / parts));
            }
            else
            {
                RunRange(0, total);
            }

            foreach (var item in _items)
            {
                if (!ReferenceEquals(item.Target, item.Param)) item.Param.CopyFromUnchecked(item.Target);
                item.Param.BumpVersion();
            }
        }

        /// <summary>Updates the elements <paramref name="start"/> to <paramref name="end"/> of the queued parameters laid end to end.</summary>
        private void RunRange(long start, long end)
        {
            long offset = 0;
            foreach (var item in _items)
            {
                int n = item.Target.Numel;
                long from = Math.Max(start, offset), to = Math.Min(end, offset + n);
                if (from < to)
                {
                    int at = (int)(from - offset), length = (int)(to - from);
                    FusedUpdate.Run(item.Update, item.Target.AsSpan<T>().Slice(at, length), item.Grad.AsSpan<T>().Slice(at, length),
                        Slice(item.S0, at, length), Slice(item.S1, at, length), Slice(item.S2, at, length));
                }
                offset += n;
                if (offset >= end) break;
            }
        }

        private static Span<T> Slice(Tensor? state, int start, int length) => state is null ? default : state.AsSpan<T>().Slice(start, length);
    }
}

/// <summary>The vector loop of <see cref="FusedUpdates{T, TUpdate}"/> over one contiguous run of elements.</summary>
internal static class FusedUpdate
{
    public static void Run<T, TUpdate>(TUpdate update, Span<T> param, ReadOnlySpan<T> grad, Span<T> s0, Span<T> s1, Span<T> s2)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TUpdate : struct, IFusedUpdate<T>
    {
        int n = param.Length, width = Vector<T>.Count, i = 0;
        bool has0 = !s0.IsEmpty, has1 = !s1.IsEmpty, has2 = !s2.IsEmpty;
        ref T p = ref MemoryMarshal.GetReference(param);
        ref T g = ref MemoryMarshal.GetReference(grad);
        ref T r0 = ref MemoryMarshal.GetReference(s0);
        ref T r1 = ref MemoryMarshal.GetReference(s1);
        ref T r2 = ref MemoryMarshal.GetReference(s2);
        for (; i <= n - width; i += width)
        {
            nuint at = (nuint)i;
            var vp = Vector.LoadUnsafe(ref p, at);
            var v0 = has0 ? Vector.LoadUnsafe(ref r0, at) : default;
            var v1 = has1 ? Vector.LoadUnsafe(ref r1, at) : default;
            var v2 = has2 ? Vector.LoadUnsafe(ref r2, at) : default;
            update.Invoke(ref vp, Vector.LoadUnsafe(ref g, at), ref v0, ref v1, ref v2);
            vp.StoreUnsafe(ref p, at);
            if (has0) v0.StoreUnsafe(ref r0, at);
            if (has1) v1.StoreUnsafe(ref r1, at);
            if (has2) v2.StoreUnsafe(ref r2, at);
        }
        if (i == n) return;

        // The tail runs the same vector rule on zero-padded lanes, so every element sees identical arithmetic.
        Vector<T> tp = default, tg = default, t0 = default, t1 = default, t2 = default;
        param[i..].CopyTo(Lanes(ref tp));
        grad[i..].CopyTo(Lanes(ref tg));
        if (has0) s0[i..].CopyTo(Lanes(ref t0));
        if (has1) s1[i..].CopyTo(Lanes(ref t1));
        if (has2) s2[i..].CopyTo(Lanes(ref t2));
        update.Invoke(ref tp, tg, ref t0, ref t1, ref t2);
        int rest = n - i;
        Lanes(ref tp)[..rest].CopyTo(param[i..]);
        if (has0) Lanes(ref t0)[..rest].CopyTo(s0[i..]);
        if (has1) Lanes(ref t1)[..rest].CopyTo(s1[i..]);
        if (has2) Lanes(ref t2)[..rest].CopyTo(s2[i..]);
    }

    private static Span<T> Lanes<T>(ref Vector<T> v) where T : unmanaged =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<Vector<T>, T>(ref v), Vector<T>.Count);
}
