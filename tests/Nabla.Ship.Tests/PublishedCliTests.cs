using System.Globalization;
using System.Text;

namespace Nabla.Ship.Tests;

/// <summary>
/// The trimmed, self-contained <c>nabla</c>, published as the README says, publishes without a warning and runs every
/// command a user starts with: it trains, resumes from its checkpoint, evaluates, draws a step's graph, exports ONNX, and
/// refuses a batch that cannot fit in the memory the runtime is given.
/// </summary>
[Collection(ShipCollection.Name)]
public sealed class PublishedCliTests(ShipBuild build) : IDisposable
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromMinutes(2);

    private readonly string _work = Directory.CreateTempSubdirectory("nabla-cli-").FullName;

    private ProcessResult Nabla(params string[] args) => Nabla(null, args);

    private ProcessResult Nabla(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        Assert.True(build.Publish.Code == 0, build.Publish.ToString());
        return Processes.Run(build.Nabla, args, _work, CommandLimit, environment);
    }

    private string File(string name) => Path.Combine(_work, name);

    [Fact]
    public void PublishesTrimmedWithoutWarnings()
    {
        Assert.True(build.Publish.Code == 0, build.Publish.ToString());
        Assert.Contains("0 Warning(s)", build.Publish.Output, StringComparison.Ordinal);
        Assert.Contains("0 Error(s)", build.Publish.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(": warning ", build.Publish.Output, StringComparison.Ordinal);
        Assert.True(System.IO.File.Exists(build.Nabla), $"no executable at {build.Nabla}");
        // Trimmed: the framework's assemblies that nabla never calls are not there.
        Assert.False(System.IO.File.Exists(Path.Combine(build.Published, "System.Xml.Linq.dll")));
        long bytes = Directory.EnumerateFiles(build.Published, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.InRange(bytes, 10L << 20, 60L << 20);
    }

    [Fact]
    public void TrainsResumesEvaluatesDrawsAndExports()
    {
        var train = Nabla("train", "--epochs", "2", "--seed", "3", "--out", "run");
        Assert.True(train.Code == 0, train.ToString());
        Assert.StartsWith("train: moons (800 train / 200 test), mlp 2-16-16-1", train.Output, StringComparison.Ordinal);
        Assert.Contains("epoch 2/2  train_loss ", train.Output, StringComparison.Ordinal);
        Assert.Contains("test accuracy ", train.Output, StringComparison.Ordinal);
        foreach (var name in new[] { "config.json", "metrics.jsonl", "model.safetensors", "checkpoint.safetensors", "curves.svg", "report.html", "graph.dot" })
            Assert.True(System.IO.File.Exists(File(Path.Combine("run", name))), $"run/{name} is missing:\n{train}");
        Assert.Equal(2, System.IO.File.ReadAllLines(File("run/metrics.jsonl")).Length);

        var resume = Nabla("train", "--epochs", "4", "--seed", "3", "--out", "run", "--resume");
        Assert.True(resume.Code == 0, resume.ToString());
        Assert.Contains("resuming after epoch 2", resume.Output, StringComparison.Ordinal);
        Assert.Contains("epoch 3/4  train_loss ", resume.Output, StringComparison.Ordinal);
        Assert.Contains("epoch 4/4  train_loss ", resume.Output, StringComparison.Ordinal);
        Assert.Equal(4, System.IO.File.ReadAllLines(File("run/metrics.jsonl")).Length);
        double accuracy = double.Parse(resume.Output.Split('\n').Single(l => l.StartsWith("test accuracy ", StringComparison.Ordinal)).Split(' ')[2], CultureInfo.InvariantCulture);
        Assert.True(accuracy > 0.8, resume.ToString());

        var eval = Nabla("eval", "--model-file", "run/model.safetensors");
        Assert.True(eval.Code == 0, eval.ToString());
        Assert.Contains($"moons: 200 test examples  accuracy {accuracy.ToString("F4", CultureInfo.InvariantCulture)}", eval.Output, StringComparison.Ordinal);
        Assert.Contains("confusion matrix", eval.Output, StringComparison.Ordinal);

        var dot = Nabla("graph", "--format", "dot", "--out", "step.dot");
        Assert.True(dot.Code == 0, dot.ToString());
        Assert.StartsWith("digraph", System.IO.File.ReadAllText(File("step.dot")), StringComparison.Ordinal);
        // SVG is Graphviz's drawing of the DOT: written where dot is installed, and one line saying so where it is not.
        var svg = Nabla("graph", "--format", "svg", "--out", "step.svg");
        if (OnPath("dot"))
        {
            Assert.True(svg.Code == 0, svg.ToString());
            string text = System.IO.File.ReadAllText(File("step.svg"));
            Assert.Contains("<svg", text, StringComparison.Ordinal);
            Assert.Contains("Linear", text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(2, svg.Code);
            Assert.Contains("Graphviz's 'dot' was not found", svg.Error, StringComparison.Ordinal);
        }

        var export = Nabla("export", "--model-file", "run/model.safetensors", "--format", "onnx", "--out", "moons.onnx");
        Assert.True(export.Code == 0, export.ToString());
        Assert.StartsWith("wrote moons.onnx: ONNX opset 17", export.Output, StringComparison.Ordinal);
        byte[] onnx = System.IO.File.ReadAllBytes(File("moons.onnx"));
        // A ModelProto starts with its ir_version (field 1, a varint) and names its graph's tensors.
        Assert.Equal(0x08, onnx[0]);
        string strings = Encoding.ASCII.GetString(onnx);
        Assert.Contains("0.weight", strings, StringComparison.Ordinal);
        Assert.Contains("Gemm", strings, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesABatchThatCannotFitBeforeTraining()
    {
        var text = new StringBuilder();
        for (int i = 0; i < 400; i++) text.Append(CultureInfo.InvariantCulture, $"line {i} of a text that a character model reads, window by window.\n");
        System.IO.File.WriteAllText(File("text.txt"), text.ToString());
        // A heap of 128 MiB, as a container's memory limit would give.
        var limited = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x8000000" };
        var refused = Nabla(limited, "train", "--data", "text:text.txt", "--model", "transformer", "--batch-size", "100000", "--epochs", "1", "--out", "big");
        Assert.True(refused.Code == 4, refused.ToString());
        Assert.Equal("", refused.Output);
        string line = Assert.Single(refused.Error.Trim().Split('\n'));
        Assert.StartsWith("nabla train: a batch of ", line, StringComparison.Ordinal);
        Assert.Matches(@" is available; try --batch-size \d+ or less\.$", line);
        Assert.False(System.IO.File.Exists(File("big/checkpoint.safetensors")));
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => System.IO.File.Exists(Path.Combine(dir, program)));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is the system's to clean.
        }
    }
}
