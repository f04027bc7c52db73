using System.Diagnostics;
using Nabla.Kernels;

namespace Nabla.Bench;

/// <summary>The gemm workload: float32 C = op(A)·op(B) through <see cref="Gemm"/>, in GFLOP/s.</summary>
internal static class GemmWorkload
{
    /// <summary>
    /// Measures C (m×n) = op(A)·op(B) with op(A) m×k and op(B) k×n, where a transposed operand is stored row-major in
    /// its transposed shape and passed with swapped strides, as backward passes do. Runs on <paramref name="threads"/>
    /// threads for about <paramref name="seconds"/> after a warm-up and returns the median rate over repetitions of
    /// at least 20 ms each, in GFLOP/s (2·m·n·k flops per product).
    /// </summary>
    public static double Measure(int m, int k, int n, bool transA, bool transB, int threads, double seconds)
    {
        var random = new Random(42);
        var a = new float[m * k];
        var b = new float[k * n];
        var c = new float[m * n];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)(random.NextDouble() - 0.5);
        }

        for (int i = 0; i < b.Length; i++)
        {
            b[i] = (float)(random.NextDouble() - 0.5);
        }

        var (aRow, aCol) = transA ? (1, m) : (k, 1);
        var (bRow, bCol) = transB ? (1, k) : (n, 1);
        void Once() => Gemm.Multiply(m, n, k, 1f, a, aRow, aCol, b, bRow, bCol, 0f, c, n);

        int saved = Parallelism.NumThreads;
        Parallelism.NumThreads = threads;
        try
        {
            // A second of warm-up lets tiered compilation reach the optimized code; then one repetition is sized to >= 20 ms.
            var warmup = Stopwatch.StartNew();
            while (warmup.Elapsed.TotalSeconds < 1)
            {
                Once();
            }

            long calls = 1;
            var watch = Stopwatch.StartNew();
            while (true)
            {
                watch.Restart();
                for (long i = 0; i < calls; i++)
                {
                    Once();
                }

                if (watch.Elapsed.TotalMilliseconds >= 20)
                {
                    break;
                }

                calls *= 2;
            }

            var rates = new List<double>();
            var total = Stopwatch.StartNew();
            double flops = 2.0 * m * n * k * calls;
            do
            {
                watch.Restart();
                for (long i = 0; i < calls; i++)
                {
                    Once();
                }

                rates.Add(flops / watch.Elapsed.TotalSeconds / 1e9);
            }
            while (total.Elapsed.TotalSeconds < seconds || rates.Count < 3);

            rates.Sort();
            return rates[rates.Count / 2];
        }
        finally
        {
            Parallelism.NumThreads = saved;
        }
    }
}
