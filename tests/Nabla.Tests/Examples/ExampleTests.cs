using Nabla.Data;
using Nabla.Examples;

namespace Nabla.Tests.Examples;

/// <summary>The seed articles' programs run end to end and reach what the articles claim.</summary>
public sealed class ExampleTests
{
    [Fact]
    public void XorNetworkLearnsAllFourPoints()
    {
        var output = new StringWriter();
        Assert.Equal(0, XorExample.Run(output));
        Assert.Contains("4/4 correct", output.ToString());
    }

    [Fact]
    public void SigmoidNetworkGradientsByHandMatchAutograd()
    {
        var output = new StringWriter();
        Assert.Equal(0, SigmoidNetworkExample.Run(output));
        var text = output.ToString();
        Assert.Equal(4, text.Split("by hand == by autograd: True").Length - 1);
        double before = LossAfter(text, "loss "), after = LossAfter(text, "loss after one step ");
        Assert.True(after < before, $"one gradient step should lower the loss: {before} -> {after}");
    }

    [Fact]
    public void LinearRegressionRecoversSlopeAndInterceptWithIdenticalGradients()
    {
        var output = new StringWriter();
        Assert.Equal(0, LinearRegressionExample.Run(output));
        Assert.Contains("graph TD", output.ToString());
    }

    [Fact]
    public void MoonsNetworkGeneralisesToTheTestSplit()
    {
        var output = new StringWriter();
        Assert.Equal(0, MoonsExample.Run(output));
        Assert.Contains("Test accuracy:", output.ToString());
    }

    [Fact]
    public void SoftmaxRegressionLearnsSeparableClassesAndWritesItsGraph()
    {
        var generator = new Generator(3);
        var (x, y) = Synthetic.MakeBlobs(600, nFeatures: 8, centers: 3, generator: generator);
        var train = (x.Narrow(0, 0, 500), y.Narrow(0, 0, 500));
        var test = (x.Narrow(0, 500, 100), y.Narrow(0, 500, 100));
        string graph = Path.Combine(Path.GetTempPath(), $"nabla-softmax-{Guid.NewGuid():N}.dot");
        try
        {
            var output = new StringWriter();
            Assert.Equal(0, SoftmaxRegressionExample.Run(output, train, test, steps: 200, batchSize: 50, learningRate: 0.1, graphPath: graph));
            Assert.StartsWith("digraph", File.ReadAllText(graph));
        }
        finally
        {
            File.Delete(graph);
        }
    }

    private static double LossAfter(string text, string prefix)
    {
        var line = text.Split('\n').First(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return double.Parse(line[prefix.Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
