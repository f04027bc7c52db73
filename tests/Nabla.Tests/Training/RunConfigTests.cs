using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Nabla.Cli;
using Nabla.Tests.Data;
using Nabla.Training;
using Nabla.Viz;
using static Nabla.Tests.Training.CliRun;

namespace Nabla.Tests.Training;

/// <summary>The config.json, curves.svg, confusion.svg and report.html of <c>nabla train --out</c>, and <c>nabla train --config</c>.</summary>
[Collection(GlobalStateCollection.Name)]
public sealed class RunConfigTests : IDisposable
{
    private static readonly XNamespace SvgNs = "http://www.w3.org/2000/svg";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static void AssertOk((int Code, string Output, string Error) result) =>
        Assert.True(result.Code == 0, $"exit code {result.Code}; output:\n{result.Output}\nerror:\n{result.Error}");

    private static void AssertUsage(string message, (int Code, string Output, string Error) result)
    {
        Assert.True(result.Code == NablaCli.UsageError, $"exit code {result.Code}; output:\n{result.Output}\nerror:\n{result.Error}");
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>metrics.jsonl without the timings, which differ from run to run.</summary>
    private static List<string> MetricsWithoutTimes(string run) =>
        [.. File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            Assert.True(json.RootElement.GetProperty("samples_per_second").GetDouble() > 0, line);
            return string.Join(",", json.RootElement.EnumerateObject().Where(p => p.Name is not ("seconds" or "samples_per_second")).Select(p => p.Name + "=" + p.Value.GetRawText()));
        })];

    private static JsonElement Config(string run)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
        return json.RootElement.Clone();
    }

    [Fact]
    public void TheConfigRecordsEverySettingAndRepeatsTheRun()
    {
        string a = _dir.File("a"), b = _dir.File("b");
        AssertOk(Run("train", "--epochs", "3", "--seed", "4", "--lr", "0.02", "--weight-decay", "0.001", "--out", a));
        var config = Config(a);
        Assert.Equal(
            ["data", "model", "epochs", "batch_size", "lr", "optimizer", "weight_decay", "lr_schedule", "augment", "sequence_length", "clip_grad_norm", "seed", "threads", "early_stopping", "distributed"],
            config.EnumerateObject().Select(p => p.Name));
        Assert.Equal("moons", config.GetProperty("data").GetString());
        Assert.Equal(3, config.GetProperty("epochs").GetInt32());
        Assert.Equal(32, config.GetProperty("batch_size").GetInt32());
        Assert.Equal(0.02, config.GetProperty("lr").GetDouble());
        Assert.Equal(0.001, config.GetProperty("weight_decay").GetDouble());
        Assert.Equal("none", config.GetProperty("lr_schedule").GetString());
        Assert.Equal(4UL, config.GetProperty("seed").GetUInt64());
        Assert.Equal(JsonValueKind.Null, config.GetProperty("clip_grad_norm").ValueKind);
        Assert.Equal(JsonValueKind.False, config.GetProperty("distributed").ValueKind);

        AssertOk(Run("train", "--config", Path.Combine(a, "config.json"), "--out", b));

        Assert.Equal(File.ReadAllText(Path.Combine(a, "config.json")), File.ReadAllText(Path.Combine(b, "config.json")));
        Assert.Equal(MetricsWithoutTimes(a), MetricsWithoutTimes(b));
        Assert.Equal(3, MetricsWithoutTimes(b).Count);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "model.safetensors")), File.ReadAllBytes(Path.Combine(b, "model.safetensors")));
    }

    [Fact]
    public void OptionsOnTheCommandLineOverrideTheConfig()
    {
        string a = _dir.File("a"), b = _dir.File("b");
        AssertOk(Run("train", "--epochs", "2", "--seed", "4", "--optimizer", "sgd", "--out", a));
        AssertOk(Run("train", "--config", Path.Combine(a, "config.json"), "--epochs", "3", "--optimizer", "adam", "--out", b));

        var config = Config(b);
        Assert.Equal(3, config.GetProperty("epochs").GetInt32());
        Assert.Equal("adam", config.GetProperty("optimizer").GetString());
        Assert.Equal(4UL, config.GetProperty("seed").GetUInt64());
        Assert.Equal(3, MetricsWithoutTimes(b).Count);

        // A config without --out trains and writes nothing: the file never says where to write.
        var (code, output, error) = Run("train", "--config", Path.Combine(a, "config.json"));
        Assert.True(code == 0, error);
        Assert.DoesNotContain("wrote", output, StringComparison.Ordinal);
        Assert.Equal(["a", "b"], Directory.GetDirectories(_dir.Path).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("{\"epochs\": 2, \"colour\": \"red\"}", "the unknown key 'colour'")]
    [InlineData("{\"out\": \"/tmp/elsewhere\"}", "the unknown key 'out'")]
    [InlineData("{\"epochs\": \"two\"}", "the key 'epochs' must be a whole number, not a string")]
    [InlineData("{\"epochs\": 1.5}", "the key 'epochs' must be a whole number")]
    [InlineData("{\"seed\": -1}", "the key 'seed' must be a whole number from 0")]
    [InlineData("{\"lr\": null}", "the key 'lr' must be a number, not null")]
    [InlineData("{\"distributed\": 1}", "the key 'distributed' must be true or false, not a number")]
    [InlineData("{\"optimizer\": \"lbfgs\"}", "the key 'optimizer' is 'lbfgs', not one of sgd, adam")]
    [InlineData("{\"model\": \"resnet\"}", "the key 'model' is 'resnet', not one of mlp")]
    [InlineData("{\"epochs\": 2, \"epochs\": 3}", "the key 'epochs' twice")]
    [InlineData("[1, 2]", "is not a JSON object of settings")]
    [InlineData("{\"epochs\": 2", "is not valid JSON")]
    [InlineData("{\"data\": \"csv:/etc/passwd\"}", "a config file never chooses a file to read, so pass --data")]
    [InlineData("{\"data\": \"text:/dev/zero\"}", "a config file never chooses a file to read, so pass --data")]
    public void AMalformedConfigIsRefusedNamingTheFileAndTheKey(string json, string message)
    {
        string path = _dir.File("config.json");
        File.WriteAllText(path, json);
        string run = _dir.File("run");

        var result = Run("train", "--config", path, "--out", run);

        AssertUsage(message, result);
        Assert.Contains(path, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(run, "metrics.jsonl")));
    }

    [Fact]
    public void AConfigThatNamesAPathIsReadWithTheDataGivenAndAMissingConfigIsRefused()
    {
        string path = _dir.File("config.json");
        File.WriteAllText(path, "{\"data\": \"csv:/etc/passwd\", \"epochs\": 1, \"clip_grad_norm\": null}");
        var (code, output, error) = Run("train", "--config", path, "--data", "circles");
        Assert.True(code == 0, error);
        Assert.StartsWith("train: circles (800 train / 200 test)", output, StringComparison.Ordinal);
        Assert.Contains(", 1 epochs", output, StringComparison.Ordinal);

        AssertUsage("does not exist", Run("train", "--config", _dir.File("missing.json")));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void CurvesHaveADotPerEpochAndTheConfusionMatrixACellPerPair(int epochs)
    {
        string run = _dir.File("run");
        AssertOk(Run("train", "--epochs", $"{epochs}", "--out", run));

        var curves = XDocument.Load(Path.Combine(run, "curves.svg"));
        foreach (var group in new[] { "loss-train", "loss-test", "accuracy-train", "accuracy-test" })
        {
            var g = curves.Descendants(SvgNs + "g").Single(e => (string?)e.Attribute("id") == group);
            Assert.Equal(epochs, g.Elements(SvgNs + "circle").Count());
        }

        var confusion = XDocument.Load(Path.Combine(run, "confusion.svg"));
        var cells = confusion.Descendants(SvgNs + "g").Single(e => (string?)e.Attribute("id") == "cells").Elements(SvgNs + "rect").ToList();
        Assert.Equal(4, cells.Count);
        var counts = confusion.Descendants(SvgNs + "g").Single(e => (string?)e.Attribute("id") == "counts").Elements(SvgNs + "text")
            .Select(t => long.Parse(t.Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(4, counts.Count);
        Assert.Equal(200, counts.Sum());
    }

    [Fact]
    public void TheConfusionMatrixNamesTheClasses()
    {
        var table = new System.Text.StringBuilder("x,kind\n");
        foreach (var (name, centre) in new[] { ("ant", 0), ("bee & <wasp>", 10), ("cat", 20) })
            for (int i = 0; i < 20; i++) table.Append(CultureInfo.InvariantCulture, $"{centre + (i % 5) * 0.2},{name}\n");
        File.WriteAllText(_dir.File("t.csv"), table.ToString());
        string run = _dir.File("run");
        AssertOk(Run("train", "--data", "csv:" + _dir.File("t.csv"), "--epochs", "2", "--out", run));

        var confusion = XDocument.Load(Path.Combine(run, "confusion.svg"));
        Assert.Equal(9, confusion.Descendants(SvgNs + "g").Single(e => (string?)e.Attribute("id") == "cells").Elements(SvgNs + "rect").Count());
        var labels = confusion.Descendants(SvgNs + "text").Select(t => t.Value).ToList();
        Assert.Equal(2, labels.Count(l => l == "bee & <wasp>"));
        Assert.Equal(2, labels.Count(l => l == "ant"));
        Assert.Contains("bee &amp; &lt;wasp&gt;", File.ReadAllText(Path.Combine(run, "report.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void TheReportIsOnePageThatRefersToNothingOutside()
    {
        string run = _dir.File("run");
        AssertOk(Run("train", "--epochs", "2", "--seed", "3", "--out", run));
        string html = File.ReadAllText(Path.Combine(run, "report.html"));

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http", html, StringComparison.OrdinalIgnoreCase);
        foreach (var outside in new[] { "<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import" })
            Assert.DoesNotContain(outside, html, StringComparison.OrdinalIgnoreCase);
        // The curves, the confusion matrix and, where Graphviz is installed, the graph.
        bool graphviz = Graphviz.FindDot() is not null;
        Assert.Equal(graphviz ? 3 : 2, html.Split("<svg ").Length - 1);
        Assert.Contains(graphviz ? "class=\"graph\"" : "dot -Tsvg graph.dot -o graph.svg", html, StringComparison.Ordinal);
        Assert.Equal(graphviz, File.Exists(Path.Combine(run, "graph.svg")));
        Assert.Contains("id=\"loss-train\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"cells\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<?xml", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th>seed</th><td>3</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th>clip_grad_norm</th><td>none</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<th>test accuracy</th>", html, StringComparison.Ordinal);
        Assert.Contains("<th>epoch 2: samples_per_second</th>", html, StringComparison.Ordinal);
        Assert.Contains("<th>macro avg</th>", html, StringComparison.Ordinal);
        Assert.EndsWith("</html>\n", html, StringComparison.Ordinal);
    }

    [Fact]
    public void TheReportShowsTheFirstMisclassifiedImagesAsEmbeddedPngs()
    {
        // Six 2×3 images; the model got examples 1, 2 and 4 wrong.
        var images = Tensor.Arange(36, DType.Float32).Reshape(6, 1, 2, 3);
        var predicted = Tensor.FromArray(new long[] { 0, 2, 0, 1, 1, 2 });
        var targets = Tensor.FromArray(new long[] { 0, 1, 1, 1, 0, 2 });
        var wrong = RunReport.FindMisclassified(images, predicted, targets, height: 2, width: 3);
        Assert.Equal([1, 2, 4], wrong.Select(m => m.Index));
        Assert.Equal([(1, 2), (1, 0), (0, 1)], wrong.Select(m => (m.TrueClass, m.PredictedClass)));
        Assert.Equal([6.0, 7, 8, 9, 10, 11], wrong[0].Pixels);

        var png = Nabla.IO.Png.Decode(Convert.FromBase64String(wrong[0].PngBase64()));
        Assert.Equal((3, 2), (png.Width, png.Height));
        Assert.Equal(0, png.Pixels[0]);
        Assert.Equal(255, png.Pixels[^1]);

        string html = RunReport.Html(new RunConfig { Data = "fashion-mnist", Model = "cnn" }, [], RunReport.Curves(new History()), null, null,
            ["T-shirt & top", "Trouser", "Pullover"], graphSvg: null, misclassified: wrong);
        Assert.Contains("Misclassified test images (the first 3)", html, StringComparison.Ordinal);
        Assert.Equal(3, html.Split("<img ").Length - 1);
        Assert.Equal(3, html.Split("src=\"data:image/png;base64,").Length - 1);
        Assert.Contains("#4<br>true T-shirt &amp; top<br>predicted Trouser", html, StringComparison.Ordinal);
        Assert.Contains("dot -Tsvg graph.dot -o graph.svg", html, StringComparison.Ordinal);
    }
}
