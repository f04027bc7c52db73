namespace Nabla.Kernels;

/// <summary>A pooling kernel over whole (n, c) planes, which are pooled independently.</summary>
internal interface IPlaneKernel
{
    /// <summary>Pools planes [start, end); distinct ranges run concurrently against the same instance.</summary>
    void Run(int start, int end);
}

/// <summary>
/// Spreads the planes of one pooling call: on the calling thread when the total work is small, otherwise in
/// contiguous ranges over <see cref="Parallelism.NumThreads"/> threads.
/// </summary>
internal static class PoolPlanes
{
    /// <summary>Below this many window elements in total a pooling runs on the calling thread.</summary>
    private const long ParallelThreshold = 1 << 15;

    /// <summary>Runs <paramref name="kernel"/> over every plane of <paramref name="g"/>, whose sizes estimate the work.</summary>
    public static void Run<TKernel>(in PoolGeometry g, in TKernel kernel)
        where TKernel : struct, IPlaneKernel
    {
        int planes = g.Batch * g.Channels;
        if (planes == 0)
            return;

        long work = planes * Math.Max((long)g.InHeight * g.InWidth, (long)g.OutHeight * g.OutWidth * g.KernelH * g.KernelW);
        int threads = Parallelism.NumThreads;
        if (threads == 1 || planes == 1 || work < ParallelThreshold)
        {
            kernel.Run(0, planes);
            return;
        }

        // A few ranges per thread let the others even out a thread that starts late.
        int ranges = (int)Math.Clamp(work / (ParallelThreshold / 2), 2, Math.Min(planes, 4L * threads));
        ParallelJob<Ranges<TKernel>>.For(ranges, new Ranges<TKernel>(kernel, planes, ranges));
    }

    private readonly struct Ranges<TKernel>(TKernel kernel, int planes, int ranges) : IParallelWork
        where TKernel : struct, IPlaneKernel
    {
        public void Run(int range)
        {
            (int start, int end) = WorkRanges.Part(planes, ranges, range);
            kernel.Run(start, end);
        }
    }
}
