using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// Fused batch, group and layer normalisation over contiguous inputs, forward and backward. Statistics are computed
/// in one pass with float64 sums shifted by the group's first element (mean = k + Σ(x − k)/m, biased variance =
/// (Σ(x − k)² − (Σ(x − k))²/m)/m), the normalisation and the per-channel affine map in a second one, as
/// y = x·a + b with a = rstd·weight and b = bias − mean·a (in float64). Backward computes the input gradient in one pass from
/// per-group float64 sums of g and g·(x − mean), and the weight and bias gradients in one pass. Work is spread over
/// <see cref="Parallelism.NumThreads"/> threads by channels (batch norm) or rows (group and layer norm) when large
/// enough. Steady-state calls do not allocate.
/// </summary>
public static unsafe class NormalizationKernels
{
    /// <summary>Below this many elements a normalisation runs on the calling thread.</summary>
    private const long ParallelThreshold = 1 << 15;

    /// <summary>
    /// Batch normalisation of an (N, C, S) input per channel: in training the batch mean and biased variance of each
    /// channel over N and S are written to <paramref name="mean"/> and <paramref name="variance"/>; otherwise they are
    /// read from there (the running statistics). rstd = 1/√(variance + eps) is written to <paramref name="rstd"/>, and
    /// output = (input − mean)·rstd·weight + bias.
    /// </summary>
    /// <param name="batch">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="spatial">S, the product of the dims after the channel dim (1 for an (N, C) input).</param>
    /// <param name="input">The input, (N, C, S).</param>
    /// <param name="weight">The per-channel scale (C), or empty for none.</param>
    /// <param name="bias">The per-channel shift (C), or empty for none.</param>
    /// <param name="training">Compute the statistics (true) or read them (false).</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="mean">The per-channel mean (C).</param>
    /// <param name="variance">The per-channel biased variance (C).</param>
    /// <param name="rstd">Written: the per-channel 1/√(variance + eps) (C).</param>
    /// <param name="output">The output, (N, C, S), overwritten.</param>
    /// <exception cref="ArgumentException">A size is negative or a span length does not match the sizes.</exception>
    public static void BatchNormForward<T>(int batch, int channels, int spatial, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        bool training, double eps, Span<double> mean, Span<double> variance, Span<double> rstd, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string Op = "BatchNorm forward";
        int length = CheckSizes(Op, batch, channels, spatial);
        KernelArguments.CheckLengths(Op, [("input", input.Length, length), ("output", output.Length, length), ("mean", mean.Length, channels),
            ("variance", variance.Length, channels), ("rstd", rstd.Length, channels)]);
        CheckOptional(Op, "weight", weight.Length, channels);
        CheckOptional(Op, "bias", bias.Length, channels);
        fixed (T* px = input)
        fixed (T* pw = weight)
        fixed (T* pb = bias)
        fixed (T* py = output)
        fixed (double* pm = mean)
        fixed (double* pv = variance)
        fixed (double* pr = rstd)
        {
            var work = new BatchForward<T>(batch, channels, spatial, px, weight.IsEmpty ? null : pw, bias.IsEmpty ? null : pb, py, training, eps, pm, pv, pr);
            RunItems(channels, length, work);
        }
    }

