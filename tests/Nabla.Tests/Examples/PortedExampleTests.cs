using System.Globalization;
using Nabla.Data;
using Nabla.Examples;
using Nabla.Tests.Data;

namespace Nabla.Tests.Examples;

/// <summary>The programs ported from pytorch/examples run end to end (small where the original is long).</summary>
public sealed class PortedExampleTests
{
    [Fact]
    public void RegressionRecoversThePolynomial()
    {
        var output = new StringWriter();
        Assert.Equal(0, RegressionExample.Run(output));
        var lines = output.ToString().Split('\n');
        Assert.StartsWith("data: batches of 32 points", lines[0], StringComparison.Ordinal);
        lines = lines[1..];
        Assert.StartsWith("Loss: 0.000", lines[0]);
        double[] Coefficients(string line) => line.Split("y = ")[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(t => t[0] is '+' or '-').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        var learned = Coefficients(lines[1]);
        var actual = Coefficients(lines[2]);
        Assert.Equal(5, learned.Length);
        for (int i = 0; i < 5; i++) Assert.True(Math.Abs(learned[i] - actual[i]) < 0.1, output.ToString());
    }

    [Fact]
    public void TimeSequencePredictionLowersTheLossWithLbfgs()
    {
        var output = new StringWriter();
        TimeSequencePredictionExample.Run(output, steps: 1, waves: 8, length: 60, future: 20);
        var losses = output.ToString().Split('\n').Where(l => l.StartsWith("loss: ", StringComparison.Ordinal))
            .Select(l => double.Parse(l["loss: ".Length..], CultureInfo.InvariantCulture)).ToArray();
        Assert.True(losses.Length > 5, output.ToString());
        Assert.True(losses[^1] < losses[0] / 10, output.ToString());
        Assert.Contains("test loss: ", output.ToString());
    }
}

/// <summary>The Fashion-MNIST ports on a few hundred images: they train, report and write their pictures.</summary>
public sealed class PortedImageExampleTests
{
    [FashionMnistInstalledFact]
    public void MnistNetworkLearnsWithAdadeltaAndStepLR()
    {
        var train = Mnist.Load(FashionMnist.DefaultDirectory, train: true);
        var test = Mnist.Load(FashionMnist.DefaultDirectory, train: false);
        var output = new StringWriter();
        int code = MnistExample.Run(output, (train.Images[..512], train.Labels[..512]), (test.Images[..200], test.Labels[..200]), epochs: 2, testBatchSize: 100);
        Assert.True(code == 0, output.ToString());
        Assert.Contains("Train Epoch: 2 [0/512 (0%)]", output.ToString());
        Assert.Contains("Test set: Average loss: ", output.ToString());
    }

    [FashionMnistInstalledFact]
    public void VaeWritesReconstructionsAndSamples()
    {
        var train = Mnist.Load(FashionMnist.DefaultDirectory, train: true, flatten: true).Images[..512];
        var test = Mnist.Load(FashionMnist.DefaultDirectory, train: false, flatten: true).Images[..256];
        using var dir = new TempDirectory();
        var output = new StringWriter();
        Assert.Equal(0, VaeExample.Run(output, train, test, epochs: 2, dir.Path));
        foreach (var file in new[] { "reconstruction_1.png", "sample_2.png" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir.Path, file));
            Assert.Equal(0x89, bytes[0]);
        }
        Assert.Contains("====> Test set loss: ", output.ToString());
    }
}

/// <summary>The generative and super-resolution ports on a few hundred Fashion-MNIST images.</summary>
public sealed class PortedConvolutionExampleTests
{
    [FashionMnistInstalledFact]
    public void SuperResolutionBeatsBilinearUpscaling()
    {
        var train = Mnist.Load(FashionMnist.DefaultDirectory, train: true).Images[..4096];
        var test = Mnist.Load(FashionMnist.DefaultDirectory, train: false).Images[..200];
        using var dir = new TempDirectory();
        var output = new StringWriter();
        int code = SuperResolutionExample.Run(output, train, test, epochs: 4, Path.Combine(dir.Path, "sr.png"));
        Assert.True(code == 0, output.ToString());
        Assert.True(File.Exists(Path.Combine(dir.Path, "sr.png")));
    }

    [FashionMnistInstalledFact]
    public void DcganTrainsBothNetworksAndWritesSamples()
    {
        var images = Mnist.Load(FashionMnist.DefaultDirectory, train: true).Images[..256];
        using var dir = new TempDirectory();
        var output = new StringWriter();
        Assert.Equal(0, DcganExample.Run(output, images, epochs: 1, dir.Path, batchSize: 32, logInterval: 4));
        Assert.Contains("[0/1][4/8] Loss_D: ", output.ToString());
        Assert.True(File.Exists(Path.Combine(dir.Path, "fake_samples_epoch_000.png")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "real_samples.png")));
    }
}
