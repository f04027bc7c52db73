using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// The contiguous inner loops of the normalisation kernels: sums accumulated in float64 (eight float lanes widened
/// to two vectors of doubles), and the per-element affine maps computed in float64 and rounded once, so that a large
/// mean relative to the spread loses nothing to cancellation.
/// </summary>
internal static unsafe class NormLanes
{
    /// <summary>s1 += Σ (p[i] − shift), s2 += Σ (p[i] − shift)² over <paramref name="length"/> elements, in float64.</summary>
    public static void SumShifted<T>(T* p, int length, double shift, ref double s1, ref double s2)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            var k = Vector256.Create(shift);
            Vector256<double> a1 = default, b1 = default, a2 = default, b2 = default;
            if (typeof(T) == typeof(float))
            {
                var f = (float*)p;
                for (; i <= length - 8; i += 8)
                {
                    var (lo, hi) = Vector256.Widen(Vector256.Load(f + i));
                    lo -= k;
                    hi -= k;
                    a1 += lo;
                    b1 += hi;
                    a2 = Vector256.FusedMultiplyAdd(lo, lo, a2);
                    b2 = Vector256.FusedMultiplyAdd(hi, hi, b2);
                }
            }
            else
            {
                var d = (double*)p;
                for (; i <= length - 8; i += 8)
                {
                    var lo = Vector256.Load(d + i) - k;
                    var hi = Vector256.Load(d + i + 4) - k;
                    a1 += lo;
                    b1 += hi;
                    a2 = Vector256.FusedMultiplyAdd(lo, lo, a2);
                    b2 = Vector256.FusedMultiplyAdd(hi, hi, b2);
                }
            }
            s1 += Vector256.Sum(a1 + b1);
            s2 += Vector256.Sum(a2 + b2);
        }
        for (; i < length; i++)
        {
            double v = double.CreateTruncating(p[i]) - shift;
            s1 += v;
            s2 += v * v;
        }
    }

    /// <summary>sg += Σ g[i], sgx += Σ g[i]·(x[i] − mean) over <paramref name="length"/> elements, in float64.</summary>
    public static void SumGrad<T>(T* g, T* x, int length, double mean, ref double sg, ref double sgx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            var m = Vector256.Create(mean);
            Vector256<double> a1 = default, b1 = default, a2 = default, b2 = default;
            if (typeof(T) == typeof(float))
            {
                float* gf = (float*)g, xf = (float*)x;
                for (; i <= length - 8; i += 8)
                {
                    var (glo, ghi) = Vector256.Widen(Vector256.Load(gf + i));
                    var (xlo, xhi) = Vector256.Widen(Vector256.Load(xf + i));
                    a1 += glo;
                    b1 += ghi;
                    a2 = Vector256.FusedMultiplyAdd(glo, xlo - m, a2);
                    b2 = Vector256.FusedMultiplyAdd(ghi, xhi - m, b2);
                }
            }
            else
            {
                double* gd = (double*)g, xd = (double*)x;
                for (; i <= length - 8; i += 8)
                {
                    var glo = Vector256.Load(gd + i);
                    var ghi = Vector256.Load(gd + i + 4);
                    a1 += glo;
                    b1 += ghi;
                    a2 = Vector256.FusedMultiplyAdd(glo, Vector256.Load(xd + i) - m, a2);
                    b2 = Vector256.FusedMultiplyAdd(ghi, Vector256.Load(xd + i + 4) - m, b2);
                }
            }
            sg += Vector256.Sum(a1 + b1);
            sgx += Vector256.Sum(a2 + b2);
        }
        for (; i < length; i++)
        {
            double gv = double.CreateTruncating(g[i]);
            sg += gv;
            sgx += gv * (double.CreateTruncating(x[i]) - mean);
        }
    }

    /// <summary>y[i] = x[i]·a + b, computed in float64 and rounded once.</summary>
    public static void Affine<T>(T* x, T* y, int length, double a, double b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            if (typeof(T) == typeof(float))
            {
                float* xf = (float*)x, yf = (float*)y;
                for (; i <= length - 8; i += 8)
                {
                    var (lo, hi) = Vector256.Widen(Vector256.Load(xf + i));
                    Vector256.Narrow(Vector256.FusedMultiplyAdd(lo, va, vb), Vector256.FusedMultiplyAdd(hi, va, vb)).Store(yf + i);
                }
            }
            else
            {
                double* xd = (double*)x, yd = (double*)y;
                for (; i <= length - 4; i += 4)
                    Vector256.FusedMultiplyAdd(Vector256.Load(xd + i), va, vb).Store(yd + i);
            }
        }
        for (; i < length; i++) y[i] = T.CreateTruncating(Math.FusedMultiplyAdd(double.CreateTruncating(x[i]), a, b));
    }

    /// <summary>gx[i] = g[i]·a + x[i]·c2 + c3, computed in float64 and rounded once.</summary>
    public static void AffineGrad<T>(T* g, T* x, T* gx, int length, double a, double c2, double c3)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            var v2 = Vector256.Create(c2);
            var v3 = Vector256.Create(c3);
            if (typeof(T) == typeof(float))
            {
                float* gf = (float*)g, xf = (float*)x, of = (float*)gx;
                for (; i <= length - 8; i += 8)
                {
                    var (glo, ghi) = Vector256.Widen(Vector256.Load(gf + i));
                    var (xlo, xhi) = Vector256.Widen(Vector256.Load(xf + i));
                    Vector256.Narrow(
                        Vector256.FusedMultiplyAdd(glo, va, Vector256.FusedMultiplyAdd(xlo, v2, v3)),
                        Vector256.FusedMultiplyAdd(ghi, va, Vector256.FusedMultiplyAdd(xhi, v2, v3))).Store(of + i);
                }
            }
            else
            {
                double* gd = (double*)g, xd = (double*)x, od = (double*)gx;
                for (; i <= length - 4; i += 4)
                    Vector256.FusedMultiplyAdd(Vector256.Load(gd + i), va, Vector256.FusedMultiplyAdd(Vector256.Load(xd + i), v2, v3)).Store(od + i);
            }
        }
        for (; i < length; i++) gx[i] = T.CreateTruncating(Step(double.CreateTruncating(g[i]), double.CreateTruncating(x[i]), a, c2, c3));
    }

    /// <summary>
    /// y[j] = x[j]·a_j + (b_j − mean·a_j) with a_j = rstd·w[j] (rstd where <paramref name="w"/> is null) and b_j the bias
    /// (0 where <paramref name="b"/> is null): the affine normalisation of one row of channels, computed in float64 and
    /// rounded once.
    /// </summary>
    public static void AffineChannels<T>(T* x, T* y, T* w, T* b, int length, double rstd, double mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var r = Vector256.Create(rstd);
            var m = Vector256.Create(mean);
            for (; j <= length - 8; j += 8)
            {
                var (xlo, xhi) = Load8(x + j);
                Vector256<double> alo = r, ahi = r, blo = default, bhi = default;
                if (w is not null)
                {
                    var (wlo, whi) = Load8(w + j);
                    (alo, ahi) = (r * wlo, r * whi);
                }
                if (b is not null) (blo, bhi) = Load8(b + j);
                Store8(y + j, Vector256.FusedMultiplyAdd(xlo, alo, blo - (m * alo)), Vector256.FusedMultiplyAdd(xhi, ahi, bhi - (m * ahi)));
            }
        }
        for (; j < length; j++)
        {
            double a = w is null ? rstd : rstd * double.CreateTruncating(w[j]);
            double bj = (b is null ? 0 : double.CreateTruncating(b[j])) - (mean * a);
            y[j] = T.CreateTruncating(Math.FusedMultiplyAdd(double.CreateTruncating(x[j]), a, bj));
        }
    }

    /// <summary>sg += Σ g[j]·w[j], sgx += Σ g[j]·w[j]·(x[j] − mean) over one row of channels, in float64.</summary>
    public static void SumGradChannels<T>(T* g, T* x, T* w, int length, double mean, ref double sg, ref double sgx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            var m = Vector256.Create(mean);
            Vector256<double> a1 = default, b1 = default, a2 = default, b2 = default;
            for (; j <= length - 8; j += 8)
            {
                var (glo, ghi) = Load8(g + j);
                var (wlo, whi) = Load8(w + j);
                var (xlo, xhi) = Load8(x + j);
                glo *= wlo;
                ghi *= whi;
                a1 += glo;
                b1 += ghi;
                a2 = Vector256.FusedMultiplyAdd(glo, xlo - m, a2);
                b2 = Vector256.FusedMultiplyAdd(ghi, xhi - m, b2);
            }
            sg += Vector256.Sum(a1 + b1);
            sgx += Vector256.Sum(a2 + b2);
        }
        for (; j < length; j++)
        {
            double gw = double.CreateTruncating(g[j]) * double.CreateTruncating(w[j]);
            sg += gw;
            sgx += gw * (double.CreateTruncating(x[j]) - mean);
        }
    }

    /// <summary>gx[j] = g[j]·(rstd·w[j]) + x[j]·c2 + c3 over one row of channels, computed in float64 and rounded once.</summary>
    public static void AffineGradChannels<T>(T* g, T* x, T* w, T* gx, int length, double rstd, double c2, double c3)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var r = Vector256.Create(rstd);
            var v2 = Vector256.Create(c2);
            var v3 = Vector256.Create(c3);
            for (; j <= length - 8; j += 8)
            {
                var (glo, ghi) = Load8(g + j);
                var (wlo, whi) = Load8(w + j);
                var (xlo, xhi) = Load8(x + j);
                Store8(gx + j,
                    Vector256.FusedMultiplyAdd(glo, r * wlo, Vector256.FusedMultiplyAdd(xlo, v2, v3)),
                    Vector256.FusedMultiplyAdd(ghi, r * whi, Vector256.FusedMultiplyAdd(xhi, v2, v3)));
            }
        }
        for (; j < length; j++)
            gx[j] = T.CreateTruncating(Step(double.CreateTruncating(g[j]), double.CreateTruncating(x[j]), rstd * double.CreateTruncating(w[j]), c2, c3));
    }

    /// <summary>
    /// sumW[j] += (g[j]·(x[j] − mean))·rstd and sumB[j] += g[j] over one row of channels: one row's share of the weight
    /// and bias gradients, each channel's sum taken in the order of the rows.
    /// </summary>
    public static void AccumulateAffine<T>(T* g, T* x, int length, double mean, double rstd, double* sumW, double* sumB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256.Create(mean);
            var r = Vector256.Create(rstd);
            for (; j <= length - 8; j += 8)
            {
                var (glo, ghi) = Load8(g + j);
                var (xlo, xhi) = Load8(x + j);
                (Vector256.Load(sumW + j) + (glo * (xlo - m) * r)).Store(sumW + j);
                (Vector256.Load(sumW + j + 4) + (ghi * (xhi - m) * r)).Store(sumW + j + 4);
                (Vector256.Load(sumB + j) + glo).Store(sumB + j);
                (Vector256.Load(sumB + j + 4) + ghi).Store(sumB + j + 4);
            }
        }
        for (; j < length; j++)
        {
            double gv = double.CreateTruncating(g[j]);
            sumW[j] += gv * (double.CreateTruncating(x[j]) - mean) * rstd;
            sumB[j] += gv;
        }
    }

    /// <summary>Eight elements widened to float64 (or read as such).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<double> Lo, Vector256<double> Hi) Load8<T>(T* p)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector256.Widen(Vector256.Load((float*)p));

        return (Vector256.Load((double*)p), Vector256.Load((double*)p + 4));
    }

    /// <summary>Eight float64 values rounded once to <typeparamref name="T"/> (or stored as such).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store8<T>(T* p, Vector256<double> lo, Vector256<double> hi)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Vector256.Narrow(lo, hi).Store((float*)p);
            return;
        }

        lo.Store((double*)p);
        hi.Store((double*)p + 4);
    }

    /// <summary>g·a + x·c2 + c3 in float64.</summary>
    public static double Step(double g, double x, double a, double c2, double c3) => Math.FusedMultiplyAdd(g, a, Math.FusedMultiplyAdd(x, c2, c3));
}
