using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// The register-tiled inner kernel: one MR×NR tile of C (MR = <see cref="Mr"/> ≤ 8 rows, NR = <see cref="Nr"/>, one
/// or two vectors) accumulated in registers over kc steps of an A panel (MR elements each, broadcast one at a time)
/// and a B panel (NR contiguous elements each). One source serves every vector width and tile shape: the guards on
/// the shape are constants after specialization, so the JIT keeps exactly the accumulators the shape uses.
/// </summary>
internal static unsafe class MicroKernel<TOps, TVector, T, TShape>
    where TOps : IVectorOps<TVector, T>
    where T : unmanaged
    where TShape : ITileShape
{
    /// <summary>Gets the rows of the tile (MR).</summary>
    public static int Mr
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.Rows == 0 ? TOps.Rows : TShape.Rows;
    }

    /// <summary>Gets the columns of the tile (NR).</summary>
    public static int Nr
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.Vectors * TOps.Count;
    }

    /// <summary>
    /// C = alpha·(A_panel·B_panel) + beta·C on the MR×NR tile at <paramref name="c"/> (row stride
    /// <paramref name="ldc"/>, unit column stride); with <paramref name="betaIsZero"/> C is only written. Element
    /// (r, p) of the A panel is at a + r·<paramref name="aRowStride"/> + p·<paramref name="aStep"/>, and step p of
    /// the B panel is the NR contiguous elements at b + p·<paramref name="bStep"/>. Packed panels have strides
    /// (1, MR) and NR; operands already close to that layout are read in place with their own strides.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, nint aRowStride, nint aStep, T* b, nint bStep, T* c, nint ldc, T alpha, T beta, bool betaIsZero)
    {
        // Nothing before the accumulators may call out: vector registers live across a call get spilled for good.
        int width = TOps.Count;
        int mr = Mr;
        if (Sse.IsSupported)
        {
            // The tile of C is needed only after the k loop; fetching it now hides a likely cache miss per row.
            for (int r = 0; r < mr; r++)
            {
                Sse.Prefetch0(c + (r * ldc));
                Sse.Prefetch0(c + (r * ldc) + Nr - 1);
            }
        }

        TVector c00 = TOps.Zero, c01 = TOps.Zero;
        TVector c10 = TOps.Zero, c11 = TOps.Zero;
        TVector c20 = TOps.Zero, c21 = TOps.Zero;
        TVector c30 = TOps.Zero, c31 = TOps.Zero;
        TVector c40 = TOps.Zero, c41 = TOps.Zero;
        TVector c50 = TOps.Zero, c51 = TOps.Zero;
        TVector c60 = TOps.Zero, c61 = TOps.Zero;
        TVector c70 = TOps.Zero, c71 = TOps.Zero;
        for (int p = 0; p < kc; p++)
        {
            TVector b0 = TOps.Load(b);
            TVector b1 = TShape.Vectors > 1 ? TOps.Load(b + width) : b0;
            TVector x;
            x = TOps.Broadcast(a[0]);
            c00 = TOps.MultiplyAdd(x, b0, c00);
            if (TShape.Vectors > 1)
                c01 = TOps.MultiplyAdd(x, b1, c01);

            if (mr > 1)
            {
                x = TOps.Broadcast(a[1 * aRowStride]);
                c10 = TOps.MultiplyAdd(x, b0, c10);
                if (TShape.Vectors > 1)
                    c11 = TOps.MultiplyAdd(x, b1, c11);
            }

            if (mr > 2)
            {
                x = TOps.Broadcast(a[2 * aRowStride]);
                c20 = TOps.MultiplyAdd(x, b0, c20);
                if (TShape.Vectors > 1)
                    c21 = TOps.MultiplyAdd(x, b1, c21);
            }

            if (mr > 3)
            {
                x = TOps.Broadcast(a[3 * aRowStride]);
                c30 = TOps.MultiplyAdd(x, b0, c30);
                if (TShape.Vectors > 1)
                    c31 = TOps.MultiplyAdd(x, b1, c31);
            }

            if (mr > 4)
            {
                x = TOps.Broadcast(a[4 * aRowStride]);
                c40 = TOps.MultiplyAdd(x, b0, c40);
                if (TShape.Vectors > 1)
                    c41 = TOps.MultiplyAdd(x, b1, c41);
            }

            if (mr > 5)
            {
                x = TOps.Broadcast(a[5 * aRowStride]);
                c50 = TOps.MultiplyAdd(x, b0, c50);
                if (TShape.Vectors > 1)
                    c51 = TOps.MultiplyAdd(x, b1, c51);
            }

            if (mr > 6)
            {
                x = TOps.Broadcast(a[6 * aRowStride]);
                c60 = TOps.MultiplyAdd(x, b0, c60);
                if (TShape.Vectors > 1)
                    c61 = TOps.MultiplyAdd(x, b1, c61);
            }

            if (mr > 7)
            {
                x = TOps.Broadcast(a[7 * aRowStride]);
                c70 = TOps.MultiplyAdd(x, b0, c70);
                if (TShape.Vectors > 1)
                    c71 = TOps.MultiplyAdd(x, b1, c71);
            }

            a += aStep;
            b += bStep;
        }

        TVector alphas = TOps.Broadcast(alpha);
        TVector betas = TOps.Broadcast(beta);
        StoreRow(c, c00, c01, alphas, betas, betaIsZero);
        if (mr > 1)
            StoreRow(c + ldc, c10, c11, alphas, betas, betaIsZero);

        if (mr > 2)
            StoreRow(c + (2 * ldc), c20, c21, alphas, betas, betaIsZero);

        if (mr > 3)
            StoreRow(c + (3 * ldc), c30, c31, alphas, betas, betaIsZero);

        if (mr > 4)
            StoreRow(c + (4 * ldc), c40, c41, alphas, betas, betaIsZero);

        if (mr > 5)
            StoreRow(c + (5 * ldc), c50, c51, alphas, betas, betaIsZero);

        if (mr > 6)
            StoreRow(c + (6 * ldc), c60, c61, alphas, betas, betaIsZero);

        if (mr > 7)
            StoreRow(c + (7 * ldc), c70, c71, alphas, betas, betaIsZero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, TVector low, TVector high, TVector alphas, TVector betas, bool betaIsZero)
    {
        low = TOps.Multiply(low, alphas);
        if (!betaIsZero)
            low = TOps.MultiplyAdd(betas, TOps.Load(c), low);

        TOps.Store(low, c);
        if (TShape.Vectors > 1)
        {
            high = TOps.Multiply(high, alphas);
            if (!betaIsZero)
                high = TOps.MultiplyAdd(betas, TOps.Load(c + TOps.Count), high);

            TOps.Store(high, c + TOps.Count);
        }
    }
}
