using System.Numerics;

namespace Nabla.Kernels;

/// <summary>erf x = 2/√π ∫₀ˣ e^(−t²) dt, evaluated in double precision by <see cref="SpecialFunctions.Erf"/>.</summary>
public readonly struct ErfOperator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(x[i])));
    }
}
