using System.Diagnostics;
using System.Text.Json;
using Nabla.Cli;
using Nabla.IO;
using Nabla.Tests.Data;
using Nabla.Training;
using static Nabla.Tests.Training.CliRun;

namespace Nabla.Tests.Training;

/// <summary>
/// <c>nabla train</c>'s progress display and its interrupts: plain progress lines when the output is redirected, and
/// Ctrl-C or SIGTERM after a batch saving a run that resumes to the uninterrupted run's weights, bit for bit.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public class CliInterruptTests
{
    /// <summary>A host whose interrupt comes after batch <paramref name="batch"/> of epoch <paramref name="epoch"/>, as a Ctrl-C would.</summary>
    private static CliHost InterruptAfter(int epoch, int batch, CancellationTokenSource source) => CliHost.Embedded with
    {
        Interrupt = source.Token,
        OnBatch = b => { if (b.Epoch == epoch && b.Batch == batch) source.Cancel(); },
    };

    private static string[] Train(string run, params string[] more) => ["train", "--epochs", "3", "--seed", "6", "--out", run, .. more];

    [Fact]
    public void RedirectedOutputGetsPlainProgressLinesAndTheSameEpochLines()
    {
        using var dir = new TempDirectory();
        var (code, plain, error) = Run(CliHost.Embedded with { Progress = ProgressMode.Plain, PlainInterval = TimeSpan.Zero }, Train(dir.File("plain")));
        Assert.True(code == 0, error);
        var (_, quiet, _) = Run(Train(dir.File("quiet")));

        // 800 examples in batches of 32: a line after each batch but an epoch's last, whose epoch line follows.
        var progress = plain.Split('\n').Where(l => l.StartsWith("  epoch ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3 * 24, progress.Count);
        Assert.Matches(@"^  epoch 1/3  batch 1/25  loss \d\.\d{4}  accuracy \d\.\d{4}  [\d,]+ samples/s  elapsed \d+:\d\d  left \d+:\d\d$", progress[0]);
        Assert.StartsWith("  epoch 3/3  batch 24/25  ", progress[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("  epoch ", quiet, StringComparison.Ordinal);
        static IEnumerable<string> EpochLines(string output) =>
            output.Split('\n').Where(l => l.StartsWith("epoch ", StringComparison.Ordinal)).Select(l => l[..l.LastIndexOf("  ", StringComparison.Ordinal)]);
        Assert.Equal(EpochLines(quiet), EpochLines(plain));
        Assert.Equal(3, EpochLines(plain).Count());
    }

    [Fact]
    public void TheTrainerDrawsItsProgressLineOnlyWhenAskedTo()
    {
        var (train, _) = TrainingTestUtil.Moons(80);
        var shown = new StringWriter();
        TrainingTestUtil.MoonsTrainer(options: new TrainerOptions { ComputeAccuracy = true, ProgressConsole = shown }).Fit(new Nabla.Data.DataLoader(train, batchSize: 64), 2);
        // Every line is drawn over the last with a carriage return and wiped before the epoch ends.
        Assert.Contains("\repoch 1/2  batch 1/1  loss ", shown.ToString(), StringComparison.Ordinal);
        Assert.Contains("\repoch 2/2  batch 1/1  loss ", shown.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("\r", shown.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\n", shown.ToString(), StringComparison.Ordinal);

        var silent = new StringWriter();
        var output = new StringWriter();
        TrainingTestUtil.MoonsTrainer(options: new TrainerOptions { Progress = false, ProgressConsole = silent, Output = output }).Fit(new Nabla.Data.DataLoader(train, batchSize: 64), 2);
        Assert.Equal("", silent.ToString());
        Assert.Equal(2, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(new TrainerOptions().Progress);
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(2, 25)]
    public void AnInterruptSavesARunThatResumesToTheUninterruptedWeights(int epoch, int batch)
    {
        using var dir = new TempDirectory();
        string run = dir.File("run"), whole = dir.File("whole");
        Assert.Equal(0, Run(Train(whole)).Code);

        using var source = new CancellationTokenSource();
        var (code, output, error) = Run(InterruptAfter(epoch, batch, source), Train(run));
        Assert.True(code == NablaCli.Interrupted, output + error);
        string where = batch == 25 ? $"after epoch {epoch}" : $"in epoch {epoch} after batch {batch}/25";
        Assert.Contains($"interrupted (SIGINT) {where}: wrote checkpoint.safetensors, model.safetensors, metrics.jsonl and curves.svg to {run}", output, StringComparison.Ordinal);
        Assert.Contains($"resume with: nabla train --epochs 3 --seed 6 --out {run} --resume", output, StringComparison.Ordinal);
        Assert.DoesNotContain("test accuracy", output, StringComparison.Ordinal);
        var checkpoint = Checkpoint.Load(Path.Combine(run, "checkpoint.safetensors"));
        Assert.Equal(batch == 25 ? epoch : epoch - 1, checkpoint.Epoch);
        Assert.Equal(batch != 25, checkpoint.Metadata.ContainsKey("trainer.position"));
        Assert.Equal(checkpoint.Epoch, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);
        Assert.Equal("mlp", SafeTensors.Load(Path.Combine(run, "model.safetensors")).Metadata[CliOptions.ModelKey]);
        Assert.Empty(Directory.EnumerateFiles(run, "*" + AtomicFile.TempMarker + "*"));

        (code, output, error) = Run(Train(run, "--resume"));
        Assert.True(code == 0, output + error);
        Assert.Contains(batch == 25 ? $"resuming after epoch {epoch}" : $"resuming epoch {epoch} after batch {batch}/25", output, StringComparison.Ordinal);
        var expected = SafeTensors.Load(Path.Combine(whole, "model.safetensors")).Tensors;
        var actual = SafeTensors.Load(Path.Combine(run, "model.safetensors")).Tensors;
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected) Assert.Equal(tensor.ToDoubleArray(), actual[name].ToDoubleArray());
        Assert.Equal(Metrics(whole), Metrics(run));
    }

    [Fact]
    public void AnInterruptWithoutARunDirectorySaysThatNothingWasSaved()
    {
        using var source = new CancellationTokenSource();
        var (code, output, _) = Run(InterruptAfter(1, 2, source), "train", "--epochs", "2");
        Assert.Equal(NablaCli.Interrupted, code);
        Assert.Contains("interrupted (SIGINT) in epoch 1 after batch 2/25; nothing was saved (pass --out DIR", output, StringComparison.Ordinal);
    }

    [Fact]
    public void TheResumeCommandQuotesWhatAShellWouldSplit()
    {
        Assert.Equal("nabla train --out 'my run' --lr 0.1 --resume", TrainCommand.ResumeCommand(["train", "--out", "my run", "--force", "--lr", "0.1"]));
        Assert.Equal("nabla train --out run --resume", TrainCommand.ResumeCommand(["train", "--out", "run", "--overwrite"]));
        Assert.Equal("nabla train --resume --out 'it'\\''s'", TrainCommand.ResumeCommand(["train", "--resume", "--out", "it's"]));
    }

    /// <summary>Each epoch's metrics but the seconds it took and the samples per second.</summary>
    private static List<string> Metrics(string run) => [.. File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(line =>
    {
        using var json = JsonDocument.Parse(line);
        return string.Join(",", json.RootElement.EnumerateObject().Where(p => p.Name is not ("seconds" or "samples_per_second")).Select(p => p.Name + "=" + p.Value.GetRawText()));
    })];

    /// <summary>
    /// The real thing: the nabla process, its output redirected, gets SIGINT or SIGTERM after its first progress line,
    /// finishes the batch, saves the run and exits with the shell's code for the signal.
    /// </summary>
    [Theory]
    [InlineData("INT", NablaCli.Interrupted)]
    [InlineData("TERM", NablaCli.Terminated)]
    public async Task TheProcessSavesTheRunAndExitsWithTheSignalsCode(string signal, int expected)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        using var dir = new TempDirectory();
        string run = dir.File("run");
        string cli = Path.Combine(AppContext.BaseDirectory, "Nabla.Cli.dll");
        Assert.True(File.Exists(cli), cli);
        // A test runner started in the background of a non-interactive shell passes SIGINT on as ignored; GNU env
        // gives the child the default handling back, as a terminal's foreground job has it.
        bool resetSignals = OperatingSystem.IsLinux() && File.Exists("/usr/bin/env");
        var start = new ProcessStartInfo(resetSignals ? "/usr/bin/env" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (resetSignals)
        {
            start.ArgumentList.Add("--default-signal=INT,TERM");
            start.ArgumentList.Add("dotnet");
        }
        foreach (var arg in new[] { cli, "train", "--epochs", "100000", "--batch-size", "4", "--threads", "1", "--out", run }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        var lines = new List<string>();
        string rest;
        try
        {
            string? line;
            while ((line = await process.StandardOutput.ReadLineAsync(timeout.Token)) is not null)
            {
                lines.Add(line);
                if (line.StartsWith("  epoch ", StringComparison.Ordinal)) break;
            }
            Assert.True(line is not null, $"no progress line (exited: {process.HasExited}):\n{string.Join("\n", lines)}\n{(errors.IsCompletedSuccessfully ? await errors : "")}");
            string ignored = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) ?? "";
            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync(timeout.Token);
            try
            {
                rest = await process.StandardOutput.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the process did not stop after SIG{signal} ({ignored})");
                throw;
            }
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
        Assert.True(process.ExitCode == expected, $"exit code {process.ExitCode}\n{rest}\n{await errors}");
        Assert.Contains($"interrupted (SIG{signal}) ", rest, StringComparison.Ordinal);
        Assert.Contains($"resume with: nabla train --epochs 100000 --batch-size 4 --threads 1 --out {run} --resume", rest, StringComparison.Ordinal);
        foreach (var file in new[] { "checkpoint.safetensors", "model.safetensors" }) Assert.True(File.Exists(Path.Combine(run, file)), file);
        Assert.Null(Record.Exception(() => Checkpoint.Load(Path.Combine(run, "checkpoint.safetensors"))));
    }
}
