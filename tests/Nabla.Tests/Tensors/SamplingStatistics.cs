namespace Nabla.Tests.Tensors;

/// <summary>
/// Statistical assertions for the samplers. The seeds are fixed, so each check is deterministic; its tolerance is
/// what a correct sampler would exceed with probability about 10⁻³ (χ²) or below 10⁻⁶ (five standard errors), so that
/// a sampler of the wrong law fails and a change of seed would not.
/// </summary>
internal static class SamplingStatistics
{
    /// <summary>The 0.999 quantiles of the χ² law with 1 … 9 degrees of freedom (scipy.stats.chi2.ppf).</summary>
    private static readonly double[] ChiSquare999 = [10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124, 27.877];

    /// <summary>Pearson's χ² of <paramref name="counts"/> against the probabilities <paramref name="p"/>, below the 0.999 quantile for K − 1 degrees of freedom.</summary>
    public static void AssertChiSquare(long[] counts, double[] p, string what)
    {
        Assert.Equal(p.Length, counts.Length);
        long n = counts.Sum();
        double chi2 = 0;
        for (int k = 0; k < p.Length; k++) chi2 += (counts[k] - n * p[k]) * (counts[k] - n * p[k]) / (n * p[k]);
        double limit = ChiSquare999[p.Length - 2];
        Assert.True(chi2 < limit, $"{what}: χ² = {chi2:F2} ≥ {limit} with {p.Length - 1} degrees of freedom, counts [{string.Join(", ", counts)}]");
    }

    /// <summary>Asserts that the mean of n draws of a law with this mean and standard deviation lies within five standard errors.</summary>
    public static void AssertMean(double expected, double sd, IReadOnlyCollection<double> draws, string what)
    {
        double mean = draws.Average();
        double tolerance = 5 * sd / Math.Sqrt(draws.Count);
        Assert.True(Math.Abs(mean - expected) <= tolerance, $"{what}: mean {mean}, expected {expected} ± {tolerance}");
    }
}
