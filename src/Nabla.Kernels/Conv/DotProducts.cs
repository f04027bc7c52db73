using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// The weight gradient of a convolution with a short im2col column (small K), as blocked dot products: a GEMM's
/// tiles would mostly multiply padding there, and its packing would have to transpose both operands.
/// </summary>
internal static unsafe class DotProducts
{
    /// <summary>
    /// c[i·n + j] (+)= Σ_p a[i·aStride + p]·b[j·bStride + p] for i &lt; m, j &lt; n: dot products along the contiguous
    /// axis of both operands, in 4×4 blocks whose 16 vector accumulators share every load. Blocks past the last row
    /// or column repeat it, and those sums are dropped.
    /// </summary>
    public static void Run<T>(int m, int n, int length, T* a, int aStride, T* b, int bStride, bool accumulate, T* c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector<T>.Count;
        T* sums = stackalloc T[16];
        for (int i0 = 0; i0 < m; i0 += 4)
        {
            T* a0 = a + ((nint)i0 * aStride), a1 = a + ((nint)Math.Min(i0 + 1, m - 1) * aStride);
            T* a2 = a + ((nint)Math.Min(i0 + 2, m - 1) * aStride), a3 = a + ((nint)Math.Min(i0 + 3, m - 1) * aStride);
            for (int j0 = 0; j0 < n; j0 += 4)
            {
                T* b0 = b + ((nint)j0 * bStride), b1 = b + ((nint)Math.Min(j0 + 1, n - 1) * bStride);
                T* b2 = b + ((nint)Math.Min(j0 + 2, n - 1) * bStride), b3 = b + ((nint)Math.Min(j0 + 3, n - 1) * bStride);
                Vector<T> s00 = default, s01 = default, s02 = default, s03 = default;
                Vector<T> s10 = default, s11 = default, s12 = default, s13 = default;
                Vector<T> s20 = default, s21 = default, s22 = default, s23 = default;
                Vector<T> s30 = default, s31 = default, s32 = default, s33 = default;
                int p = 0;
                for (; p <= length - width; p += width)
                {
                    Vector<T> x0 = Vector.Load(a0 + p), x1 = Vector.Load(a1 + p), x2 = Vector.Load(a2 + p), x3 = Vector.Load(a3 + p);
                    Column(x0, x1, x2, x3, Vector.Load(b0 + p), ref s00, ref s10, ref s20, ref s30);
                    Column(x0, x1, x2, x3, Vector.Load(b1 + p), ref s01, ref s11, ref s21, ref s31);
                    Column(x0, x1, x2, x3, Vector.Load(b2 + p), ref s02, ref s12, ref s22, ref s32);
                    Column(x0, x1, x2, x3, Vector.Load(b3 + p), ref s03, ref s13, ref s23, ref s33);
                }

                RowSums(sums, s00, s01, s02, s03);
                RowSums(sums + 4, s10, s11, s12, s13);
                RowSums(sums + 8, s20, s21, s22, s23);
                RowSums(sums + 12, s30, s31, s32, s33);
                for (int i = 0; i < 4; i++)
                {
                    T* ai = i switch { 0 => a0, 1 => a1, 2 => a2, _ => a3 };
                    for (int j = 0; j < 4; j++)
                    {
                        T* bj = j switch { 0 => b0, 1 => b1, 2 => b2, _ => b3 };
                        for (int q = p; q < length; q++)
                            sums[(i * 4) + j] = T.FusedMultiplyAdd(ai[q], bj[q], sums[(i * 4) + j]);
                    }
                }

                for (int i = 0; i < Math.Min(4, m - i0); i++)
                {
                    T* row = c + ((nint)(i0 + i) * n) + j0;
                    for (int j = 0; j < Math.Min(4, n - j0); j++)
                    {
                        if (accumulate)
                            row[j] += sums[(i * 4) + j];
                        else
                            row[j] = sums[(i * 4) + j];
                    }
                }
            }
        }
    }

    /// <summary>One column of a 4×4 block: s_r += x_r·y for the four rows r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column<T>(Vector<T> x0, Vector<T> x1, Vector<T> x2, Vector<T> x3, Vector<T> y,
        ref Vector<T> s0, ref Vector<T> s1, ref Vector<T> s2, ref Vector<T> s3)
        where T : unmanaged
    {
        s0 = Fma(x0, y, s0);
        s1 = Fma(x1, y, s1);
        s2 = Fma(x2, y, s2);
        s3 = Fma(x3, y, s3);
    }

    /// <summary>One row of a 4×4 block: the horizontal sums of its four accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowSums<T>(T* sums, Vector<T> s0, Vector<T> s1, Vector<T> s2, Vector<T> s3)
        where T : unmanaged
    {
        sums[0] = Vector.Sum(s0);
        sums[1] = Vector.Sum(s1);
        sums[2] = Vector.Sum(s2);
        sums[3] = Vector.Sum(s3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma<T>(Vector<T> x, Vector<T> y, Vector<T> addend)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), addend.As<T, float>()).As<float, T>();

        return Vector.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), addend.As<T, double>()).As<double, T>();
    }
}
