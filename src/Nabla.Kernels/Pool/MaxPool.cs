using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// Max pooling on any geometry: each output is the maximum of its (dilated, padded) window, with the index of the
/// chosen element within its plane, as PyTorch picks it.
/// </summary>
internal readonly unsafe struct MaxPoolForward<T>(PoolGeometry g, T* x, T* y, int* argmax) : IPlaneKernel
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Run(int start, int end) => Planes(g, x, y, argmax, start, end);

    private static void Planes(PoolGeometry g, T* x, T* y, int* argmax, int start, int end)
    {
        int h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth;
        for (int plane = start; plane < end; plane++)
        {
            T* xp = x + ((nint)plane * h * w);
            T* yp = y + ((nint)plane * oh * ow);
            int* ap = argmax + ((nint)plane * oh * ow);
            for (int i = 0; i < oh; i++)
            {
                int h0 = (i * g.StrideH) - g.PadH;
                (int khLo, int khHi) = ValidTaps(h0, g.KernelH, g.DilationH, h);
                for (int j = 0; j < ow; j++)
                {
                    int w0 = (j * g.StrideW) - g.PadW;
                    (int kwLo, int kwHi) = ValidTaps(w0, g.KernelW, g.DilationW, w);
                    T best = T.NegativeInfinity;
                    int bestIndex = -1;
                    for (int kh = khLo; kh < khHi; kh++)
                    {
                        int rowIndex = (h0 + (kh * g.DilationH)) * w;
                        for (int kw = kwLo; kw < kwHi; kw++)
                        {
                            int index = rowIndex + w0 + (kw * g.DilationW);
                            T v = xp[index];
                            if (bestIndex < 0 || v > best || T.IsNaN(v))
                            {
                                best = v;
                                bestIndex = index;
                            }
                        }
                    }

                    yp[(i * ow) + j] = best;
                    ap[(i * ow) + j] = bestIndex;
                }
            }
        }
    }

    /// <summary>Half-open range [lo, hi) of window taps k for which start + k·dilation lies in [0, size).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Lo, int Hi) ValidTaps(int start, int kernel, int dilation, int size)
    {
        int lo = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
        int hi = start >= size ? 0 : Math.Min(kernel, ((size - 1 - start) / dilation) + 1);
        return (lo, Math.Max(lo, hi));
    }
}

/// <summary>The gradient of max pooling on any geometry: each output's gradient goes to the element its argmax names.</summary>
internal readonly unsafe struct MaxPoolBackward<T>(PoolGeometry g, T* gy, int* argmax, T* gx) : IPlaneKernel
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Run(int start, int end) => Planes(g, gy, argmax, gx, start, end);

    private static void Planes(PoolGeometry g, T* gy, int* argmax, T* gx, int start, int end)
    {
        int planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * g.OutWidth;
        new Span<T>(gx + ((nint)start * planeIn), (end - start) * planeIn).Clear();
        for (int plane = start; plane < end; plane++)
        {
            T* gyp = gy + ((nint)plane * planeOut);
            int* ap = argmax + ((nint)plane * planeOut);
            T* gxp = gx + ((nint)plane * planeIn);
            for (int o = 0; o < planeOut; o++)
            {
                int index = ap[o];
                if (index >= 0)
                    gxp[index] += gyp[o];
            }
        }
    }
}
