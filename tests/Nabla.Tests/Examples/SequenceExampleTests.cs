using System.Globalization;
using System.Text.RegularExpressions;
using Nabla.Examples;
using Nabla.Tests.Data;

namespace Nabla.Tests.Examples;

/// <summary>The sequence-model examples, run small: the character language models, digit reversal and gradient clipping.</summary>
[Collection(GlobalGeneratorCollection.Name)]
public sealed partial class SequenceExampleTests
{
    /// <summary>A text with structure to learn (words, spaces, a period) and no file to depend on.</summary>
    private static readonly string Text = string.Concat(Enumerable.Range(0, 80).Select(i => $"the {(i % 3 == 0 ? "quick" : "lazy")} dog {i % 7} runs. "));

    [Theory]
    [InlineData("lstm")]
    [InlineData("transformer")]
    public void CharLanguageModelBeatsTheUnigramModelAndSamples(string model)
    {
        var options = CharLanguageModelOptions.Parse(["--model", model, "--epochs", "3", "--seq", "32", "--batch", "8", "--width", "32", "--sample-length", "40", "--prompt", "the "]);
        var output = new StringWriter();
        int code = CharLanguageModelExample.Run(output, Text, options);
        string text = output.ToString();
        Assert.True(code == 0, text);
        Assert.Equal(3, EpochLine().Count(text));
        double unigram = Figure(text, @"unigram perplexity (\S+)");
        double last = double.Parse(EpochLine().Matches(text)[^1].Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(last < unigram, $"held-out perplexity {last} should beat the unigram model's {unigram}");
        var sample = text[(text.IndexOf("prompt \"the \":\n", StringComparison.Ordinal) + "prompt \"the \":\n".Length)..].TrimEnd('\n');
        Assert.Equal(4 + 40, sample.Length);
        Assert.StartsWith("the ", sample, StringComparison.Ordinal);
    }

    [Fact]
    public void CharLanguageModelRejectsBadOptions()
    {
        var error = new StringWriter();
        Assert.Equal(2, CharLanguageModelExample.FromCommandLine(["--model", "gru"], TextWriter.Null, error));
        Assert.Contains("--model must be lstm or transformer", error.ToString());
        Assert.Throws<ArgumentException>(() => CharLanguageModelOptions.Parse(["--epochs", "0"]));
        Assert.Equal(128, CharLanguageModelOptions.Parse(["--model", "transformer"]).Width);
    }

    [Fact]
    public void SequenceReverseLearnsBeyondChanceInAFewSteps()
    {
        var output = new StringWriter();
        SequenceReverseExample.Run(output, new SequenceReverseOptions { MaxSteps = 60, BatchSize = 64, Width = 32, Layers = 1, TestSize = 200 });
        string text = output.ToString();
        double exact = Figure(text, @"^exact-sequence accuracy (\d\.\d{4}) on 200 held-out sequences$");
        double digits = Figure(text, @"^digit accuracy (\d\.\d{4}) on 200 held-out sequences$");
        Assert.InRange(exact, 0, 1);
        Assert.True(digits > 0.2, $"digit accuracy {digits} should beat chance (0.1) clearly:\n{text}");
    }

    [Fact]
    public void SequenceReverseRejectsBadOptions()
    {
        var error = new StringWriter();
        Assert.Equal(2, SequenceReverseExample.FromCommandLine(["--min-length", "12"], TextWriter.Null, error));
        Assert.Contains("exceeds --max-length", error.ToString());
        Assert.Equal(2, SequenceReverseExample.FromCommandLine(["--steps", "-1"], TextWriter.Null, error));
    }

    [Fact]
    public void UnclippedGradientExplodesWhileTheClippedRunStaysFinite()
    {
        const double MaxNorm = 1.0;
        var plain = GradientClippingExample.Train(clip: false, steps: 10, length: 100, MaxNorm, seed: 0);
        var clipped = GradientClippingExample.Train(clip: true, steps: 10, length: 100, MaxNorm, seed: 0);
        double plainMax = plain.GradientNorms.Where(double.IsFinite).Max();
        Assert.True(plainMax > 1e6 * MaxNorm, $"the unclipped gradient norm should explode, got at most {plainMax}");
        Assert.Contains(plain.Losses, l => !double.IsFinite(l));
        Assert.All(clipped.Losses, l => Assert.True(double.IsFinite(l), $"clipped loss {l}"));
        Assert.True(clipped.Losses[^1] < clipped.Losses[0] / 1000, $"the clipped run's loss should fall: {clipped.Losses[0]} -> {clipped.Losses[^1]}");
    }

    [Fact]
    public void GradientClippingExamplePrintsBothTrajectories()
    {
        var output = new StringWriter();
        Assert.Equal(0, GradientClippingExample.Run(output, steps: 12));
        string text = output.ToString();
        Assert.Contains("largest gradient norm: plain", text);
        Assert.Contains("final loss: plain NaN, clipped", text);
    }

    private static double Figure(string text, string pattern)
    {
        var match = Regex.Match(text, pattern, RegexOptions.Multiline);
        Assert.True(match.Success, $"no line matches {pattern}:\n{text}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^epoch +\d+  train loss \S+  held-out loss \S+  perplexity (\S+)  \(", RegexOptions.Multiline)]
    private static partial Regex EpochLine();
}
