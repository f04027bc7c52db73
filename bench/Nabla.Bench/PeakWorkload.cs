using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Bench;

/// <summary>
/// The peak workload: the float32 rate one core demonstrates on independent fused multiply-adds held in registers, the
/// ceiling a GEMM on that core can approach. Twelve accumulator chains cover the latency of two FMA ports (at most
/// eight in flight), so the figure is bound by throughput alone; GEMM rates divided by it give the kernel's efficiency.
/// </summary>
internal static class PeakWorkload
{
    /// <summary>Returns the median rate in GFLOP/s over repetitions of about 50 ms for the widest vectors supported.</summary>
    public static double Measure(double seconds)
    {
        if (Vector512.IsHardwareAccelerated)
            return Median(seconds, 16, static n => Sink(Chains512(n)));

        return Vector256.IsHardwareAccelerated
            ? Median(seconds, 8, static n => Sink(Chains256(n)))
            : Median(seconds, 4, static n => Sink(Chains128(n)));
    }

    private static double Median(double seconds, int lanes, Action<long> run)
    {
        const long Iterations = 1_000_000;
        run(Iterations);
        var rates = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || rates.Count < 5)
        {
            var watch = Stopwatch.StartNew();
            run(Iterations);
            rates.Add(12.0 * lanes * 2 * Iterations / watch.Elapsed.TotalSeconds / 1e9);
        }

        rates.Sort();
        return rates[rates.Count / 2];
    }

    private static void Sink(float value)
    {
        if (value == float.MinValue)
            Console.Error.WriteLine(value);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains512(long n)
    {
        var x = Vector512.Create(0.999f);
        var y = Vector512.Create(1e-3f);
        Vector512<float> c0 = x, c1 = x, c2 = x, c3 = x, c4 = x, c5 = x, c6 = x, c7 = x, c8 = x, c9 = x, c10 = x, c11 = x;
        for (long i = 0; i < n; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, x, y);
            c1 = Vector512.FusedMultiplyAdd(c1, x, y);
            c2 = Vector512.FusedMultiplyAdd(c2, x, y);
            c3 = Vector512.FusedMultiplyAdd(c3, x, y);
            c4 = Vector512.FusedMultiplyAdd(c4, x, y);
            c5 = Vector512.FusedMultiplyAdd(c5, x, y);
            c6 = Vector512.FusedMultiplyAdd(c6, x, y);
            c7 = Vector512.FusedMultiplyAdd(c7, x, y);
            c8 = Vector512.FusedMultiplyAdd(c8, x, y);
            c9 = Vector512.FusedMultiplyAdd(c9, x, y);
            c10 = Vector512.FusedMultiplyAdd(c10, x, y);
            c11 = Vector512.FusedMultiplyAdd(c11, x, y);
        }

        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains256(long n)
    {
        var x = Vector256.Create(0.999f);
        var y = Vector256.Create(1e-3f);
        Vector256<float> c0 = x, c1 = x, c2 = x, c3 = x, c4 = x, c5 = x, c6 = x, c7 = x, c8 = x, c9 = x, c10 = x, c11 = x;
        for (long i = 0; i < n; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, x, y);
            c1 = Vector256.FusedMultiplyAdd(c1, x, y);
            c2 = Vector256.FusedMultiplyAdd(c2, x, y);
            c3 = Vector256.FusedMultiplyAdd(c3, x, y);
            c4 = Vector256.FusedMultiplyAdd(c4, x, y);
            c5 = Vector256.FusedMultiplyAdd(c5, x, y);
            c6 = Vector256.FusedMultiplyAdd(c6, x, y);
            c7 = Vector256.FusedMultiplyAdd(c7, x, y);
            c8 = Vector256.FusedMultiplyAdd(c8, x, y);
            c9 = Vector256.FusedMultiplyAdd(c9, x, y);
            c10 = Vector256.FusedMultiplyAdd(c10, x, y);
            c11 = Vector256.FusedMultiplyAdd(c11, x, y);
        }

        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains128(long n)
    {
        var x = Vector128.Create(0.999f);
        var y = Vector128.Create(1e-3f);
        Vector128<float> c0 = x, c1 = x, c2 = x, c3 = x, c4 = x, c5 = x, c6 = x, c7 = x, c8 = x, c9 = x, c10 = x, c11 = x;
        for (long i = 0; i < n; i++)
        {
            c0 = Vector128.FusedMultiplyAdd(c0, x, y);
            c1 = Vector128.FusedMultiplyAdd(c1, x, y);
            c2 = Vector128.FusedMultiplyAdd(c2, x, y);
            c3 = Vector128.FusedMultiplyAdd(c3, x, y);
            c4 = Vector128.FusedMultiplyAdd(c4, x, y);
            c5 = Vector128.FusedMultiplyAdd(c5, x, y);
            c6 = Vector128.FusedMultiplyAdd(c6, x, y);
            c7 = Vector128.FusedMultiplyAdd(c7, x, y);
            c8 = Vector128.FusedMultiplyAdd(c8, x, y);
            c9 = Vector128.FusedMultiplyAdd(c9, x, y);
            c10 = Vector128.FusedMultiplyAdd(c10, x, y);
            c11 = Vector128.FusedMultiplyAdd(c11, x, y);
        }

        return Vector128.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
