namespace Nabla.Kernels.Tests;

/// <summary>The Jacobi SVD on matrices whose decomposition is known, and the basis completion.</summary>
public sealed class SvdKernelsTests
{
    [Fact]
    public void PermutedScaledIdentityHasItsScalesAsSingularValues()
    {
        // A = [[0, 2], [3, 0], [0, 0]]: singular values 3 and 2, U's columns ±e1 and ±e0, Vh's rows ±e0 and ±e1.
        double[] a = [0, 2, 3, 0, 0, 0];
        var u = new double[6];
        var s = new double[2];
        var vh = new double[4];
        SvdKernels.Svd(a, 1, 3, 2, u, s, vh);
        Assert.Equal([3.0, 2.0], s);
        Assert.Equal(1, Math.Abs(u[(1 * 2) + 0]), 15);
        Assert.Equal(1, Math.Abs(u[(0 * 2) + 1]), 15);
        Assert.Equal(1, Math.Abs(vh[0]), 15);
        Assert.Equal(1, Math.Abs(vh[3]), 15);
    }

    [Fact]
    public void WideMatricesAreDecomposedThroughTheirTranspose()
    {
        // A = [[3, 4]]: one singular value 5, Vh = ±[0.6, 0.8], U = ±[1].
        var u = new double[1];
        var s = new double[1];
        var vh = new double[2];
        SvdKernels.Svd([3.0, 4.0], 1, 1, 2, u, s, vh);
        Assert.Equal(5, s[0], 14);
        Assert.Equal(0.6, vh[0] * u[0], 14);
        Assert.Equal(0.8, vh[1] * u[0], 14);
    }

    [Fact]
    public void ComplementCompletesAnOrthonormalBasis()
    {
        double r = Math.Sqrt(0.5);
        double[] q = [r, r, 0];
        var complement = new double[6];
        SvdKernels.Complement(q, 1, 3, 1, complement);
        double[][] columns = [[r, r, 0], [complement[0], complement[2], complement[4]], [complement[1], complement[3], complement[5]]];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double dot = columns[i].Zip(columns[j], (x, y) => x * y).Sum();
                Assert.Equal(i == j ? 1 : 0, dot, 14);
            }
        }
    }

    [Fact]
    public void WrongSpanLengthsAreRefused() =>
        Assert.Contains("Svd", Assert.Throws<ArgumentException>(() => SvdKernels.Svd(new double[5], 1, 3, 2, new double[6], new double[2], new double[4])).Message);
}
