using System.Globalization;
using Nabla.Distributed.Worker;
using Xunit.Abstractions;

namespace Nabla.Distributed.Tests;

/// <summary>Synchronised batch norm and unused parameters under <c>mpirun -np 2</c>, against one process on the whole batch.</summary>
public sealed class SyncMultiProcessTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>As <see cref="MultiProcessTests"/>: |distributed − single| ≤ 1e-6 + 1e-5·|single| after every step, float32 rounding of the gradient sums.</summary>
    private const double AbsoluteTolerance = 1e-6, RelativeTolerance = 1e-5;

    private const int B = 8;

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-syncbn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [MpiFact]
    public void SyncBatchNormOnTwoHalvesGivesOneProcessBatchNorm2dOnTheWholeBatch()
    {
        // The worker compares outputs, input, weight and bias gradients and running statistics on every rank
        // (SyncScenarios.SyncBatchNormMatchesOneProcess, 1e-6 in float32 and 1e-12 in float64) and fails with the first difference.
        var result = MpiRun.Run(2, MpiRun.Worker, "syncbn", Limit);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("syncbn ok on rank 0 of 2", result.Output);
        Assert.Contains("syncbn ok on rank 1 of 2", result.Output);
    }

    [MpiFact]
    public void TwoRanksWithSyncBatchNormTrainWhatOneProcessWithBatchNormTrainsOnTheDoubleBatch()
    {
        var result = MpiRun.Run(2, MpiRun.Worker, $"syncbn-train \"{_dir}\" {B}", Limit);
        Assert.True(result.ExitCode == 0, result.Output);
        using var single = ProcessGroup.Single();
        CompareSteps("syncbn", SyncScenarios.TrainBatchNorm(single, 2 * B, sync: false), Equivalence.Read(Path.Combine(_dir, "syncbn.bin")));
    }

    [MpiFact]
    public void WithFindUnusedParametersABranchUnusedInSomeStepsTrainsAsInOneProcess()
    {
        var result = MpiRun.Run(2, MpiRun.Worker, $"unused \"{_dir}\" {B}", Limit);
        Assert.True(result.ExitCode == 0, result.Output);
        var count = System.Text.RegularExpressions.Regex.Match(result.Output, "steps with head b unused on one rank only: ([0-9]+)");
        Assert.True(count.Success, result.Output);
        Assert.True(int.Parse(count.Groups[1].Value, CultureInfo.InvariantCulture) > 0, "no step left head b unused on one rank while the other used it");
        using var single = ProcessGroup.Single();
        var (reference, _) = SyncScenarios.TrainBranchy(single, 2 * B, findUnusedParameters: true);
        CompareSteps("unused", reference, Equivalence.Read(Path.Combine(_dir, "unused.bin")));
    }

    [MpiFact]
    public void WithoutFindUnusedParametersAnUnusedBranchFailsAtTheNextForwardPassNamingIt()
    {
        // MpiRun.Run throws a TimeoutException if the ranks hang instead.
        var result = MpiRun.Run(2, MpiRun.Worker, "unused-error", TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, result.ExitCode);
        foreach (int rank in new[] { 0, 1 })
        {
            Assert.Contains($"rank {rank}: DistributedDataParallel: expected to have finished reduction in the prior iteration before starting a new one: " +
                $"at the forward pass on rank {rank}, the previous backward pass had not given a gradient to 2 parameter(s) (b.bias, b.weight)", result.Output);
        }
        Assert.Contains("pass findUnusedParameters: true", result.Output);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(60), $"took {result.Elapsed}");
    }

    private void CompareSteps(string name, List<float[]> reference, List<float[]> distributed)
    {
        Assert.Equal(Equivalence.Epochs * Equivalence.Examples / (2 * B), reference.Count);
        Assert.Equal(reference.Count, distributed.Count);
        double worst = 0;
        for (int step = 0; step < reference.Count; step++)
        {
            Assert.Equal(reference[step].Length, distributed[step].Length);
            for (int i = 0; i < reference[step].Length; i++)
            {
                double expected = reference[step][i], actual = distributed[step][i];
                worst = Math.Max(worst, Math.Abs(actual - expected));
                if (!(Math.Abs(actual - expected) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(expected)))
                    Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{name}: after step {step + 1} element {i} is {actual} on 2 ranks but {expected} in one process."));
            }
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {reference.Count} steps, largest difference {worst:E2}"));
        Assert.NotEqual(reference[0], reference[^1]);
    }
}
