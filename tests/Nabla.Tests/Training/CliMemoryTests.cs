using System.Text.RegularExpressions;
using Nabla.Cli;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Tests.Data;
using static Nabla.Tests.Training.CliRun;

namespace Nabla.Tests.Training;

/// <summary>
/// <c>nabla train</c>'s memory estimate: a training step's memory measured on two small batches, which grows with the
/// batch as a real step does, and a batch that cannot fit refused in one line before any training.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public partial class CliMemoryTests
{
    /// <summary>The managed bytes a fresh model's forward pass, loss and backward pass allocate on the first <paramref name="n"/> examples, outside any scope.</summary>
    private static long MeasuredStep(Func<Module> build, Func<Tensor, Tensor, Tensor> loss, Tensor x, Tensor y, int n)
    {
        var model = build();
        model.Train();
        var input = x.Narrow(0, 0, n).Contiguous();
        var target = y.Narrow(0, 0, n).Contiguous();
        loss(model.Call(input), target).Backward();
        long before = GC.GetAllocatedBytesForCurrentThread();
        loss(model.Call(input), target).Backward();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData("moons", "mlp")]
    [InlineData("spirals", "mlp")]
    public void TheEstimateGrowsWithTheBatchAsAMeasuredStepDoes(string dataSpec, string modelName)
    {
        var data = DataSource.Parse(dataSpec);
        var (x, y) = data.Load(train: true, seed: 0);
        Module Build() => ModelZoo.Build(modelName, data, DType.Float32, new Generator(1), new Generator(2));
        var loss = ModelZoo.Loss(data);
        var estimate = MemoryEstimate.Measure(Build, loss, p => new Adam(p, 0.01), x, y);

        Assert.True(estimate.PerExample > 0, $"{estimate}");
        var fresh = Build();
        long parameters = fresh.Parameters().Sum(p => (long)p.Numel * 4), buffers = fresh.StateDict().Values.Sum(t => (long)t.Numel * t.DType.ElementSize()) - parameters;
        // Parameters, their gradients and Adam's two moments, and the buffers.
        Assert.Equal((4 * parameters) + buffers, estimate.ModelState);
        foreach (int batch in new[] { 100, 400 })
        {
            double ratio = estimate.Activations(batch) / (double)MeasuredStep(Build, loss, x, y, batch);
            Assert.True(ratio is > 0.5 and < 2, $"batch {batch}: estimated {estimate.Activations(batch)} bytes, measured ratio {ratio:F2}");
        }
        Assert.Equal(estimate.Activations(400) - estimate.Activations(100), 3 * (estimate.Activations(200) - estimate.Activations(100)));
    }

    [Fact]
    public void TheLargestBatchFitsAndOneMoreDoesNot()
    {
        var estimate = new MemoryEstimate(PerExample: 1000, PerStep: 5000, ModelState: 20_000);
        Assert.Equal(97, estimate.LargestBatch(122_000));
        Assert.Null(estimate.Refusal(97, 122_000));
        Assert.NotNull(estimate.Refusal(98, 122_000));
        // Rounded down to two significant digits.
        Assert.Equal(1400, estimate.LargestBatch(25_000 + (1_489 * 1000)));
        Assert.Equal(0, estimate.LargestBatch(25_500));
        Assert.EndsWith("; the model alone does not fit; try a smaller model.", estimate.Refusal(1, 20_000), StringComparison.Ordinal);
        Assert.Equal("512 bytes", MemoryEstimate.Format(512));
        Assert.Equal("1.5 KiB", MemoryEstimate.Format(1536));
        Assert.Equal("61 GiB", MemoryEstimate.Format(61L << 30));
    }

    [Fact]
    public void ABatchThatCannotFitIsRefusedInOneLineBeforeTraining()
    {
        using var dir = new TempDirectory();
        string run = dir.File("run");
        var tight = CliHost.Embedded with { AvailableMemory = 256 << 10 };
        var (code, output, error) = Run(tight, "train", "--batch-size", "4000000", "--epochs", "1", "--out", run);
        Assert.Equal(NablaCli.InsufficientMemory, code);
        Assert.Equal("", output);
        var line = Assert.Single(error.Trim().Split('\n'));
        // The loader's batch is the whole training set when --batch-size is larger.
        var match = RefusalLine().Match(line);
        Assert.True(match.Success, line);
        Assert.Equal("800", match.Groups["batch"].Value);
        Assert.Equal("256 KiB", match.Groups["available"].Value);
        Assert.DoesNotContain(Directory.EnumerateFiles(run), f => !Path.GetFileName(f).StartsWith('.'));

        // The batch the line proposes trains in that memory, and the run directory is free for it.
        string proposed = match.Groups["proposed"].Value;
        (code, output, error) = Run(tight, "train", "--batch-size", proposed, "--epochs", "1", "--out", run);
        Assert.True(code == 0, error);
        Assert.StartsWith("train: moons (800 train / 200 test)", output, StringComparison.Ordinal);
        Assert.Contains($"batch {proposed}, 1 epochs, seed 0, about ", output, StringComparison.Ordinal);
        Assert.Contains("test accuracy ", output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^nabla train: a batch of (?<batch>\d+) needs about [\d.]+ [KMG]iB \(activations [\d.]+ [KMG]iB, parameters and optimizer state [\d.]+ (?:[KMG]iB|bytes)\); (?<available>[\d.]+ [KMG]iB) is available; try --batch-size (?<proposed>\d+) or less\.$")]
    private static partial Regex RefusalLine();
}
