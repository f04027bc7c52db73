using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// One LSTM step over a batch, fused: from the input gates gi (N, 4H), the recurrent gates gh (N, 4H), both in the gate
/// order i, f, g, o, and the previous cell c (N, H), it writes h' and c' as one (2, N, H) block:
/// i = σ(gi_i + gh_i), f = σ(gi_f + gh_f), g = tanh(gi_g + gh_g), o = σ(gi_o + gh_o), c' = f·c + i·g, h' = o·tanh c'.
/// The workspace (N, 5H) keeps i, f, g, o and tanh c' per row for <see cref="Backward{T}"/>. Every operand is a set of
/// contiguous rows with its own row stride (a step of a batch-first sequence is strided that way). The whole-sequence
/// kernel <see cref="LstmSequenceKernel"/> runs these steps one after another.
/// </summary>
public static class LstmCellKernel
{
    /// <summary>The step's forward pass.</summary>
    /// <param name="batch">N, the rows.</param>
    /// <param name="hidden">H, the hidden size.</param>
    /// <param name="gi">The input gates, rows of 4H.</param>
    /// <param name="giStride">The row stride of <paramref name="gi"/>.</param>
    /// <param name="gh">The recurrent gates, rows of 4H.</param>
    /// <param name="ghStride">The row stride of <paramref name="gh"/>.</param>
    /// <param name="c">The previous cell state, rows of H.</param>
    /// <param name="cStride">The row stride of <paramref name="c"/>.</param>
    /// <param name="hNew">(N, H) contiguous: h'.</param>
    /// <param name="cNew">(N, H) contiguous: c'.</param>
    /// <param name="workspace">(N, 5H) contiguous: the activated gates and tanh c'.</param>
    public static void Forward<T>(int batch, int hidden, ReadOnlySpan<T> gi, int giStride, ReadOnlySpan<T> gh, int ghStride,
        ReadOnlySpan<T> c, int cStride, Span<T> hNew, Span<T> cNew, Span<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = hidden;
        for (int n = 0; n < batch; n++)
        {
            var w = workspace.Slice(n * 5 * h, 5 * h);
            var gates = w[..(4 * h)];
            TensorPrimitives.Add(gi.Slice(n * giStride, 4 * h), gh.Slice(n * ghStride, 4 * h), gates);
            SigmoidOperator<T>.Apply(gates[..(2 * h)], gates[..(2 * h)]);
            TanhOperator<T>.Apply(gates.Slice(2 * h, h), gates.Slice(2 * h, h));
            SigmoidOperator<T>.Apply(gates.Slice(3 * h, h), gates.Slice(3 * h, h));
            var cRow = cNew.Slice(n * h, h);
            CellUpdate(gates[..h], gates.Slice(h, h), gates.Slice(2 * h, h), c.Slice(n * cStride, h), cRow);
            var tanhC = w.Slice(4 * h, h);
            TanhOperator<T>.Apply(cRow, tanhC);
            TensorPrimitives.Multiply(gates.Slice(3 * h, h), tanhC, hNew.Slice(n * h, h));
        }
    }

