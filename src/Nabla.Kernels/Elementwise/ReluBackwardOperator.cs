using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>a where b &gt; 0, else 0: the ReLU backward pass (gradient a, saved output b) in one pass.</summary>
public readonly struct ReluBackwardOperator<T> : IBinaryOperator<T> where T : struct, INumber<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d)
    {
        int n = d.Length, i = 0;
        if (a.Length < n || b.Length < n) throw new ArgumentException("ReluBackward: operands shorter than the destination.");
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref MemoryMarshal.GetReference(b);
        ref T rd = ref MemoryMarshal.GetReference(d);
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var mask = Vector512.GreaterThan(Vector512.LoadUnsafe(ref rb, (nuint)i), Vector512<T>.Zero);
                (Vector512.LoadUnsafe(ref ra, (nuint)i) & mask).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var mask = Vector256.GreaterThan(Vector256.LoadUnsafe(ref rb, (nuint)i), Vector256<T>.Zero);
                (Vector256.LoadUnsafe(ref ra, (nuint)i) & mask).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++) Unsafe.Add(ref rd, i) = Unsafe.Add(ref rb, i) > T.Zero ? Unsafe.Add(ref ra, i) : T.Zero;
    }

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d)
    {
        if (b > T.Zero) a.CopyTo(d);
        else d.Clear();
    }

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = b[i] > T.Zero ? a : T.Zero;
    }
}
