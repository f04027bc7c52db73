using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// One GRU step over a batch, fused, as PyTorch defines it: from the input gates gi (N, 3H) and the recurrent gates
/// gh (N, 3H), in the gate order r, z, n and each with its own bias, and the previous state h (N, H):
/// r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r·gh_n), h' = n + z·(h − n) = (1 − z)·n + z·h.
/// The workspace (N, 3H) keeps r, z and n per row for <see cref="Backward{T}"/>. Operands are contiguous rows with
/// their own row strides. The whole-sequence kernel <see cref="GruSequenceKernel"/> runs these steps one after another.
/// </summary>
public static class GruCellKernel
{
    /// <summary>The step's forward pass.</summary>
    /// <param name="batch">N, the rows.</param>
    /// <param name="hidden">H, the hidden size.</param>
    /// <param name="gi">The input gates, rows of 3H.</param>
    /// <param name="giStride">The row stride of <paramref name="gi"/>.</param>
    /// <param name="gh">The recurrent gates, rows of 3H.</param>
    /// <param name="ghStride">The row stride of <paramref name="gh"/>.</param>
    /// <param name="hPrev">The previous state, rows of H.</param>
    /// <param name="hStride">The row stride of <paramref name="hPrev"/>.</param>
    /// <param name="output">(N, H) contiguous: h'.</param>
    /// <param name="workspace">(N, 3H) contiguous: r, z, n.</param>
    public static void Forward<T>(int batch, int hidden, ReadOnlySpan<T> gi, int giStride, ReadOnlySpan<T> gh, int ghStride,
        ReadOnlySpan<T> hPrev, int hStride, Span<T> output, Span<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = hidden;
        for (int row = 0; row < batch; row++)
        {
            var w = workspace.Slice(row * 3 * h, 3 * h);
            var giRow = gi.Slice(row * giStride, 3 * h);
            var ghRow = gh.Slice(row * ghStride, 3 * h);
            var rz = w[..(2 * h)];
            TensorPrimitives.Add(giRow[..(2 * h)], ghRow[..(2 * h)], rz);
            SigmoidOperator<T>.Apply(rz, rz);
            var n = w.Slice(2 * h, h);
            TensorPrimitives.Multiply(w[..h], ghRow.Slice(2 * h, h), n);
            TensorPrimitives.Add(n, giRow.Slice(2 * h, h), n);
            TanhOperator<T>.Apply(n, n);
            var hp = hPrev.Slice(row * hStride, h);
            var outRow = output.Slice(row * h, h);
            TensorPrimitives.Subtract(hp, n, outRow);
            TensorPrimitives.Multiply(outRow, w.Slice(h, h), outRow);
            TensorPrimitives.Add(outRow, n, outRow);
        }
    }

    /// <summary>
    /// The step's backward pass from the gradient of h': the gradients of gi (N, 3H), of gh (N, 3H) and of the previous
    /// state (N, H), the last only the part that flows through the step's own h (z·dh'), not the part through gh. Each
    /// element of <paramref name="gradH"/> is written after the same element of <paramref name="gradOutputMore"/> is
    /// read, so the two may be one buffer.
    /// </summary>
    /// <param name="batch">N, the rows.</param>
    /// <param name="hidden">H, the hidden size.</param>
    /// <param name="workspace">The forward pass's workspace, (N, 3H).</param>
    /// <param name="gh">The recurrent gates, rows of 3H.</param>
    /// <param name="ghStride">The row stride of <paramref name="gh"/>.</param>
    /// <param name="hPrev">The previous state, rows of H.</param>
    /// <param name="hStride">The row stride of <paramref name="hPrev"/>.</param>
    /// <param name="gradOutput">The gradient of h', (N, H) contiguous.</param>
    /// <param name="gradOutputMore">A second part of the gradient of h', added to <paramref name="gradOutput"/> (the part
    /// that comes back through the next step of a sequence), (N, H) contiguous; empty for none.</param>
    /// <param name="gradGi">(N, 3H) contiguous.</param>
    /// <param name="gradGh">(N, 3H) contiguous.</param>
    /// <param name="gradH">(N, H) contiguous.</param>
    public static void Backward<T>(int batch, int hidden, ReadOnlySpan<T> workspace, ReadOnlySpan<T> gh, int ghStride,
        ReadOnlySpan<T> hPrev, int hStride, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> gradOutputMore, Span<T> gradGi, Span<T> gradGh, Span<T> gradH)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = hidden;
        for (int row = 0; row < batch; row++)
        {
            var w = workspace.Slice(row * 3 * h, 3 * h);
            BackwardRow(w[..h], w.Slice(h, h), w.Slice(2 * h, h), gh.Slice((row * ghStride) + (2 * h), h), hPrev.Slice(row * hStride, h),
                gradOutput.Slice(row * h, h), gradOutputMore.IsEmpty ? default : gradOutputMore.Slice(row * h, h),
                gradGi.Slice(row * 3 * h, 3 * h), gradGh.Slice(row * 3 * h, 3 * h), gradH.Slice(row * h, h));
        }
    }

    private static void BackwardRow<T>(ReadOnlySpan<T> r, ReadOnlySpan<T> z, ReadOnlySpan<T> n, ReadOnlySpan<T> ghN, ReadOnlySpan<T> hp,
        ReadOnlySpan<T> dyOut, ReadOnlySpan<T> dyMore, Span<T> dGi, Span<T> dGh, Span<T> dh)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = r.Length, j = 0;
        ReadOnlySpan<T> dy = dyOut;
        if (!dyMore.IsEmpty)
        {
            // The two parts of dh' summed a row at a time, into the row's input-gate gradient of n until it is written.
            var sum = dGi.Slice(2 * h, h);
            TensorPrimitives.Add(dyOut, dyMore, sum);
            dy = sum;
        }
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var one = Vector<T>.One;
            for (; j <= h - Vector<T>.Count; j += Vector<T>.Count)
            {
                var vr = new Vector<T>(r[j..]);
                var vz = new Vector<T>(z[j..]);
                var vn = new Vector<T>(n[j..]);
                var vdy = new Vector<T>(dy[j..]);
                var dnPre = vdy * (one - vz) * (one - (vn * vn));
                var drPre = dnPre * new Vector<T>(ghN[j..]) * vr * (one - vr);
                var dzPre = vdy * (new Vector<T>(hp[j..]) - vn) * vz * (one - vz);
                drPre.CopyTo(dGi[j..]);
                drPre.CopyTo(dGh[j..]);
                dzPre.CopyTo(dGi[(h + j)..]);
                dzPre.CopyTo(dGh[(h + j)..]);
                dnPre.CopyTo(dGi[((2 * h) + j)..]);
                (dnPre * vr).CopyTo(dGh[((2 * h) + j)..]);
                (vdy * vz).CopyTo(dh[j..]);
            }
        }
        for (; j < h; j++)
        {
            T dyj = dy[j];
            T dnPre = dyj * (T.One - z[j]) * (T.One - (n[j] * n[j]));
            T drPre = dnPre * ghN[j] * r[j] * (T.One - r[j]);
            T dzPre = dyj * (hp[j] - n[j]) * z[j] * (T.One - z[j]);
            dGi[j] = dGh[j] = drPre;
            dGi[h + j] = dGh[h + j] = dzPre;
            dGi[(2 * h) + j] = dnPre;
            dGh[(2 * h) + j] = dnPre * r[j];
            dh[j] = dyj * z[j];
        }
    }
}
