using System.Globalization;
using System.Text.Json;
using Nabla.Cli;
using Nabla.IO;
using Nabla.Tests.Data;
using static Nabla.Tests.Training.CliRun;

namespace Nabla.Tests.Training;

[Collection(GlobalStateCollection.Name)]
public class CliTests
{
    private static double TestAccuracy(string output)
    {
        var line = output.Split('\n').Single(l => l.StartsWith("test accuracy ", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
    }

    /// <summary>Rows of three well-separated named classes along x: ant near 0, bee near 10, cat near 20.</summary>
    private static string NamedClassTable(params string[] classes)
    {
        var sb = new System.Text.StringBuilder("x,y,kind\n");
        var centres = new Dictionary<string, int> { ["ant"] = 0, ["bee"] = 10, ["cat"] = 20, ["dog"] = 30 };
        foreach (var name in classes)
        {
            for (int i = 0; i < 20; i++)
                sb.Append(CultureInfo.InvariantCulture, $"{centres[name] + ((i % 5) * 0.2)},{i % 3},{name}\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void EvaluationMapsClassesByTheNamesTheModelWasTrainedWith()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("train.csv"), NamedClassTable("ant", "bee", "cat"));
        var (code, output, error) = Run("train", "--data", "csv:" + dir.File("train.csv"), "--epochs", "60", "--out", dir.File("run"));
        Assert.True(code == 0, output + error);
        Assert.Equal("[\"ant\",\"bee\",\"cat\"]", SafeTensors.Load(dir.File("run/model.safetensors")).Metadata[CliOptions.ClassesKey]);

        // A file of cats alone numbers them 0 by itself; scored by name they are class 2 of the model.
        File.WriteAllText(dir.File("cats.csv"), NamedClassTable("cat"));
        (code, output, error) = Run("eval", "--model-file", dir.File("run/model.safetensors"), "--data", "csv:" + dir.File("cats.csv"));
        Assert.True(code == 0, output + error);
        var accuracy = double.Parse(System.Text.RegularExpressions.Regex.Match(output, @"accuracy (\S+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(accuracy > 0.9, output);
        Assert.Contains("cat", output, StringComparison.Ordinal);

        File.WriteAllText(dir.File("dogs.csv"), NamedClassTable("cat", "dog"));
        (code, _, error) = Run("eval", "--model-file", dir.File("run/model.safetensors"), "--data", "csv:" + dir.File("dogs.csv"));
        Assert.Equal(NablaCli.UsageError, code);
        Assert.Contains("the class 'dog' is not one of the 3 classes the model was trained with", error, StringComparison.Ordinal);
    }

    [Fact]
    public void EnvShowsTheMachineThreadsAndGemmChoices()
    {
        var (code, output, error) = Run("env");
        Assert.True(code == 0, output + error);
        Assert.Equal("", error);
        foreach (var line in new[] { "cpu: ", "instruction sets: ", "caches (", "gemm tile: ", "gemm float blocks: Kc ", "gemm double blocks: Kc " })
            Assert.Contains("\n" + line, output, StringComparison.Ordinal);

        var blocks = Nabla.Kernels.GemmConfiguration.Current.Float;
        Assert.Contains($"gemm float blocks: Kc {blocks.Kc} (", output, StringComparison.Ordinal);
        Assert.Contains($"\nthreads: {Nabla.Kernels.Parallelism.NumThreads} (", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "train", "--epoch", "3" }, "Did you mean '--epochs'?", "nabla train --help")]
    [InlineData(new[] { "train", "--lr-schedul", "cosine" }, "Did you mean '--lr-schedule'?", "nabla train --help")]
    [InlineData(new[] { "trian" }, "Did you mean 'train'?", "nabla --help")]
    [InlineData(new[] { "eval", "--modle-file", "x" }, "Did you mean '--model-file'?", "nabla eval --help")]
    public void UnknownOptionsSuggestTheNearestOne(string[] args, string suggestion, string help)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(NablaCli.UsageError, code);
        Assert.Contains(suggestion, error, StringComparison.Ordinal);
        Assert.Contains($"(see '{help}')", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("train")]
    [InlineData("eval")]
    [InlineData("predict")]
    [InlineData("explain")]
    [InlineData("generate")]
    [InlineData("graph")]
    [InlineData("export")]
    [InlineData("gradcheck")]
    [InlineData("env")]
    public void EveryCommandsHelpHasExamplesAndSaysNabla(string command)
    {
        var (code, output, _) = Run(command, "--help");
        Assert.Equal(0, code);
        Assert.Contains("Examples:", output, StringComparison.Ordinal);
        Assert.Contains($"  nabla {command}", output, StringComparison.Ordinal);
        Assert.Contains($"nabla {command} [options]", output, StringComparison.Ordinal);
    }

    [Fact]
    public void AModelFileMeetingOtherDataSaysWhatItWasTrainedOn()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, Run("train", "--epochs", "1", "--out", dir.File("run")).Code);
        File.WriteAllLines(dir.File("three.csv"), Enumerable.Range(0, 20).Select(i => $"{i},{i * 0.5},{20 - i},{i % 2}"));
        var (code, _, error) = Run("eval", "--model-file", dir.File("run/model.safetensors"), "--data", "csv:" + dir.File("three.csv"));
        Assert.Equal(NablaCli.UsageError, code);
        Assert.Contains("it was trained as mlp on --data 'moons'", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void RunningOutOfMemoryIsOneLineThatSaysWhatToChange()
    {
        var error = new StringWriter();
#pragma warning disable CA2201 // The runtime's own exception is what the guard must recognise.
        Assert.Equal(NablaCli.InsufficientMemory, NablaCli.Guard("train", error, () => throw new OutOfMemoryException()));
#pragma warning restore CA2201
        var line = Assert.Single(error.ToString().Trim().Split('\n'));
        Assert.StartsWith("nabla train: out of memory (the process may use ", line, StringComparison.Ordinal);
        Assert.EndsWith("try a smaller --batch-size or a smaller model.", line, StringComparison.Ordinal);
    }

    [Fact]
    public void AWordFarFromEveryOptionGetsNoSuggestion()
    {
        var (code, _, error) = Run("train", "--zzzzzz", "1");
        Assert.Equal(NablaCli.UsageError, code);
        Assert.DoesNotContain("Did you mean", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainingThatDivergesStopsWithItsOwnExitCode()
    {
        var (code, _, error) = Run("train", "--optimizer", "sgd", "--lr", "1e6", "--epochs", "3");
        Assert.Equal(NablaCli.Diverged, code);
        Assert.StartsWith("nabla train: ", error, StringComparison.Ordinal);
        Assert.Contains("epoch 1, batch", error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void TrainWithoutArgumentsLearnsMoons()
    {
        var (code, output, error) = Run("train");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.StartsWith("train: moons (800 train / 200 test), mlp 2-16-16-1", output);
        Assert.Contains("epoch 40/40  train_loss ", output);
        Assert.True(TestAccuracy(output) >= 0.97, output);
        Assert.Contains("macro avg", output);
    }

    [Fact]
    public void TrainWritesTheRunFilesAndResumes()
    {
        using var dir = new TempDirectory();
        string run = Path.Combine(dir.Path, "run");
        var (code, output, error) = Run("train", "--epochs", "3", "--out", run, "--seed", "4");
        Assert.True(code == 0, error);
        foreach (var file in new[] { "config.json", "metrics.jsonl", "model.safetensors", "checkpoint.safetensors", "curves.svg", "confusion.svg", "report.html", "graph.dot" })
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} is missing; output:\n{output}");
        var lines = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(3, lines.Length);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            foreach (var key in new[] { "epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "seconds", "samples_per_second" })
                Assert.Equal(JsonValueKind.Number, json.RootElement.GetProperty(key).ValueKind);
        }
        var model = SafeTensors.Load(Path.Combine(run, "model.safetensors"));
        Assert.Equal("mlp", model.Metadata["nabla.model"]);
        Assert.Equal([16, 2], model.Tensors["0.weight"].Shape);
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(run, "curves.svg")));
        Assert.False(File.Exists(Path.Combine(run, "loss.svg")));
        Assert.StartsWith("digraph", File.ReadAllText(Path.Combine(run, "graph.dot")));

        // Two more epochs from the checkpoint give the same epochs as one run of five.
        (code, output, error) = Run("train", "--epochs", "5", "--out", run, "--seed", "4", "--resume");
        Assert.True(code == 0, error);
        Assert.Contains("resuming after epoch 3", output);
        string whole = Path.Combine(dir.Path, "whole");
        Assert.Equal(0, Run("train", "--epochs", "5", "--out", whole, "--seed", "4").Code);
        Assert.Equal(Losses(whole), Losses(run));

        (code, output, _) = Run("eval", "--model-file", Path.Combine(run, "model.safetensors"));
        Assert.Equal(0, code);
        Assert.Contains("200 test examples", output);
        Assert.Contains("confusion matrix", output);

        (code, output, _) = Run("predict", "--model-file", Path.Combine(run, "model.safetensors"), "--input", "0.5,-0.2");
        Assert.Equal(0, code);
        var probabilities = output.Split('\n').Take(2).Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(1.0, probabilities.Sum(), 3);
        Assert.Contains("predicted: ", output);

        static List<(double, double)> Losses(string dir) => [.. File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Select(l =>
        {
            using var json = JsonDocument.Parse(l);
            return (json.RootElement.GetProperty("train_loss").GetDouble(), json.RootElement.GetProperty("test_loss").GetDouble());
        })];
    }

    [Theory]
    [InlineData("nadam")]
    [InlineData("adadelta")]
    public void EveryOptimizerResumesExactly(string optimizer)
    {
        using var dir = new TempDirectory();
        string run = Path.Combine(dir.Path, "run"), whole = Path.Combine(dir.Path, "whole");
        string lr = optimizer == "adadelta" ? "1" : "0.01";
        Assert.Equal(0, Run("train", "--epochs", "2", "--out", run, "--seed", "5", "--optimizer", optimizer, "--lr", lr).Code);
        var (code, output, error) = Run("train", "--epochs", "4", "--out", run, "--seed", "5", "--optimizer", optimizer, "--lr", lr, "--resume");
        Assert.True(code == 0, error);
        Assert.Contains("resuming after epoch 2", output);
        Assert.Equal(0, Run("train", "--epochs", "4", "--out", whole, "--seed", "5", "--optimizer", optimizer, "--lr", lr).Code);
        Assert.Equal(File.ReadAllLines(Path.Combine(whole, "metrics.jsonl")).Select(WithoutTime), File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(WithoutTime));

        static string WithoutTime(string line)
        {
            using var json = JsonDocument.Parse(line);
            return string.Join(",", json.RootElement.EnumerateObject().Where(p => p.Name is "train_loss" or "test_loss" or "test_accuracy").Select(p => p.Value.GetRawText()));
        }
    }

    [Theory]
    [InlineData("unknown data 'foo'", "train", "--data", "foo")]
    [InlineData("'bar' not recognized", "train", "--model", "bar")]
    [InlineData("needs 28×28 images", "train", "--model", "cnn")]
    [InlineData("--epochs must be at least 1", "train", "--epochs", "0")]
    [InlineData("as expected type an integer", "train", "--epochs", "many")]
    [InlineData("--resume continues the run in --out", "train", "--resume")]
    [InlineData("Csv.Load: the file", "train", "--data", "csv:/no/such/file.csv")]
    [InlineData("does not exist", "eval", "--model-file", "/no/such/model.safetensors")]
    [InlineData("--model-file", "predict", "--input", "1,2")]
    [InlineData("Required command was not provided")]
    [InlineData("'fly'", "fly")]
    public void BadInputIsOneLineAndExitCode2(string message, params string[] args)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void GradCheckPassesForTheMlp()
    {
        var (code, output, error) = Run("gradcheck");
        Assert.True(code == 0, output + error);
        Assert.Contains("all gradients PASS", output);
        Assert.Equal(6, output.Split('\n').Count(l => l.EndsWith("PASS", StringComparison.Ordinal) && !l.StartsWith("all", StringComparison.Ordinal)));
        Assert.DoesNotContain("FAIL", output);
    }

    [Fact]
    public void GraphPrintsMermaid()
    {
        var (code, output, error) = Run("graph", "--format", "mermaid");
        Assert.True(code == 0, error);
        Assert.StartsWith("graph TD\n", output);
        Assert.Contains("Linear", output);
        Assert.Contains("0.weight", output);
        Assert.Contains(":::output", output);
    }

    [Fact]
    public void GraphDrawsTheTrainingBatchGroupedByModule()
    {
        var (code, output, error) = Run("graph");
        Assert.True(code == 0, error);
        Assert.Contains("label=\"input\\n[32, 2]\"", output);
        Assert.Contains("label=\"0 Linear(in_features=2, out_features=16, bias=True)\";", output);
        Assert.Contains("subgraph cluster_", output);
        Assert.DoesNotContain("style=dashed", output);

        (code, output, error) = Run("graph", "--view", "collapsed", "--batch-size", "7", "--backward");
        Assert.True(code == 0, error);
        Assert.Contains("label=\"0\\nLinear(in_features=2, out_features=16, bias=True)\"", output);
        Assert.Contains("[label=\"[7, 16]\"]", output);
        Assert.Contains("style=dashed, color=\"#c00000\", fontcolor=\"#c00000\", constraint=false, label=\"[7, 16]\"", output);
        Assert.DoesNotContain("Linear\\n", output);

        (code, _, error) = Run("graph", "--view", "flat");
        Assert.NotEqual(0, code);
        Assert.Contains("flat", error);
    }
}
