using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// The bias gradient of a convolution, one contiguous range of output channels per item out of <c>ranges</c>:
/// gradBias[o] is the sum over images of each gradient plane's sum, accumulated in double.
/// </summary>
internal readonly unsafe struct ConvBackwardBias<T>(ConvLayout l, T* gy, T* gb, int ranges) : IParallelWork
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Run(int range)
    {
        int channels = l.G.OutChannels;
        (int start, int end) = WorkRanges.Part(channels, ranges, range);
        for (int o = start; o < end; o++)
        {
            double sum = 0;
            for (int n = 0; n < l.Batch; n++)
                sum += double.CreateTruncating(TensorPrimitives.Sum(new ReadOnlySpan<T>(gy + ((((nint)n * channels) + o) * l.OutPlane), l.OutPlane)));

            gb[o] = T.CreateTruncating(sum);
        }
    }
}