    /// <summary>
    /// Gradients of <see cref="BatchNormForward{T}"/> for output gradient <paramref name="gradOutput"/>. With
    /// x̂ = (x − mean)·rstd and m = N·S: gradWeight[c] = Σ g·x̂, gradBias[c] = Σ g, and gradInput =
    /// rstd·weight·(g − Σg/m − x̂·Σ(g·x̂)/m) in training, rstd·weight·g with fixed (running) statistics.
    /// </summary>
    /// <param name="batch">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="spatial">S.</param>
    /// <param name="input">The forward input, (N, C, S).</param>
    /// <param name="weight">The per-channel scale (C), or empty for none.</param>
    /// <param name="gradOutput">The output gradient, (N, C, S).</param>
    /// <param name="mean">The mean the forward pass used (C).</param>
    /// <param name="rstd">The rstd the forward pass used (C).</param>
    /// <param name="training">Whether the statistics were the batch's own (and so depend on the input).</param>
    /// <param name="gradInput">Written when not empty: the input gradient, (N, C, S).</param>
    /// <param name="gradWeight">Written when not empty: the weight gradient (C).</param>
    /// <param name="gradBias">Written when not empty: the bias gradient (C).</param>
    /// <exception cref="ArgumentException">A size is negative or a span length does not match the sizes.</exception>
    public static void BatchNormBackward<T>(int batch, int channels, int spatial, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> gradOutput,
        ReadOnlySpan<double> mean, ReadOnlySpan<double> rstd, bool training, Span<T> gradInput, Span<T> gradWeight, Span<T> gradBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string Op = "BatchNorm backward";
        int length = CheckSizes(Op, batch, channels, spatial);
        KernelArguments.CheckLengths(Op, [("input", input.Length, length), ("gradOutput", gradOutput.Length, length), ("mean", mean.Length, channels),
            ("rstd", rstd.Length, channels)]);
        CheckOptional(Op, "weight", weight.Length, channels);
        CheckOptional(Op, "gradInput", gradInput.Length, length);
        CheckOptional(Op, "gradWeight", gradWeight.Length, channels);
        CheckOptional(Op, "gradBias", gradBias.Length, channels);
        fixed (T* px = input)
        fixed (T* pw = weight)
        fixed (T* pg = gradOutput)
        fixed (double* pm = mean)
        fixed (double* pr = rstd)
        fixed (T* pgx = gradInput)
        fixed (T* pgw = gradWeight)
        fixed (T* pgb = gradBias)
        {
            var work = new BatchBackward<T>(batch, channels, spatial, px, weight.IsEmpty ? null : pw, pg, pm, pr, training,
                gradInput.IsEmpty ? null : pgx, gradWeight.IsEmpty ? null : pgw, gradBias.IsEmpty ? null : pgb);
            RunItems(channels, length, work);
        }
    }

    /// <summary>
    /// Normalisation of each contiguous row of an (R, K, S) input with its own mean and biased variance, then an affine
    /// map per channel (R mod groups)·K + k: group normalisation of (N, C, S) is R = N·groups, K = C/groups; layer
    /// normalisation over the trailing M elements is groups = 1, K = M, S = 1 (one scale per normalised element).
    /// </summary>
    /// <param name="rows">R.</param>
    /// <param name="groups">The number of groups the rows cycle through (affine channels groups·K).</param>
    /// <param name="channelsPerGroup">K.</param>
    /// <param name="spatial">S.</param>
    /// <param name="input">The input, (R, K, S).</param>
    /// <param name="weight">The scale (groups·K), or empty for none.</param>
    /// <param name="bias">The shift (groups·K), or empty for none.</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="mean">Written: each row's mean (R).</param>
    /// <param name="rstd">Written: each row's 1/√(variance + eps) (R).</param>
    /// <param name="output">The output, (R, K, S), overwritten.</param>
    /// <exception cref="ArgumentException">A size is invalid or a span length does not match the sizes.</exception>
    public static void RowNormForward<T>(int rows, int groups, int channelsPerGroup, int spatial, ReadOnlySpan<T> input, ReadOnlySpan<T> weight,
        ReadOnlySpan<T> bias, double eps, Span<double> mean, Span<double> rstd, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string Op = "RowNorm forward";
        int length = CheckRowSizes(Op, rows, groups, channelsPerGroup, spatial);
        KernelArguments.CheckLengths(Op, [("input", input.Length, length), ("output", output.Length, length), ("mean", mean.Length, rows), ("rstd", rstd.Length, rows)]);
        CheckOptional(Op, "weight", weight.Length, groups * channelsPerGroup);
        CheckOptional(Op, "bias", bias.Length, groups * channelsPerGroup);
        fixed (T* px = input)
        fixed (T* pw = weight)
        fixed (T* pb = bias)
        fixed (T* py = output)
        fixed (double* pm = mean)
        fixed (double* pr = rstd)
        {
            var work = new RowForward<T>(groups, channelsPerGroup, spatial, px, weight.IsEmpty ? null : pw, bias.IsEmpty ? null : pb, py, eps, pm, pr);
            RunRanges(rows, length, work);
        }
    }

