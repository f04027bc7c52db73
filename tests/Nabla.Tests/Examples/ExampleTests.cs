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
        Assert.Contains("data: the article's one point", text, StringComparison.Ordinal);
        foreach (var factor in new[] { "∂L/∂ŷ = ŷ − y = tensor(", "∂ŷ/∂z2 = ŷ(1 − ŷ) = tensor(", "δ2 = ∂L/∂z2", "∂L/∂a1 = δ2·W2ᵀ = tensor(", "δ1 = ∂L/∂z1" })
            Assert.Contains(factor, text, StringComparison.Ordinal);
        double before = LossAfter(text, "loss "), after = LossAfter(text, "loss after one step ");
        Assert.True(after < before, $"one gradient step should lower the loss: {before} -> {after}");
    }

    [Fact]
    public void LinearRegressionRecoversSlopeAndInterceptWithIdenticalGradients()
    {
        var output = new StringWriter();
        Assert.Equal(0, LinearRegressionExample.Run(output));
        var text = output.ToString();
        Assert.Contains("graph TD", text, StringComparison.Ordinal);
        Assert.Contains("data: 100 points", text, StringComparison.Ordinal);
        Assert.Contains("∂L/∂w = ∂L/∂ŷ · ∂ŷ/∂w = ", text, StringComparison.Ordinal);
        Assert.Contains("(autograd: ", text, StringComparison.Ordinal);
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
