using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// The few vector operations the GEMM micro-kernel needs, abstracted over the vector width so that one kernel source
/// is specialized by the JIT for Vector512, Vector256 and Vector128; every member inlines to a single instruction.
/// </summary>
/// <typeparam name="TVector">The hardware vector type.</typeparam>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
internal unsafe interface IVectorOps<TVector, T>
    where T : unmanaged
{
    /// <summary>Gets the number of elements in one vector.</summary>
    static abstract int Count { get; }

    /// <summary>Gets the rows (at most 8) of the micro-kernel's full register tile; its width is two vectors.</summary>
    static abstract int Rows { get; }

    /// <summary>Gets the zero vector.</summary>
    static abstract TVector Zero { get; }

    /// <summary>Loads a vector from unaligned memory.</summary>
    static abstract TVector Load(T* source);

    /// <summary>Stores a vector to unaligned memory.</summary>
    static abstract void Store(TVector value, T* destination);

    /// <summary>Returns a vector with every element equal to <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(T value);

    /// <summary>Returns a·b + c, fused (one rounding) wherever the hardware has FMA.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>Returns a·b element-wise.</summary>
    static abstract TVector Multiply(TVector a, TVector b);
}

/// <summary>AVX-512: 32 registers hold an 8×2 tile of accumulators with room for the B vectors.</summary>
internal readonly unsafe struct Vector512Ops<T> : IVectorOps<Vector512<T>, T>
    where T : unmanaged
{
    public static int Count => Vector512<T>.Count;

    public static int Rows => 8;

    public static Vector512<T> Zero => Vector512<T>.Zero;

    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(T* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, T* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();

        return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;
}

/// <summary>AVX2 + FMA: 16 registers hold a 6×2 tile of accumulators, two B vectors and one broadcast.</summary>
internal readonly unsafe struct Vector256Ops<T> : IVectorOps<Vector256<T>, T>
    where T : unmanaged
{
    public static int Count => Vector256<T>.Count;

    public static int Rows => 6;

    public static Vector256<T> Zero => Vector256<T>.Zero;

    public static bool IsSupported => Vector256.IsHardwareAccelerated && Fma.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(T* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> value, T* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();

        return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> a, Vector256<T> b) => a * b;
}

/// <summary>
/// Portable 128-bit vectors (SSE, NEON, or software): a 6×2 tile. Fused only where the hardware fuses, because a
/// software-emulated FMA would be far slower than a separate multiply and add.
/// </summary>
internal readonly unsafe struct Vector128Ops<T> : IVectorOps<Vector128<T>, T>
    where T : unmanaged
{
    public static int Count => Vector128<T>.Count;

    public static int Rows => 6;

    public static Vector128<T> Zero => Vector128<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(T* source) => Vector128.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<T> value, T* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Broadcast(T value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MultiplyAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (!Fma.IsSupported && !AdvSimd.Arm64.IsSupported)
            return (a * b) + c;

        if (typeof(T) == typeof(float))
            return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();

        return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> a, Vector128<T> b) => a * b;
}