    /// <summary>c' = f·c + i·g, as PyTorch rounds it (two products, then the sum).</summary>
    private static void CellUpdate<T>(ReadOnlySpan<T> i, ReadOnlySpan<T> f, ReadOnlySpan<T> g, ReadOnlySpan<T> c, Span<T> cNew)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; j <= cNew.Length - Vector<T>.Count; j += Vector<T>.Count)
            {
                var v = (new Vector<T>(f[j..]) * new Vector<T>(c[j..])) + (new Vector<T>(i[j..]) * new Vector<T>(g[j..]));
                v.CopyTo(cNew[j..]);
            }
        }
        for (; j < cNew.Length; j++) cNew[j] = (f[j] * c[j]) + (i[j] * g[j]);
    }

    /// <summary>
    /// The step's backward pass from the gradients of h' and c': the gradient of the pre-activation gates (N, 4H), which
    /// is the gradient of gi and of gh alike, and the gradient of the previous cell (N, H). Each element of
    /// <paramref name="gradC"/> is written after the same element of <paramref name="gradCNew"/> is read, so the two
    /// may be one buffer.
    /// </summary>
    /// <param name="batch">N, the rows.</param>
    /// <param name="hidden">H, the hidden size.</param>
    /// <param name="workspace">The forward pass's workspace, (N, 5H).</param>
    /// <param name="c">The previous cell state, rows of H.</param>
    /// <param name="cStride">The row stride of <paramref name="c"/>.</param>
    /// <param name="gradHNew">The gradient of h', (N, H) contiguous.</param>
    /// <param name="gradHNewMore">A second part of the gradient of h', added to <paramref name="gradHNew"/> (the part that
    /// comes back through the next step of a sequence), (N, H) contiguous; empty for none.</param>
    /// <param name="gradCNew">The gradient of c', (N, H) contiguous.</param>
    /// <param name="gradGates">(N, 4H) contiguous: the gradient of the pre-activation gates.</param>
    /// <param name="gradC">(N, H) contiguous: the gradient of <paramref name="c"/>.</param>
    public static void Backward<T>(int batch, int hidden, ReadOnlySpan<T> workspace, ReadOnlySpan<T> c, int cStride,
        ReadOnlySpan<T> gradHNew, ReadOnlySpan<T> gradHNewMore, ReadOnlySpan<T> gradCNew, Span<T> gradGates, Span<T> gradC)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = hidden;
        for (int n = 0; n < batch; n++)
        {
            var w = workspace.Slice(n * 5 * h, 5 * h);
            BackwardRow(w[..h], w.Slice(h, h), w.Slice(2 * h, h), w.Slice(3 * h, h), w.Slice(4 * h, h), c.Slice(n * cStride, h),
                gradHNew.Slice(n * h, h), gradHNewMore.IsEmpty ? default : gradHNewMore.Slice(n * h, h), gradCNew.Slice(n * h, h),
                gradGates.Slice(n * 4 * h, 4 * h), gradC.Slice(n * h, h));
        }
    }

    private static void BackwardRow<T>(ReadOnlySpan<T> i, ReadOnlySpan<T> f, ReadOnlySpan<T> g, ReadOnlySpan<T> o, ReadOnlySpan<T> tanhC,
        ReadOnlySpan<T> c, ReadOnlySpan<T> dhOut, ReadOnlySpan<T> dhMore, ReadOnlySpan<T> dcNext, Span<T> dGates, Span<T> dc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = i.Length, j = 0;
        ReadOnlySpan<T> dh = dhOut;
        if (!dhMore.IsEmpty)
        {
            // The two parts of dh summed a row at a time, into the row's input-gate gradient until it is written.
            var sum = dGates[..h];
            TensorPrimitives.Add(dhOut, dhMore, sum);
            dh = sum;
        }
        var di = dGates[..h];
        var df = dGates.Slice(h, h);
        var dg = dGates.Slice(2 * h, h);
        var dO = dGates.Slice(3 * h, h);
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var one = Vector<T>.One;
            for (; j <= h - Vector<T>.Count; j += Vector<T>.Count)
            {
                var vi = new Vector<T>(i[j..]);
                var vf = new Vector<T>(f[j..]);
                var vg = new Vector<T>(g[j..]);
                var vo = new Vector<T>(o[j..]);
                var vt = new Vector<T>(tanhC[j..]);
                var vdh = new Vector<T>(dh[j..]);
                var vdc = new Vector<T>(dcNext[j..]) + (vdh * vo * (one - (vt * vt)));
                (vdc * vg * vi * (one - vi)).CopyTo(di[j..]);
                (vdc * new Vector<T>(c[j..]) * vf * (one - vf)).CopyTo(df[j..]);
                (vdc * vi * (one - (vg * vg))).CopyTo(dg[j..]);
                (vdh * vt * vo * (one - vo)).CopyTo(dO[j..]);
                (vdc * vf).CopyTo(dc[j..]);
            }
        }
        for (; j < h; j++)
        {
            T dhj = dh[j];
            T dcj = dcNext[j] + (dhj * o[j] * (T.One - (tanhC[j] * tanhC[j])));
            di[j] = dcj * g[j] * i[j] * (T.One - i[j]);
            df[j] = dcj * c[j] * f[j] * (T.One - f[j]);
            dg[j] = dcj * i[j] * (T.One - (g[j] * g[j]));
            dO[j] = dhj * tanhC[j] * o[j] * (T.One - o[j]);
            dc[j] = dcj * f[j];
        }
    }
}
