using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Kernels;

/// <summary>
/// Per-thread scratch memory for packed panels: grown on demand and then reused, so steady-state GEMM calls do not
/// allocate. Pinned arrays (rather than native memory) are reclaimed by the GC when their thread ends.
/// </summary>
internal static unsafe class PackBuffers<T>
    where T : unmanaged
{
    private const int Alignment = 64;

    [ThreadStatic]
    private static T[]? storage;

    /// <summary>Returns a 64-byte aligned block of at least <paramref name="elements"/> elements, valid until this thread's next call.</summary>
    public static T* Rent(int elements)
    {
        int padded = elements + (Alignment / sizeof(T));
        var array = storage;
        if (array is null || array.Length < padded)
        {
            array = GC.AllocateUninitializedArray<T>(padded, pinned: true);
            storage = array;
        }

        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return (T*)((address + (Alignment - 1)) & ~(nint)(Alignment - 1));
    }
}
