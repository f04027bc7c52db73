using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// The register-tiled inner kernel: one MR×NR tile of C (MR = <c>TOps.Rows</c>, NR = 2 vectors) accumulated over a
/// packed A panel (kc steps of MR elements) and a packed B panel (kc steps of NR elements), all in registers.
/// </summary>
internal static unsafe class MicroKernel<TOps, TVector, T>
    where TOps : IVectorOps<TVector, T>
    where T : unmanaged
{
    /// <summary>
    /// C = alpha·(A_panel·B_panel) + beta·C on the MR×NR tile at <paramref name="c"/> (row stride
    /// <paramref name="ldc"/>); with <paramref name="betaIsZero"/> C is only written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta, bool betaIsZero)
    {
        int width = TOps.Count;
        if (Sse.IsSupported)
        {
            // The tile of C is needed only after the k loop; fetching it now hides a likely cache miss per row.
            for (int r = 0; r < TOps.Rows; r++)
            {
                Sse.Prefetch0(c + (r * ldc));
                Sse.Prefetch0(c + (r * ldc) + (2 * width) - 1);
            }
        }

        // Accumulators for rows 6 and 7 are dead code when Rows is 6; the JIT drops them after constant folding.
        TVector c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero;
        TVector c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
        TVector c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
        TVector c60 = TOps.Zero, c61 = TOps.Zero, c70 = TOps.Zero, c71 = TOps.Zero;
        for (int p = 0; p < kc; p++)
        {
            TVector b0 = TOps.Load(b);
            TVector b1 = TOps.Load(b + width);
            TVector x = TOps.Broadcast(a[0]);
            c00 = TOps.MultiplyAdd(x, b0, c00);
            c01 = TOps.MultiplyAdd(x, b1, c01);
            x = TOps.Broadcast(a[1]);
            c10 = TOps.MultiplyAdd(x, b0, c10);
            c11 = TOps.MultiplyAdd(x, b1, c11);
            x = TOps.Broadcast(a[2]);
            c20 = TOps.MultiplyAdd(x, b0, c20);
            c21 = TOps.MultiplyAdd(x, b1, c21);
            x = TOps.Broadcast(a[3]);
            c30 = TOps.MultiplyAdd(x, b0, c30);
            c31 = TOps.MultiplyAdd(x, b1, c31);
            x = TOps.Broadcast(a[4]);
            c40 = TOps.MultiplyAdd(x, b0, c40);
            c41 = TOps.MultiplyAdd(x, b1, c41);
            x = TOps.Broadcast(a[5]);
            c50 = TOps.MultiplyAdd(x, b0, c50);
            c51 = TOps.MultiplyAdd(x, b1, c51);
            if (TOps.Rows > 6)
            {
                x = TOps.Broadcast(a[6]);
                c60 = TOps.MultiplyAdd(x, b0, c60);
                c61 = TOps.MultiplyAdd(x, b1, c61);
                x = TOps.Broadcast(a[7]);
                c70 = TOps.MultiplyAdd(x, b0, c70);
                c71 = TOps.MultiplyAdd(x, b1, c71);
            }

            a += TOps.Rows;
            b += 2 * width;
        }

        TVector alphas = TOps.Broadcast(alpha);
        TVector betas = TOps.Broadcast(beta);
        StoreRow(c, c00, c01, alphas, betas, betaIsZero);
        StoreRow(c + ldc, c10, c11, alphas, betas, betaIsZero);
        StoreRow(c + (2 * ldc), c20, c21, alphas, betas, betaIsZero);
        StoreRow(c + (3 * ldc), c30, c31, alphas, betas, betaIsZero);
        StoreRow(c + (4 * ldc), c40, c41, alphas, betas, betaIsZero);
        StoreRow(c + (5 * ldc), c50, c51, alphas, betas, betaIsZero);
        if (TOps.Rows > 6)
        {
            StoreRow(c + (6 * ldc), c60, c61, alphas, betas, betaIsZero);
            StoreRow(c + (7 * ldc), c70, c71, alphas, betas, betaIsZero);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, TVector low, TVector high, TVector alphas, TVector betas, bool betaIsZero)
    {
        low = TOps.Multiply(low, alphas);
        high = TOps.Multiply(high, alphas);
        if (!betaIsZero)
        {
            low = TOps.MultiplyAdd(betas, TOps.Load(c), low);
            high = TOps.MultiplyAdd(betas, TOps.Load(c + TOps.Count), high);
        }

        TOps.Store(low, c);
        TOps.Store(high, c + TOps.Count);
    }
}
