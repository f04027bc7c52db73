using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// Copies blocks of A and B into the panel layouts the micro-kernel streams through: any strides in, unit-stride
/// panels out, so a transposed operand costs only a different copy loop. Panels are zero-padded to full tiles.
/// </summary>
internal static unsafe class Packing<T>
    where T : unmanaged
{
    /// <summary>
    /// Packs <paramref name="lines"/> lines of <paramref name="steps"/> elements, element p of line l at
    /// src[l·lineStride + p·stepStride], into ceil(lines/width) panels, panel q holding lines [q·width, q·width+width)
    /// as consecutive groups of width elements, one per step: dst[q·width·steps + p·width + r] = line q·width + r at
    /// step p. The lines are the rows of a block of A (steps along k) or the columns of a block of B; a line stride of
    /// 1 makes every step a contiguous run, any other stride calls for a transposing copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack(int lines, int steps, T* src, nint lineStride, nint stepStride, int width, T* dst)
    {
        if (lineStride == 1)
        {
            CopySteps(lines, steps, src, stepStride, width, dst);
            return;
        }

        for (int l = 0; l < lines; l += width, dst += width * steps)
            Transpose(Math.Min(width, lines - l), steps, src + (l * lineStride), lineStride, stepStride, width, dst);
    }

    /// <summary>
    /// Packs <paramref name="lines"/> lines that are contiguous within each step: line l of step p, at
    /// src[p·stepStride + l], goes to panel l / width at position p·width + l % width; the last panel is zero-padded.
    /// Steps are walked in the outer loop so that the source is read front to back, one contiguous run at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopySteps(int lines, int steps, T* src, nint stepStride, int width, T* dst)
    {
        if (lines == 0)
            return;

        int fullPanels = lines / width;
        int tail = lines - (fullPanels * width);
        nint panelSize = (nint)width * steps;
        for (int p = 0; p < steps; p++)
        {
            T* from = src + (p * stepStride);
            T* to = dst + (p * width);
            for (int q = 0; q < fullPanels; q++, from += width, to += panelSize)
                CopyRun(from, to, width);

            if (tail > 0)
            {
                CopyRun(from, to, tail);
                new Span<T>(to + tail, width - tail).Clear();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(T* from, T* to, int count)
    {
        int r = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; r + Vector<T>.Count <= count; r += Vector<T>.Count)
                Vector.Store(Vector.Load(from + r), to + r);
        }

        for (; r < count; r++)
            to[r] = from[r];
    }

    /// <summary>dst[p·width + r] = src[r·lineStride + p·stepStride] for r &lt; lines, zero for lines ≤ r &lt; width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose(int lines, int steps, T* src, nint lineStride, nint stepStride, int width, T* dst)
    {
        int r = 0;
        if (stepStride == 1 && Avx.IsSupported)
        {
            // Whole blocks of lines go through in-register transposes: 8×8 floats or 4×4 doubles at a time.
            int block = typeof(T) == typeof(float) ? 8 : 4;
            for (; r + block <= lines; r += block)
            {
                T* line = src + (r * lineStride);
                T* column = dst + r;
                int p = 0;
                for (; p + block <= steps; p += block)
                {
                    if (typeof(T) == typeof(float))
                        Transpose8x8((float*)(line + p), lineStride, (float*)(column + (p * width)), width);
                    else
                        Transpose4x4((double*)(line + p), lineStride, (double*)(column + (p * width)), width);
                }

                for (; p < steps; p++)
                {
                    for (int q = 0; q < block; q++)
                        column[(p * width) + q] = line[(q * lineStride) + p];
                }
            }
        }

        for (; r < lines; r++)
        {
            T* line = src + (r * lineStride);
            T* column = dst + r;
            for (int p = 0; p < steps; p++)
                column[p * width] = line[p * stepStride];
        }

        if (lines < width)
        {
            for (int p = 0; p < steps; p++)
                new Span<T>(dst + (p * width) + lines, width - lines).Clear();
        }
    }

    /// <summary>Writes the transpose of the 8×8 block at <paramref name="src"/> to <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint srcStride, float* dst, nint dstStride)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + (2 * srcStride));
        var r3 = Avx.LoadVector256(src + (3 * srcStride));
        var r4 = Avx.LoadVector256(src + (4 * srcStride));
        var r5 = Avx.LoadVector256(src + (5 * srcStride));
        var r6 = Avx.LoadVector256(src + (6 * srcStride));
        var r7 = Avx.LoadVector256(src + (7 * srcStride));

        // Interleave pairs of rows, then pairs of pairs; each 128-bit lane then holds four rows of one column.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + (2 * dstStride), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + (3 * dstStride), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + (4 * dstStride), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + (5 * dstStride), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + (6 * dstStride), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + (7 * dstStride), Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>Writes the transpose of the 4×4 block at <paramref name="src"/> to <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(double* src, nint srcStride, double* dst, nint dstStride)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + (2 * srcStride));
        var r3 = Avx.LoadVector256(src + (3 * srcStride));
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        Avx.Store(dst, Avx.Permute2x128(t0, t2, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(t1, t3, 0x20));
        Avx.Store(dst + (2 * dstStride), Avx.Permute2x128(t0, t2, 0x31));
        Avx.Store(dst + (3 * dstStride), Avx.Permute2x128(t1, t3, 0x31));
    }
}
