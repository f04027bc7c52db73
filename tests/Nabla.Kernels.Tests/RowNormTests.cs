using System.Numerics;
using static Nabla.Kernels.Tests.KernelReference;

namespace Nabla.Kernels.Tests;

/// <summary>
/// <see cref="NormalizationKernels.RowNormForward{T}"/> and <see cref="NormalizationKernels.RowNormBackward{T}"/> with one
/// element per channel (layer norm over the last dim, group norm of 1-pixel maps) against the formulas in double: rows
/// whose channels fill vector lanes and leave tails, with and without the weight and bias, and groups whose affine
/// channels straddle a block.
/// </summary>
public sealed class RowNormTests
{
    public static TheoryData<int, int, bool, bool> Shapes => new()
    {
        { 1, 37, true, true }, { 1, 37, true, false }, { 1, 37, false, true }, { 1, 37, false, false },
        { 1, 8, true, true }, { 1, 128, true, true }, { 2, 19, true, true }, { 3, 5, true, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OneElementPerChannelMatchesTheFormulas(int groups, int k, bool weighted, bool biased)
    {
        Check<float>(groups, k, weighted, biased, rtol: 2e-5, atol: 2e-5);
        Check<double>(groups, k, weighted, biased, rtol: 1e-12, atol: 1e-12);
    }

    private static void Check<T>(int groups, int k, bool weighted, bool biased, double rtol, double atol)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const double Eps = 1e-5;
        int rows = 9 * groups, channels = groups * k, length = rows * k;
        var random = new Random((groups * 1000) + k);
        var x = Random<T>(random, length, -3, 5);
        var g = Random<T>(random, length, -2, 2);
        var w = weighted ? Random<T>(random, channels, 0.5, 2) : [];
        var b = biased ? Random<T>(random, channels, -1, 1) : [];
        var y = new T[length];
        var mean = new double[rows];
        var rstd = new double[rows];
        NormalizationKernels.RowNormForward<T>(rows, groups, k, 1, x, w, b, Eps, mean, rstd, y);
        var gx = new T[length];
        var gw = new T[channels];
        var gb = new T[channels];
        NormalizationKernels.RowNormBackward<T>(rows, groups, k, 1, x, w, g, mean, rstd, gx, gw, gb);

        var expectedY = new double[length];
        var expectedGx = new double[length];
        var expectedGw = new double[channels];
        var expectedGb = new double[channels];
        for (int row = 0; row < rows; row++)
        {
            int first = row % groups * k;
            double mu = 0, variance = 0;
            for (int j = 0; j < k; j++) mu += D(x[(row * k) + j]) / k;
            for (int j = 0; j < k; j++) variance += Math.Pow(D(x[(row * k) + j]) - mu, 2) / k;
            double r = 1 / Math.Sqrt(variance + Eps), sumG = 0, sumGx = 0;
            for (int j = 0; j < k; j++)
            {
                int at = (row * k) + j;
                double scale = weighted ? D(w[first + j]) : 1, xHat = (D(x[at]) - mu) * r;
                expectedY[at] = (xHat * scale) + (biased ? D(b[first + j]) : 0);
                sumG += D(g[at]) * scale;
                sumGx += D(g[at]) * scale * xHat;
                expectedGw[first + j] += D(g[at]) * xHat;
                expectedGb[first + j] += D(g[at]);
            }
            for (int j = 0; j < k; j++)
            {
                int at = (row * k) + j;
                double scale = weighted ? D(w[first + j]) : 1, xHat = (D(x[at]) - mu) * r;
                expectedGx[at] = r * ((D(g[at]) * scale) - (sumG / k) - (xHat * sumGx / k));
            }
        }

        string what = $"{typeof(T).Name} groups {groups}, K {k}, weight {weighted}, bias {biased}";
        Close<T>(expectedY, y, rtol, atol, what + ": output");
        Close<T>(expectedGx, gx, rtol, atol, what + ": input gradient");
        Close<T>(expectedGw, gw, rtol, atol, what + ": weight gradient");
        Close<T>(expectedGb, gb, rtol, atol, what + ": bias gradient");
    }

    private static double D<T>(T value)
        where T : INumberBase<T> => double.CreateTruncating(value);
}
