using System.Globalization;
using Nabla.IO;
using Xunit.Abstractions;

namespace Nabla.Distributed.Tests;

/// <summary><c>mpirun -np 2 nabla train --distributed</c> against one process, and a run that changes its number of ranks on resume.</summary>
public sealed class CliTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>
    /// How far the trained weights of different numbers of ranks may be apart after 125 Adam steps:
    /// |a − b| ≤ 1e-6 + 1e-5·|b| (measured: at most 1.8e-7), float32 rounding of the gradient sums carried through the run.
    /// </summary>
    private const double AbsoluteTolerance = 1e-6, RelativeTolerance = 1e-5;

    private const string Train = "train --distributed --data moons --seed 4";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-ddp-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [MpiFact]
    public void TwoRanksTrainTheModelOfOneProcessAndACheckpointOfTwoRanksResumesInOne()
    {
        string one = Path.Combine(_dir, "one"), two = Path.Combine(_dir, "two"), resumed = Path.Combine(_dir, "resumed");
        var single = MpiRun.Run(0, MpiRun.Cli, $"{Train} --epochs 5 --out \"{one}\"", Limit);
        Assert.True(single.ExitCode == 0, single.Output);
        Assert.Contains("1 rank(s) × batch 32", single.Output);

        var pair = MpiRun.Run(2, MpiRun.Cli, $"{Train} --epochs 5 --out \"{two}\"", Limit);
        Assert.True(pair.ExitCode == 0, pair.Output);
        Assert.Contains("2 rank(s) × batch 16", pair.Output);
        // Rank 0 alone prints: one summary line, one line per epoch.
        Assert.Single(pair.Output.Split('\n'), line => line.Contains("train: moons", StringComparison.Ordinal));
        Assert.Single(pair.Output.Split('\n'), line => line.StartsWith("epoch 5/5", StringComparison.Ordinal));

        var first = MpiRun.Run(2, MpiRun.Cli, $"{Train} --epochs 2 --out \"{resumed}\"", Limit);
        Assert.True(first.ExitCode == 0, first.Output);
        var rest = MpiRun.Run(0, MpiRun.Cli, $"{Train} --epochs 5 --out \"{resumed}\" --resume", Limit);
        Assert.True(rest.ExitCode == 0, rest.Output);
        Assert.Contains("resuming after epoch 2", rest.Output);

        var reference = SafeTensors.Load(Path.Combine(one, "model.safetensors")).Tensors;
        foreach (var (name, run) in new[] { ("2 ranks", two), ("2 ranks, then resumed in 1", resumed) })
        {
            var weights = SafeTensors.Load(Path.Combine(run, "model.safetensors")).Tensors;
            Assert.Equal(reference.Keys, weights.Keys);
            double worst = 0;
            foreach (var (key, expected) in reference)
            {
                var e = expected.ToArray<float>();
                var a = weights[key].ToArray<float>();
                for (int i = 0; i < e.Length; i++)
                {
                    worst = Math.Max(worst, Math.Abs(a[i] - e[i]));
                    if (!(Math.Abs(a[i] - e[i]) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(e[i])))
                        Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{name}: {key}[{i}] is {a[i]}, one process trained {e[i]}"));
                }
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: largest weight difference from one process {worst:E2}"));
        }
    }

    [Fact]
    public void WithoutMpirunTheDistributedFlagTrainsInOneProcessWithoutLoadingMpi()
    {
        var writer = new StringWriter();
        var errors = new StringWriter();
        int code = Cli.NablaCli.Run(["train", "--distributed", "--epochs", "1", "--batch-size", "32"], writer, errors);
        Assert.True(code == 0, errors.ToString());
        Assert.Contains("1 rank(s) × batch 32", writer.ToString());
    }
}
