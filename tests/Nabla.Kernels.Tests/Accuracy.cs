using System.Globalization;

namespace Nabla.Kernels.Tests;

/// <summary>Errors in ulps against references, and the mpmath reference files of <c>Reference/</c>.</summary>
internal static class Accuracy
{
    /// <summary>|y − reference| in units of the float spacing at the reference (subnormal spacing below the normal range).</summary>
    public static double FloatUlps(float y, double reference)
    {
        if (double.IsNaN(reference)) return float.IsNaN(y) ? 0 : double.PositiveInfinity;
        int exponent = reference == 0 ? -126 : Math.Max(Math.ILogB(reference), -126);
        return Math.Abs(y - reference) / Math.ScaleB(1.0, exponent - 23);
    }

    /// <summary>|y − (hi + lo)| in units of the double spacing at hi, where hi + lo is the reference to about 2⁻¹⁰⁶.</summary>
    public static double DoubleUlps(double y, double hi, double lo)
    {
        int exponent = hi == 0 ? -1022 : Math.Max(Math.ILogB(hi), -1022);
        return Math.Abs((y - hi) - lo) / Math.ScaleB(1.0, exponent - 52);
    }

    /// <summary>The arguments and correctly rounded values (with their residuals) of <c>Reference/{name}_float64.txt</c>.</summary>
    public static (double[] X, double[] Hi, double[] Lo) Load(string name)
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Reference", $"{name}_float64.txt"));
        var x = new double[lines.Length];
        var hi = new double[lines.Length];
        var lo = new double[lines.Length];
        for (int i = 0; i < lines.Length; i++)
        {
            var parts = lines[i].Split(' ');
            x[i] = double.Parse(parts[0], CultureInfo.InvariantCulture);
            hi[i] = double.Parse(parts[1], CultureInfo.InvariantCulture);
            lo[i] = double.Parse(parts[2], CultureInfo.InvariantCulture);
        }
        return (x, hi, lo);
    }

    /// <summary>Every <paramref name="stride"/>-th float bit pattern of one sign from zero up, then the infinity of that sign.</summary>
    public static float[] FloatSweep(uint stride, bool negative)
    {
        var values = new List<float>();
        uint sign = negative ? 0x8000_0000u : 0u;
        for (ulong bits = 0; bits < 0x7F80_0000u; bits += stride)
            values.Add(BitConverter.UInt32BitsToSingle((uint)bits | sign));
        values.Add(negative ? float.NegativeInfinity : float.PositiveInfinity);
        return [.. values];
    }

    /// <summary>The largest error in ulps and the argument where it occurs.</summary>
    public static (double Ulps, double At) Worst(ReadOnlySpan<double> errors, ReadOnlySpan<double> x)
    {
        double worst = 0, at = double.NaN;
        for (int i = 0; i < errors.Length; i++)
        {
            if (errors[i] > worst || double.IsNaN(errors[i]))
            {
                worst = errors[i];
                at = x[i];
            }
        }
        return (worst, at);
    }
}
