using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Kernels;

/// <summary>
/// Per-thread scratch memory that grows on demand and is then reused, so that steady-state kernel calls do not
/// allocate. The arrays live on the pinned object heap, so pointers into them stay valid without fixing, and the GC
/// reclaims them when their thread ends.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TUse">
/// A marker type naming what the buffer holds. Each use has a buffer of its own, so that uses live at the same time
/// on one thread (a convolution's im2col tile and the packed panels of the GEMM that reads it) never share memory.
/// </typeparam>
internal static unsafe class ScratchBuffer<T, TUse>
    where T : unmanaged
    where TUse : struct
{
    /// <summary>A cache line: vector loads from the start of the buffer never straddle two.</summary>
    private const int Alignment = 64;

    [ThreadStatic]
    private static T[]? s_storage;

    /// <summary>
    /// Returns a 64-byte aligned block of at least <paramref name="length"/> uninitialized elements, valid until the
    /// calling thread's next call for the same <typeparamref name="TUse"/>.
    /// </summary>
    public static T* Rent(int length)
    {
        int padded = length + ((Alignment + sizeof(T) - 1) / sizeof(T));
        var array = s_storage;
        if (array is null || array.Length < padded)
        {
            array = GC.AllocateUninitializedArray<T>(padded, pinned: true);
            s_storage = array;
        }

        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return (T*)((address + (Alignment - 1)) & ~(nint)(Alignment - 1));
    }
}
