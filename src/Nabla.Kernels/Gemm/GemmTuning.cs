namespace Nabla.Kernels;

/// <summary>
/// Cache blocking and threading thresholds for <see cref="BlockedGemm{TOps, TVector, T, TShape}"/>, measured on a
/// 2-core AVX-512 EPYC (32 KiB L1d, 1 MiB L2 per core); the throughput is flat within a few percent around them.
/// </summary>
internal static class GemmTuning
{
    /// <summary>Depth of a k slice. Deeper slices mean fewer passes of partial sums through C.</summary>
    public const int Kc = 512;

    /// <summary>Rows of A packed at once: the MC×KC block stays in L2 while B's panels stream past it.</summary>
    public const int Mc = 96;

    /// <summary>Columns of B packed at once: the KC×NC block stays in L2/L3 while A's row blocks stream past it.</summary>
    public const int Nc = 1024;

    /// <summary>
    /// Widest stride, in bytes, of an operand read in place instead of packed. Up to here a panel's elements sit
    /// close enough together that streaming them costs no more than streaming a packed panel.
    /// </summary>
    public const int InPlaceStrideBytes = 256;

    /// <summary>
    /// Least work worth handing to another thread, in flop-equivalents (see <see cref="Work"/>): about 0.6 µs on
    /// one core, a few times the cost of waking a spinning worker.
    /// </summary>
    public const double MinTaskWork = 65536;

    /// <summary>
    /// Estimated cost of one m×n×k product in flop-equivalents: the 2mnk flops plus, for skinny products where flops
    /// say little, about 16 per element of C written and 16 per element of A and B packed.
    /// </summary>
    public static double Work(int m, int n, int k) => (2.0 * m * n * k) + (16.0 * m * n) + (16.0 * k * ((double)m + n));
}
