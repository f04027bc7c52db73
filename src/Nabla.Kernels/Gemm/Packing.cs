using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// Copies blocks of A and B into the panel layouts the micro-kernel streams through: any strides in, unit-stride
/// panels out, so a transposed operand costs only a different copy loop. Panels are zero-padded to full tiles.
/// </summary>
internal static unsafe class Packing<T>
    where T : unmanaged
{
    /// <summary>
    /// Packs the mc×kc block of A at <paramref name="a"/> into ceil(mc/mr) panels, panel q holding rows
    /// [q·mr, q·mr+mr) as kc consecutive groups of mr elements: dst[q·mr·kc + p·mr + r] = A(q·mr + r, p).
    /// </summary>
    public static void PackA(int mc, int kc, T* a, nint rowStride, nint colStride, int mr, T* dst)
    {
        for (int i = 0; i < mc; i += mr, dst += mr * kc)
        {
            int rows = Math.Min(mr, mc - i);
            T* source = a + (i * rowStride);
            if (rows == mr && rowStride == 1)
            {
                // Aᵀ stored row-major: each step of p is mr contiguous elements.
                uint bytes = (uint)(mr * sizeof(T));
                for (int p = 0; p < kc; p++)
                {
                    Unsafe.CopyBlockUnaligned(dst + (p * mr), source + (p * colStride), bytes);
                }

                continue;
            }

            Transpose(rows, kc, source, rowStride, colStride, mr, dst);
        }
    }

    /// <summary>
    /// Packs the kc×nc block of B at <paramref name="b"/> into ceil(nc/nr) panels, panel q holding columns
    /// [q·nr, q·nr+nr) as kc consecutive rows of nr elements: dst[q·nr·kc + p·nr + j] = B(p, q·nr + j).
    /// </summary>
    public static void PackB(int kc, int nc, T* b, nint rowStride, nint colStride, int nr, T* dst)
    {
        for (int j = 0; j < nc; j += nr, dst += nr * kc)
        {
            int cols = Math.Min(nr, nc - j);
            T* source = b + (j * colStride);
            if (cols == nr && colStride == 1)
            {
                uint bytes = (uint)(nr * sizeof(T));
                for (int p = 0; p < kc; p++)
                {
                    Unsafe.CopyBlockUnaligned(dst + (p * nr), source + (p * rowStride), bytes);
                }

                continue;
            }

            // B(p, j) is element (j, p) of Bᵀ, so the same transposing copy serves both operands.
            Transpose(cols, kc, source, colStride, rowStride, nr, dst);
        }
    }

    /// <summary>dst[p·width + r] = src[r·lineStride + p·stepStride] for r &lt; lines, zero for lines ≤ r &lt; width.</summary>
    private static void Transpose(int lines, int steps, T* src, nint lineStride, nint stepStride, int width, T* dst)
    {
        for (int r = 0; r < lines; r++)
        {
            T* line = src + (r * lineStride);
            T* column = dst + r;
            if (stepStride == 1)
            {
                for (int p = 0; p < steps; p++)
                {
                    column[p * width] = line[p];
                }
            }
            else
            {
                for (int p = 0; p < steps; p++)
                {
                    column[p * width] = line[p * stepStride];
                }
            }
        }

        if (lines < width)
        {
            for (int p = 0; p < steps; p++)
            {
                new Span<T>(dst + (p * width) + lines, width - lines).Clear();
            }
        }
    }
}