    /// <summary>
    /// Gradients of <see cref="RowNormForward{T}"/>. With x̂ = (x − mean)·rstd per row, L = K·S and ĝ = g·weight:
    /// gradInput = rstd·(ĝ − Σĝ/L − x̂·Σ(ĝ·x̂)/L) over each row; gradWeight and gradBias sum g·x̂ and g over the rows and
    /// positions of each affine channel.
    /// </summary>
    /// <param name="rows">R.</param>
    /// <param name="groups">The number of groups the rows cycle through.</param>
    /// <param name="channelsPerGroup">K.</param>
    /// <param name="spatial">S.</param>
    /// <param name="input">The forward input, (R, K, S).</param>
    /// <param name="weight">The scale (groups·K), or empty for none.</param>
    /// <param name="gradOutput">The output gradient, (R, K, S).</param>
    /// <param name="mean">The rows' means from the forward pass (R).</param>
    /// <param name="rstd">The rows' rstd from the forward pass (R).</param>
    /// <param name="gradInput">Written when not empty: the input gradient, (R, K, S).</param>
    /// <param name="gradWeight">Written when not empty: the weight gradient (groups·K).</param>
    /// <param name="gradBias">Written when not empty: the bias gradient (groups·K).</param>
    /// <exception cref="ArgumentException">A size is invalid or a span length does not match the sizes.</exception>
    public static void RowNormBackward<T>(int rows, int groups, int channelsPerGroup, int spatial, ReadOnlySpan<T> input, ReadOnlySpan<T> weight,
        ReadOnlySpan<T> gradOutput, ReadOnlySpan<double> mean, ReadOnlySpan<double> rstd, Span<T> gradInput, Span<T> gradWeight, Span<T> gradBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string Op = "RowNorm backward";
        int length = CheckRowSizes(Op, rows, groups, channelsPerGroup, spatial);
        int channels = groups * channelsPerGroup;
        KernelArguments.CheckLengths(Op, [("input", input.Length, length), ("gradOutput", gradOutput.Length, length), ("mean", mean.Length, rows), ("rstd", rstd.Length, rows)]);
        CheckOptional(Op, "weight", weight.Length, channels);
        CheckOptional(Op, "gradInput", gradInput.Length, length);
        CheckOptional(Op, "gradWeight", gradWeight.Length, channels);
        CheckOptional(Op, "gradBias", gradBias.Length, channels);
        fixed (T* px = input)
        fixed (T* pw = weight)
        fixed (T* pg = gradOutput)
        fixed (double* pm = mean)
        fixed (double* pr = rstd)
        fixed (T* pgx = gradInput)
        fixed (T* pgw = gradWeight)
        fixed (T* pgb = gradBias)
        {
            if (!gradInput.IsEmpty)
                RunRanges(rows, length, new RowBackwardInput<T>(groups, channelsPerGroup, spatial, px, weight.IsEmpty ? null : pw, pg, pm, pr, pgx));
            if (!gradWeight.IsEmpty || !gradBias.IsEmpty)
            {
                int block = spatial >= 64 ? 1 : AffineBlock;
                var work = new RowBackwardAffine<T>(rows / groups, groups, channelsPerGroup, spatial, block, px, pg, pm, pr,
                    gradWeight.IsEmpty ? null : pgw, gradBias.IsEmpty ? null : pgb);
                RunItems((channels + block - 1) / block, length, work);
            }
        }
    }

    /// <summary>Affine channels per work item when each channel has few elements per row (layer norm).</summary>
    private const int AffineBlock = 16;

    private static int CheckSizes(string op, int batch, int channels, int spatial)
    {
        if (batch < 0 || channels < 0 || spatial < 0)
            throw new ArgumentException($"{op}: sizes must be non-negative, got N={batch}, C={channels}, S={spatial}.");
        long length = (long)batch * channels * spatial;
        if (length > int.MaxValue)
            throw new ArgumentException($"{op}: {batch}×{channels}×{spatial} elements exceed a span's length.");
        return (int)length;
    }

    private static int CheckRowSizes(string op, int rows, int groups, int channelsPerGroup, int spatial)
    {
        if (groups <= 0 || rows < 0 || rows % groups != 0)
            throw new ArgumentException($"{op}: {rows} rows cannot cycle through {groups} groups.");
        return CheckSizes(op, rows, channelsPerGroup, spatial);
    }

    private static void CheckOptional(string op, string name, int length, int expected)
    {
        if (length != 0) KernelArguments.CheckLength(op, name, length, expected);
    }

    /// <summary>Runs items [0, count) inline when the call is small, otherwise over the thread pool.</summary>
    private static void RunItems<TWork>(int count, long elements, in TWork work)
        where TWork : struct, IParallelWork
    {
        if (count <= 1 || elements < ParallelThreshold || Parallelism.NumThreads == 1)
        {
            for (int i = 0; i < count; i++) work.Run(i);
            return;
        }
        ParallelJob<TWork>.For(count, work);
    }

