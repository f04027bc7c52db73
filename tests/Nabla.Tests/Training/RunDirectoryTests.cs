using System.Text.Json;
using Nabla.Cli;
using Nabla.IO;
using Nabla.Tests.Data;
using static Nabla.Tests.Training.CliRun;

namespace Nabla.Tests.Training;

/// <summary>The run directory of <c>nabla train --out</c>: atomic files, no symlink followed, a lock, resumes that lose and repeat nothing.</summary>
[Collection(GlobalStateCollection.Name)]
public sealed class RunDirectoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (int Code, string Output, string Error) Train(string run, int epochs, params string[] more) =>
        Run(["train", "--epochs", $"{epochs}", "--out", run, "--seed", "4", .. more]);

    private static List<(int Epoch, double Train, double Test)> Metrics(string run) =>
        [.. File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l =>
        {
            using var json = JsonDocument.Parse(l);
            var root = json.RootElement;
            return (root.GetProperty("epoch").GetInt32(), root.GetProperty("train_loss").GetDouble(), root.GetProperty("test_loss").GetDouble());
        })];

    private static void AssertUsage(string message, (int Code, string Output, string Error) result)
    {
        Assert.True(result.Code == NablaCli.UsageError, $"exit code {result.Code}; output:\n{result.Output}\nerror:\n{result.Error}");
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void AtomicWriteReplacesASymlinkAndLeavesItsTargetAlone()
    {
        string victim = _dir.File("victim.txt");
        File.WriteAllText(victim, "precious");
        string link = _dir.File("link.txt");
        File.CreateSymbolicLink(link, victim);

        AtomicFile.WriteAllText(link, "new");

        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(link));
        Assert.Equal(["link.txt", "victim.txt"], Directory.GetFiles(_dir.Path).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DirectoriesAreFlushedWhereTheSystemCan()
    {
        // On Linux and macOS this calls fsync(2) through the C library, so a missing entry point or library fails here.
        AtomicFile.SyncDirectory(_dir.Path);
        AtomicFile.SyncDirectory(_dir.File("no-such-directory"));
        AtomicFile.WriteAllText(_dir.File("flushed.txt"), "whole");
        Assert.Equal("whole", File.ReadAllText(_dir.File("flushed.txt")));
        Assert.Empty(Directory.GetFiles(_dir.Path, "*" + AtomicFile.TempMarker + "*"));
    }

    [Fact]
    public void RunFilesThatAreSymlinksAreReplacedNotFollowed()
    {
        string run = _dir.File("run");
        Assert.Equal(0, Train(run, 1).Code);
        var victims = new Dictionary<string, string>();
        foreach (var name in RunDirectory.RunFiles)
        {
            // The checkpoint's link points at the real checkpoint, which the resume reads through the link (reading
            // is harmless); every other link points at a file the run must not touch.
            string victim = _dir.File("victim-" + name);
            if (name == "checkpoint.safetensors") File.Move(Path.Combine(run, name), victim);
            else File.WriteAllText(victim, "precious " + name);
            File.Delete(Path.Combine(run, name));
            File.CreateSymbolicLink(Path.Combine(run, name), victim);
            victims[name] = victim;
        }
        byte[] checkpoint = File.ReadAllBytes(victims["checkpoint.safetensors"]);

        var (code, _, error) = Train(run, 2, "--resume");

        Assert.True(code == 0, error);
        foreach (var (name, victim) in victims)
        {
            Assert.Null(new FileInfo(Path.Combine(run, name)).LinkTarget);
            if (name == "checkpoint.safetensors") Assert.Equal(checkpoint, File.ReadAllBytes(victim));
            else Assert.Equal("precious " + name, File.ReadAllText(victim));
        }
        Assert.Equal([1, 2], Metrics(run).Select(m => m.Epoch));
    }

    [Fact]
    public void ALockedRunDirectoryRefusesASecondRunAndAStaleLockDoesNot()
    {
        string run = _dir.File("run");
        Directory.CreateDirectory(run);
        using (new FileStream(Path.Combine(run, RunDirectory.LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            AssertUsage("another 'nabla train' is running with --out", Train(run, 1));
            Assert.False(File.Exists(Path.Combine(run, "metrics.jsonl")));
        }
        // The lock file is still there, as a killed run leaves it; nobody holds it, so the next run goes ahead.
        Assert.True(File.Exists(Path.Combine(run, RunDirectory.LockName)));
        var (code, _, error) = Train(run, 1);
        Assert.True(code == 0, error);
    }

    [Fact]
    public void OrphanedTemporaryFilesAreRemovedAtStart()
    {
        string run = _dir.File("run");
        Assert.Equal(0, Train(run, 1).Code);
        string[] orphans = ["checkpoint.safetensors.tmp-0123456789abcdef", "metrics.jsonl.tmp-fedcba9876543210", "loss.svg.tmp-00"];
        foreach (var orphan in orphans) File.WriteAllText(Path.Combine(run, orphan), "half");
        string keep = Path.Combine(run, "notes.txt");
        File.WriteAllText(keep, "mine");

        Assert.Equal(0, Train(run, 2, "--resume").Code);

        Assert.All(orphans, o => Assert.False(File.Exists(Path.Combine(run, o)), o));
        Assert.Equal("mine", File.ReadAllText(keep));
        Assert.Empty(Directory.GetFiles(run, "*.tmp-*"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ResumeRewritesTheMetricsToTheCheckpointsEpochs(int linesLeft)
    {
        // A kill between the checkpoint of epoch 2 and its metrics line leaves 1 line; one from before that order was
        // fixed left 3. Either way the resumed run's metrics are the uninterrupted run's, each epoch once.
        string run = _dir.File("run");
        Assert.Equal(0, Train(run, 2).Code);
        string metrics = Path.Combine(run, "metrics.jsonl");
        var lines = File.ReadAllLines(metrics).ToList();
        if (linesLeft < lines.Count) lines = lines[..linesLeft];
        else lines.Add(lines[^1].Replace("\"epoch\":2", "\"epoch\":3", StringComparison.Ordinal));
        File.WriteAllText(metrics, string.Concat(lines.Select(l => l + "\n")));

        var (code, _, error) = Train(run, 4, "--resume");

        Assert.True(code == 0, error);
        string whole = _dir.File("whole");
        Assert.Equal(0, Train(whole, 4).Code);
        Assert.Equal([1, 2, 3, 4], Metrics(run).Select(m => m.Epoch));
        Assert.Equal(Metrics(whole), Metrics(run));
    }

    [Fact]
    public void ResumeThatTrainsNothingStillRepairsTheMetrics()
    {
        string run = _dir.File("run");
        Assert.Equal(0, Train(run, 2).Code);
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), "");
        var (code, output, error) = Train(run, 2, "--resume");
        Assert.True(code == 0, error);
        Assert.Contains("already trained 2 of 2", output, StringComparison.Ordinal);
        Assert.Equal([1, 2], Metrics(run).Select(m => m.Epoch));
    }

    [Fact]
    public void ANewRunRefusesADirectoryWithARunUnlessForced()
    {
        string run = _dir.File("run");
        Assert.Equal(0, Train(run, 2).Code);
        AssertUsage("already holds a run", Train(run, 1));
        Assert.Equal(2, Metrics(run).Count);

        var (code, _, error) = Train(run, 1, "--force");
        Assert.True(code == 0, error);
        Assert.Single(Metrics(run));
        AssertUsage("pass one of them", Train(run, 1, "--force", "--resume"));
        AssertUsage("pass one of them", Train(run, 1, "--overwrite", "--resume"));
    }

    [Fact]
    public void OverwriteReplacesARunAndAnOlderRunsFilesCountAsARun()
    {
        string run = _dir.File("run");
        Assert.Equal(0, Train(run, 2).Code);
        AssertUsage("pass --overwrite to replace it", Train(run, 1));

        var (code, _, error) = Train(run, 1, "--overwrite");
        Assert.True(code == 0, error);
        Assert.Single(Metrics(run));

        // A directory an older nabla wrote holds loss.svg; it is a run, and replacing it removes the old chart.
        string older = _dir.File("older");
        Directory.CreateDirectory(older);
        File.WriteAllText(Path.Combine(older, "loss.svg"), "<svg/>");
        AssertUsage("already holds a run (loss.svg)", Train(older, 1));
        (code, _, error) = Train(older, 1, "--overwrite");
        Assert.True(code == 0, error);
        Assert.False(File.Exists(Path.Combine(older, "loss.svg")));
    }

    [Theory]
    [InlineData("--seed", "--seed", "5")]
    [InlineData("--data", "--data", "circles")]
    [InlineData("--optimizer", "--optimizer", "sgd")]
    [InlineData("--batch-size", "--batch-size", "16")]
    [InlineData("learning rate is part of the optimizer", "--lr", "0.1")]
    public void ResumeRefusesSettingsThatContradictTheCheckpoint(string message, params string[] changed)
    {
        string run = _dir.File("run");
        Assert.Equal(0, Train(run, 1).Code);
        string[] seed = changed[0] == "--seed" ? [] : ["--seed", "4"];
        var result = Run(["train", "--epochs", "2", "--out", run, "--resume", .. seed, .. changed]);
        AssertUsage(message, result);
        Assert.Contains("contradicts the checkpoint's", result.Error, StringComparison.Ordinal);
        Assert.Single(Metrics(run));
    }

    [Fact]
    public void ResumeExtendsEpochsWithoutAScheduleAndRefusesToStretchACosineOne()
    {
        string run = _dir.File("run");
        Assert.Equal(0, Train(run, 1, "--lr-schedule", "cosine").Code);
        AssertUsage("cosine schedule anneals", Train(run, 2, "--lr-schedule", "cosine", "--resume"));
        var (code, _, error) = Train(run, 1, "--lr-schedule", "cosine", "--resume");
        Assert.True(code == 0, error);

        string plain = _dir.File("plain");
        Assert.Equal(0, Train(plain, 1).Code);
        (code, _, error) = Train(plain, 3, "--resume");
        Assert.True(code == 0, error);
        Assert.Equal([1, 2, 3], Metrics(plain).Select(m => m.Epoch));
    }

    [Theory]
    [InlineData("csv:/dev/zero")]
    [InlineData("mnist:/dev")]
    [InlineData("fashion-mnist:/dev")]
    [InlineData("text:/dev/zero")]
    [InlineData("csv:SECRET")]
    public void AModelFileNeverChoosesTheFileEvalOrPredictReads(string recorded)
    {
        string secret = _dir.File("secret.csv");
        File.WriteAllText(secret, "TOPSECRET,x\n1,0\n");
        string run = _dir.File("run");
        Assert.Equal(0, Train(run, 1).Code);
        var model = SafeTensors.Load(Path.Combine(run, "model.safetensors"));
        var metadata = new Dictionary<string, string>(model.Metadata) { ["nabla.data"] = recorded.Replace("SECRET", secret, StringComparison.Ordinal) };
        string crafted = _dir.File("crafted.safetensors");
        SafeTensors.Save(crafted, model.Tensors, metadata);

        foreach (var result in new[] { Run("eval", "--model-file", crafted), Run("predict", "--model-file", crafted, "--input", "0.5,-0.2") })
        {
            AssertUsage("a model file never chooses a file to read, so pass --data", result);
            Assert.DoesNotContain("TOPSECRET", result.Error, StringComparison.Ordinal);
        }

        // Named on the command line, the same data is read.
        var (code, output, error) = Run("eval", "--model-file", crafted, "--data", "moons");
        Assert.True(code == 0, error);
        Assert.Contains("200 test examples", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ARecordedPathIsQuotedEscapedAndCutShort()
    {
        string run = _dir.File("run");
        Assert.Equal(0, Train(run, 1).Code);
        var model = SafeTensors.Load(Path.Combine(run, "model.safetensors"));
        string hostile = "csv:/tmp/\u001b[2J" + new string('a', 500);
        var metadata = new Dictionary<string, string>(model.Metadata) { ["nabla.data"] = hostile };
        string crafted = _dir.File("crafted.safetensors");
        SafeTensors.Save(crafted, model.Tensors, metadata);

        var result = Run("eval", "--model-file", crafted);

        AssertUsage("pass --data", result);
        Assert.DoesNotContain("\u001b", result.Error, StringComparison.Ordinal);
        Assert.Contains("\\u001b[2J", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('a', 100), result.Error, StringComparison.Ordinal);
    }
}
