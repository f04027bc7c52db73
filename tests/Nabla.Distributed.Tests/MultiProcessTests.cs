using System.Globalization;
using Nabla.Distributed.Worker;
using Xunit.Abstractions;

namespace Nabla.Distributed.Tests;

/// <summary>
/// The multi-process proofs: programs of this build started under <c>mpirun -np 2</c> (or 3), each rank one process
/// with one compute thread.
/// </summary>
public sealed class MultiProcessTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>
    /// How far the parameters of 2 ranks with batch B may be from those of 1 process with batch 2B after any step:
    /// |distributed − single| ≤ 1e-6 + 1e-5·|single| (measured: at most 1.5e-7, a few float32 units in the last place). The only difference is float32 rounding (the single process
    /// sums 2B examples' gradients in one matrix product, the two ranks sum B each and then add the two sums).
    /// </summary>
    private const double AbsoluteTolerance = 1e-6, RelativeTolerance = 1e-5;

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-ddp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [MpiFact]
    public void CollectivesAgreeOnTwoAndThreeRanks()
    {
        foreach (int ranks in new[] { 2, 3 })
        {
            var result = MpiRun.Run(ranks, MpiRun.Worker, "collectives", Limit);
            Assert.True(result.ExitCode == 0, result.Output);
            for (int r = 0; r < ranks; r++) Assert.Contains($"collectives ok on rank {r} of {ranks}", result.Output);
        }
    }

    [MpiFact]
    public void TwoRanksWithBatchBTrainTheSameParametersAsOneProcessWithBatch2BStepForStep()
    {
        const int B = 8;
        var result = MpiRun.Run(2, MpiRun.Worker, $"equivalence \"{_dir}\" {B}", Limit);
        Assert.True(result.ExitCode == 0, result.Output);
        foreach (var (name, optimizer, bucketCapMb, accumulate) in Equivalence.Configs)
        {
            var distributed = Equivalence.Read(Path.Combine(_dir, name + ".bin"));
            using var single = ProcessGroup.Single();
            var reference = Equivalence.Train(optimizer, bucketCapMb, accumulate, single, perRankBatch: 2 * B);
            Assert.Equal(Equivalence.Epochs * Equivalence.Examples / (2 * B), reference.Count);
            Assert.Equal(reference.Count, distributed.Count);
            double worst = 0;
            for (int step = 0; step < reference.Count; step++)
            {
                for (int i = 0; i < reference[step].Length; i++)
                {
                    double expected = reference[step][i], actual = distributed[step][i];
                    worst = Math.Max(worst, Math.Abs(actual - expected));
                    if (!(Math.Abs(actual - expected) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(expected)))
                        Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{name}: after step {step + 1} parameter element {i} is {actual} on 2 ranks but {expected} in one process."));
                }
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {reference.Count} steps, largest difference {worst:E2}"));
            // The replicas moved: a broken all-reduce that left every rank on its own shard would not match above.
            Assert.NotEqual(reference[0], reference[^1]);
        }
    }

    [MpiFact]
    public void RanksThatBuildDifferentModelsAreRefusedAtTheStart()
    {
        var result = MpiRun.Run(2, MpiRun.Worker, "mismatch", Limit);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("rank 0: DistributedDataParallel: the ranks built different models", result.Output);
        Assert.Contains("rank 1: DistributedDataParallel: the ranks built different models", result.Output);
    }

    [MpiFact]
    public void ARankThatDiesEndsTheWholeJobInSeconds()
    {
        var result = MpiRun.Run(2, MpiRun.Worker, "dies", Limit);
        Assert.Equal(7, result.ExitCode);
        Assert.Contains("rank 1: exiting with code 7 at step 3", result.Output);
        Assert.Contains("mpirun detected that one or more processes exited with non-zero status", result.Output);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(60), $"took {result.Elapsed}");
    }

    [MpiFact]
    public void ARankThatHangsMakesTheOthersFailAfterTheTimeout()
    {
        var result = MpiRun.Run(2, MpiRun.Worker, "hangs - 10", Limit);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("rank 1: stopping at step 3", result.Output);
        Assert.Contains("rank 0 of 2 waited 00:00:10 for the other ranks without the collective finishing", result.Output);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(60), $"took {result.Elapsed}");
    }
}
