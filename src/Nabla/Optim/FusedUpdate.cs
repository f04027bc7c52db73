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
/// Applies an <see cref="IFusedUpdate{T}"/> in a single pass over a parameter's data, reading and
/// writing each element of the parameter and its state exactly once, with no temporary tensors.
/// </summary>
internal static class FusedUpdate
{
    /// <summary>The fewest elements worth a thread of their own: below it, handing out the work costs more than it saves.</summary>
    private const int MinPerThread = 32 * 1024;

    /// <summary>
    /// Runs <paramref name="update"/> over every element of <paramref name="param"/> (any layout), whose
    /// gradient and state buffers are contiguous tensors of its shape and dtype, and bumps its version.
    /// </summary>
    public static void Run<T, TUpdate>(TUpdate update, Tensor param, Tensor grad, Tensor? s0 = null, Tensor? s1 = null, Tensor? s2 = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TUpdate : struct, IFusedUpdate<T>
    {
        // A parameter that is a strided view is updated through a contiguous copy written back afterwards.
        var target = param.IsContiguous ? param : param.Copy();
        int n = target.Numel;
        int parts = Math.Min(Parallelism.NumThreads, n / MinPerThread);
        if (parts > 1)
        {
            // Lanes never interact, so splitting the elements between threads leaves every result as it was.
            Parallelism.For(parts, part =>
            {
                int start = (int)((long)n * part / parts), length = (int)((long)n * (part + 1) / parts) - start;
                Run(update, target.AsSpan<T>().Slice(start, length), grad.AsSpan<T>().Slice(start, length),
                    s0 is null ? default : s0.AsSpan<T>().Slice(start, length),
                    s1 is null ? default : s1.AsSpan<T>().Slice(start, length),
                    s2 is null ? default : s2.AsSpan<T>().Slice(start, length));
            });
        }
        else
        {
            Run(update, target.AsSpan<T>(), grad.AsSpan<T>(),
                s0 is null ? default : s0.AsSpan<T>(),
                s1 is null ? default : s1.AsSpan<T>(),
                s2 is null ? default : s2.AsSpan<T>());
        }
        if (!ReferenceEquals(target, param)) param.CopyFromUnchecked(target);
        param.BumpVersion();
    }

    private static void Run<T, TUpdate>(TUpdate update, Span<T> param, ReadOnlySpan<T> grad, Span<T> s0, Span<T> s1, Span<T> s2)
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