    /// <summary>Runs rows [0, count) as a few contiguous ranges per thread, or inline when the call is small.</summary>
    private static void RunRanges<TKernel>(int rows, long elements, in TKernel kernel)
        where TKernel : struct, IRowKernel
    {
        int threads = Parallelism.NumThreads;
        if (rows <= 1 || elements < ParallelThreshold || threads == 1)
        {
            kernel.Run(0, rows);
            return;
        }
        int ranges = Math.Min(rows, 4 * threads);
        ParallelJob<RowRanges<TKernel>>.For(ranges, new RowRanges<TKernel>(kernel, rows, ranges));
    }

    private interface IRowKernel
    {
        void Run(int start, int end);
    }

    private readonly struct RowRanges<TKernel>(TKernel kernel, int rows, int ranges) : IParallelWork
        where TKernel : struct, IRowKernel
    {
        public void Run(int range)
        {
            (int start, int end) = WorkRanges.Part(rows, ranges, range);
            kernel.Run(start, end);
        }
    }

    private readonly struct BatchForward<T>(int n, int c, int s, T* x, T* w, T* b, T* y, bool training, double eps, double* mean, double* variance, double* rstd)
        : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int channel)
        {
            long plane = (long)c * s, offset = (long)channel * s;
            double mu, v;
            if (training)
            {
                long m = (long)n * s;
                double shift = m > 0 ? double.CreateTruncating(x[offset]) : 0, s1 = 0, s2 = 0;
                for (int i = 0; i < n; i++) NormLanes.SumShifted(x + i * plane + offset, s, shift, ref s1, ref s2);
                mu = m > 0 ? shift + s1 / m : double.NaN;
                v = m > 0 ? Math.Max(0, (s2 - s1 * s1 / m) / m) : double.NaN;
                mean[channel] = mu;
                variance[channel] = v;
            }
            else
            {
                mu = mean[channel];
                v = variance[channel];
            }
            double r = 1 / Math.Sqrt(v + eps);
            rstd[channel] = r;
            double a = w is null ? r : r * double.CreateTruncating(w[channel]);
            double shiftOut = (b is null ? 0 : double.CreateTruncating(b[channel])) - mu * a;
            for (int i = 0; i < n; i++) NormLanes.Affine(x + i * plane + offset, y + i * plane + offset, s, a, shiftOut);
        }
    }

    private readonly struct BatchBackward<T>(int n, int c, int s, T* x, T* w, T* g, double* mean, double* rstd, bool training, T* gx, T* gw, T* gb)
        : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int channel)
        {
            long plane = (long)c * s, offset = (long)channel * s;
            double mu = mean[channel], r = rstd[channel], scale = w is null ? 1 : double.CreateTruncating(w[channel]);
            double sg = 0, sgx = 0;
            if (training || gw is not null || gb is not null)
                for (int i = 0; i < n; i++) NormLanes.SumGrad(g + i * plane + offset, x + i * plane + offset, s, mu, ref sg, ref sgx);
            if (gw is not null) gw[channel] = T.CreateTruncating(sgx * r);
            if (gb is not null) gb[channel] = T.CreateTruncating(sg);
            if (gx is null) return;
            double a = scale * r, c2 = 0, c3 = 0;
            long m = (long)n * s;
            if (training && m > 0)
            {
                c2 = -a * r * r * sgx / m;
                c3 = -c2 * mu - a * sg / m;
            }
            for (int i = 0; i < n; i++) NormLanes.AffineGrad(g + i * plane + offset, x + i * plane + offset, gx + i * plane + offset, s, a, c2, c3);
        }
    }

    private readonly struct RowForward<T>(int groups, int k, int s, T* x, T* w, T* b, T* y, double eps, double* mean, double* rstd) : IRowKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int start, int end)
        {
            long length = (long)k * s;
            for (int row = start; row < end; row++)
            {
                T* xr = x + row * length, yr = y + row * length;
                double shift = length > 0 ? double.CreateTruncating(xr[0]) : 0, s1 = 0, s2 = 0;
                NormLanes.SumShifted(xr, (int)length, shift, ref s1, ref s2);
                double mu = length > 0 ? shift + s1 / length : double.NaN;
                double v = length > 0 ? Math.Max(0, (s2 - s1 * s1 / length) / length) : double.NaN;
                double r = 1 / Math.Sqrt(v + eps);
                mean[row] = mu;
                rstd[row] = r;
                int first = row % groups * k;
                if (w is null && b is null)
                {
                    NormLanes.Affine(xr, yr, (int)length, r, -mu * r);
                }
                else if (s == 1)
                {
                    NormLanes.AffineChannels(xr, yr, w is null ? null : w + first, b is null ? null : b + first, k, r, mu);
                }
                else
                {
                    for (int j = 0; j < k; j++)
                    {
                        double a = w is null ? r : r * double.CreateTruncating(w[first + j]);
                        double bj = (b is null ? 0 : double.CreateTruncating(b[first + j])) - mu * a;
                        NormLanes.Affine(xr + (long)j * s, yr + (long)j * s, s, a, bj);
                    }
                }
            }
        }
    }

    private readonly struct RowBackwardInput<T>(int groups, int k, int s, T* x, T* w, T* g, double* mean, double* rstd, T* gx) : IRowKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int start, int end)
        {
            long length = (long)k * s;
            for (int row = start; row < end; row++)
            {
                T* xr = x + row * length, gr = g + row * length, gxr = gx + row * length;
                double mu = mean[row], r = rstd[row];
                int first = row % groups * k;
                // sumG = Σ weight·g and sumGx = Σ weight·g·(x − mean) over the row.
                double sumG = 0, sumGx = 0;
                if (w is null)
                {
                    NormLanes.SumGrad(gr, xr, (int)length, mu, ref sumG, ref sumGx);
                }
                else if (s == 1)
                {
                    NormLanes.SumGradChannels(gr, xr, w + first, k, mu, ref sumG, ref sumGx);
                }
                else
                {
                    for (int j = 0; j < k; j++)
                    {
                        double sg = 0, sgx = 0, scale = double.CreateTruncating(w[first + j]);
                        NormLanes.SumGrad(gr + (long)j * s, xr + (long)j * s, s, mu, ref sg, ref sgx);
                        sumG += scale * sg;
                        sumGx += scale * sgx;
                    }
                }
                double c2 = length > 0 ? -r * r * r * sumGx / length : 0;
                double c3 = length > 0 ? -c2 * mu - r * sumG / length : 0;
                if (w is null)
                {
                    NormLanes.AffineGrad(gr, xr, gxr, (int)length, r, c2, c3);
                }
                else if (s == 1)
                {
                    NormLanes.AffineGradChannels(gr, xr, w + first, gxr, k, r, c2, c3);
                }
                else
                {
                    for (int j = 0; j < k; j++)
                        NormLanes.AffineGrad(gr + (long)j * s, xr + (long)j * s, gxr + (long)j * s, s, r * double.CreateTruncating(w[first + j]), c2, c3);
                }
            }
        }
    }

    /// <summary>The weight and bias gradients of a block of affine channels, summed over every row of their group.</summary>
    private readonly struct RowBackwardAffine<T>(int batch, int groups, int k, int s, int block, T* x, T* g, double* mean, double* rstd, T* gw, T* gb)
        : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int item)
        {
            int channels = groups * k;
            int first = item * block, last = Math.Min(channels, first + block);
            Span<double> sumW = stackalloc double[AffineBlock];
            Span<double> sumB = stackalloc double[AffineBlock];
            sumW.Clear();
            sumB.Clear();
            long length = (long)k * s;
            if (s == 1 && first / k == (last - 1) / k)
            {
                // One element per channel and row, all in one group: the block's channels side by side in lanes.
                int group = first / k;
                fixed (double* pw = sumW, pb = sumB)
                {
                    for (int i = 0; i < batch; i++)
                    {
                        int row = i * groups + group;
                        long offset = row * length + first - (group * k);
                        NormLanes.AccumulateAffine(g + offset, x + offset, last - first, mean[row], rstd[row], pw, pb);
                    }
                }
            }
            else
            {
                for (int i = 0; i < batch; i++)
                {
                    for (int channel = first; channel < last; channel++)
                    {
                        int group = channel / k, j = channel % k;
                        int row = i * groups + group;
                        long offset = row * length + (long)j * s;
                        double mu = mean[row], sg = 0, sgx = 0;
                        NormLanes.SumGrad(g + offset, x + offset, s, mu, ref sg, ref sgx);
                        sumW[channel - first] += sgx * rstd[row];
                        sumB[channel - first] += sg;
                    }
                }
            }
            for (int channel = first; channel < last; channel++)
            {
                if (gw is not null) gw[channel] = T.CreateTruncating(sumW[channel - first]);
                if (gb is not null) gb[channel] = T.CreateTruncating(sumB[channel - first]);
            }
        }
    }
}
