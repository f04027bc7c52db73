using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>One axis of PyTorch's adaptive window: [floor(o·size/outSize), ceil((o+1)·size/outSize)), never empty.</summary>
internal readonly struct AdaptiveAxis(int size, int outSize) : IWindowAxis
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (int Start, int End, int Count) Window(int o)
    {
        int start = (int)((long)o * size / outSize);
        int end = (int)((((long)(o + 1) * size) + outSize - 1) / outSize);
        return (start, end, end - start);
    }
}
