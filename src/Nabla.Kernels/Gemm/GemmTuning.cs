namespace Nabla.Kernels;

/// <summary>
/// The in-place and threading thresholds of <see cref="BlockedGemm{TOps, TVector, T, TShape}"/>, measured on a 2-core
/// AVX-512 EPYC (48 KiB L1d and 1 MiB L2 per core, 32 MiB L3); the throughput is flat within the run-to-run noise
/// (about 5%) around them. The cache blocks come from the machine (<see cref="GemmConfiguration"/>).
/// </summary>
internal static class GemmTuning
{
    /// <summary>
    /// Widest stride, in bytes, of an operand read in place instead of packed. Up to here a panel's elements sit
    /// close enough together that streaming them costs no more than streaming a packed panel.
    /// </summary>
    public const int InPlaceStrideBytes = 256;

    /// <summary>
    /// Least work worth handing to another thread, in flop-equivalents (see <see cref="Work"/>): about 1.5 µs on one
    /// core. Below it the operands and the result would have to cross between the cores' caches, which costs more
    /// than the second core saves; the skinny products of a tiny network (1000×2×16, say) stay on one thread.
    /// </summary>
    public const double MinTaskWork = 262144;

    /// <summary>
    /// Least arithmetic intensity, in flops per element of A, B and C touched, at which a product is split over
    /// threads. Below it the product is bound by memory traffic, and a second core mostly pulls operands and results
    /// across from the first core's cache: 1000×16×16 (about 16) runs faster on one thread, 64³ (about 43) on two.
    /// </summary>
    public const double MinSplitIntensity = 24;

    /// <summary>Work above which a product is split whatever its intensity: each core then streams its own share.</summary>
    public const double MinStreamingSplitWork = 1 << 24;

    /// <summary>Whether <paramref name="batch"/> m×n×k products are worth spreading over more than one thread.</summary>
    public static bool WorthSplitting(int m, int n, int k, int batch)
    {
        double work = Work(m, n, k) * batch;
        if (work < 2 * MinTaskWork) return false;
        if (work >= MinStreamingSplitWork) return true;
        double elements = ((double)m * k) + ((double)k * n) + ((double)m * n);
        return 2.0 * m * n * k / elements >= MinSplitIntensity;
    }

    /// <summary>
    /// Estimated cost of one m×n×k product in flop-equivalents: the 2mnk flops plus, for skinny products where flops
    /// say little, about 16 per element of C written and 16 per element of A and B packed.
    /// </summary>
    public static double Work(int m, int n, int k) => (2.0 * m * n * k) + (16.0 * m * n) + (16.0 * k * ((double)m + n));
}
