using System.Globalization;
using System.Xml.Linq;
using Nabla.Cli;
using Nabla.Data;
using Nabla.IO;
using Nabla.Optim;
using Nabla.Tests.Data;
using Nabla.Viz;
using static Nabla.Tests.Training.CliRun;

namespace Nabla.Tests.Training;

[Collection(GlobalStateCollection.Name)]
public class CliInspectTests
{
    /// <summary>The Fashion-MNIST MLP as 'nabla train' would write it, trained for a few steps on the first 4000 images when <paramref name="train"/>.</summary>
    private static string FashionModel(TempDirectory dir, bool train)
    {
        var source = DataSource.Parse("fashion-mnist");
        var model = ModelZoo.Build("mlp", source, DType.Float32, new Generator(0), new Generator(0));
        if (train)
        {
            var (images, labels) = FashionMnist.Load();
            var optimizer = new Adam(model.Parameters(), lr: 2e-3);
            for (int step = 0; step < 40; step++)
            {
                int start = step * 100 % 4000;
                optimizer.ZeroGrad();
                Nabla.NN.Functional.CrossEntropy(model.Forward(images.Narrow(0, start, 100)), labels.Narrow(0, start, 100)).Backward();
                optimizer.Step();
            }
        }
        string path = dir.File("fashion.safetensors");
        SafeTensors.Save(path, model.StateDict(), new Dictionary<string, string>
        {
            [CliOptions.ModelKey] = "mlp",
            [CliOptions.DataKey] = "fashion-mnist",
            [CliOptions.SeedKey] = "0",
        });
        return path;
    }

    private static string WithoutHeader(string output) => string.Join('\n', output.Split('\n').Where(l => !l.StartsWith("test example ", StringComparison.Ordinal)));

    [FashionMnistInstalledFact]
    public void PredictOnAPngOrAPgmOfATestImageMatchesPredictOnItsIndex()
    {
        using var dir = new TempDirectory();
        string model = FashionModel(dir, train: true);
        var (x, label) = ModelInputs.TestExample(DataSource.Parse("fashion-mnist"), 0, 7);
        Images.SaveImage(x[0], dir.File("seven.png"));
        var bytes = x.ToArray<float>().Select(v => (byte)MathF.Round(v * 255)).ToArray();
        Pgm.Write(dir.File("seven.pgm"), bytes, 28, 28);

        var byIndex = Run("predict", "--model-file", model, "--index", "7");
        Assert.True(byIndex.Code == 0, byIndex.Error);
        Assert.StartsWith($"test example 7 of fashion-mnist: true class {FashionMnist.Classes[(int)label]}\n", byIndex.Output);
        Assert.Equal(6, byIndex.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1);
        Assert.Matches(@"predicted: [A-Z]", byIndex.Output);
        foreach (var file in new[] { "seven.png", "seven.pgm" })
        {
            // The image reads back to the very floats of the test example, so the probabilities are the same to every digit.
            Assert.Equal(x.ToArray<float>(), ModelInputs.Image(dir.File(file), DataSource.Parse("fashion-mnist")).ToArray<float>());
            var byImage = Run("predict", "--model-file", model, "--image", dir.File(file), "--top", "5");
            Assert.True(byImage.Code == 0, byImage.Error);
            Assert.Equal(WithoutHeader(byIndex.Output), byImage.Output);
        }

        // A larger colour image is made gray and resized to 28×28 bilinearly.
        var big = Nabla.NN.Functional.Interpolate(x, [56, 56], mode: "nearest");
        Images.SaveImage(Tensor.Cat([big, big * 0.5, big], 1)[0], dir.File("big.png"));
        var resized = Run("predict", "--model-file", model, "--image", dir.File("big.png"), "--top", "2");
        Assert.True(resized.Code == 0, resized.Error);
        Assert.Equal(3, resized.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void PredictOnACsvGivesEachRowWhatIndexGives()
    {
        using var dir = new TempDirectory();
        var (code, output, error) = Run("train", "--epochs", "5", "--out", dir.File("run"));
        Assert.True(code == 0, output + error);
        string model = dir.File("run/model.safetensors");
        var moons = DataSource.Parse("moons");
        var rows = new List<string> { "x,y" };
        for (int i = 0; i < 4; i++)
        {
            var values = ModelInputs.TestExample(moons, 0, i).X.ToArray<float>();
            rows.Add(string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }
        File.WriteAllLines(dir.File("points.csv"), rows);
        (code, output, error) = Run("predict", "--model-file", model, "--csv", dir.File("points.csv"));
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        for (int i = 0; i < 4; i++)
        {
            var single = Run("predict", "--model-file", model, "--index", i.ToString(CultureInfo.InvariantCulture)).Output.Split('\n');
            // "1              0.9789" and "predicted: 1" become "line N: 1  (1 0.9789, 0 0.0211)".
            var top = single[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var second = single[2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal($"line {i + 2}: {top[0]}  ({top[0]} {top[1]}, {second[0]} {second[1]})", lines[i]);
        }
    }

    [FashionMnistInstalledFact]
    public void ExplainWritesAnSvgAndAPngHeatMapOfTheInputsSize()
    {
        using var dir = new TempDirectory();
        string model = FashionModel(dir, train: true);
        foreach (var (method, extra) in new[] { ("gradient", "--class"), ("smoothgrad", "--samples"), ("integrated", "--steps") })
        {
            string svgPath = dir.File(method + ".svg");
            var (code, output, error) = Run("explain", "--model-file", model, "--index", "3", "--method", method, extra, "4", "--out", svgPath);
            Assert.True(code == 0, error);
            Assert.Contains($"wrote {svgPath} and {Path.ChangeExtension(svgPath, ".png")} (28×28 heat map", output);
            Assert.StartsWith($"{method} saliency of class ", output);

            var svg = XDocument.Load(svgPath);
            XNamespace ns = "http://www.w3.org/2000/svg";
            var cells = svg.Descendants(ns + "g").Single(g => (string?)g.Attribute("id") == "saliency").Elements(ns + "rect").ToList();
            Assert.Equal(28 * 28, cells.Count);
            Assert.Equal(28, cells.Select(r => (string?)r.Attribute("x")).Distinct().Count());
            Assert.Equal(28, cells.Select(r => (string?)r.Attribute("y")).Distinct().Count());
            Assert.True(cells.Select(r => (string?)r.Attribute("fill")).Distinct().Count() > 10, "the heat map is nearly one colour");
            Assert.Single(svg.Descendants(ns + "g"), g => (string?)g.Attribute("id") == "scale");
            var png = Png.Read(Path.ChangeExtension(svgPath, ".png"));
            Assert.Equal(0, png.Height % 28);
            if (method == "integrated")
                Assert.Matches(@"completeness: sum of attributions \S+, score\(input\) − score\(baseline\) \S+", output);
        }
    }

    [Fact]
    public void ExplainOfATableModelPrintsTheSaliencyOfEachFeature()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, Run("train", "--epochs", "3", "--out", dir.File("run")).Code);
        var (code, output, error) = Run("explain", "--model-file", dir.File("run/model.safetensors"), "--input", "0.5,-0.2", "--out", dir.File("moons.svg"));
        Assert.True(code == 0, error);
        // The class and its probability are those predict prints.
        var predicted = Run("predict", "--model-file", dir.File("run/model.safetensors"), "--input", "0.5,-0.2").Output.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"gradient saliency of class {predicted[0]} (p {double.Parse(predicted[1], CultureInfo.InvariantCulture):F3}) for the input; predicted {predicted[0]}\n", output);
        Assert.Contains("feature 1: value 0.5  saliency ", output);
        Assert.Contains("feature 2: value -0.2  saliency ", output);
        var cells = XDocument.Load(dir.File("moons.svg")).Descendants().Single(e => (string?)e.Attribute("id") == "saliency").Elements().ToList();
        Assert.Equal(2, cells.Count);
    }

    [Fact]
    public void MalformedInputFilesAreOneLineErrorsNamingTheFile()
    {
        using var dir = new TempDirectory();
        string model = FashionModel(dir, train: false);
        Png.Write(dir.File("good.png"), new byte[28 * 28], 28, 28, PngColor.Gray);
        var good = File.ReadAllBytes(dir.File("good.png"));
        File.WriteAllBytes(dir.File("cut.png"), good[..(good.Length - 20)]);
        File.WriteAllText(dir.File("bad.pgm"), "P5\n28 28\n255\nshort");
        File.WriteAllText(dir.File("text.png"), "not an image at all");
        File.WriteAllText(dir.File("bad.csv"), "1,2\n3,oops\n");
        Assert.Equal(0, Run("train", "--epochs", "1", "--out", dir.File("run")).Code);
        string moons = dir.File("run/model.safetensors");
        var cases = new (string[] Args, string Message)[]
        {
            (["predict", "--model-file", model, "--image", dir.File("cut.png")], $"'{dir.File("cut.png")}' is truncated"),
            (["explain", "--model-file", model, "--image", dir.File("cut.png")], $"'{dir.File("cut.png")}' is truncated"),
            (["predict", "--model-file", model, "--image", dir.File("bad.pgm")], $"'{dir.File("bad.pgm")}' is truncated: a 28×28 image needs 784 bytes of pixels, but it holds 5"),
            (["predict", "--model-file", model, "--image", dir.File("text.png")], $"the image '{dir.File("text.png")}' is neither a PNG nor a binary PGM (P5) file"),
            (["predict", "--model-file", model, "--image", dir.File("none.png")], "does not exist"),
            (["predict", "--model-file", moons, "--csv", dir.File("bad.csv")], $"the CSV file '{dir.File("bad.csv")}', line 2, column 2: 'oops' is not a finite number"),
            (["predict", "--model-file", moons, "--image", dir.File("good.png")], "--image needs a model of images"),
            (["predict", "--model-file", moons, "--index", "5000"], "--index 5000 is outside the test part of 'moons', which has 200 examples"),
            (["predict", "--model-file", moons], "predict needs an input: --input, --image, --index or --csv"),
            (["explain", "--model-file", moons, "--index", "1", "--input", "1,2"], "explain takes one input"),
            (["explain", "--model-file", moons, "--index", "1", "--class", "2"], "--class 2 is not one of the model's 2 classes"),
        };
        foreach (var (args, message) in cases)
        {
            var (code, _, error) = Run(args);
            Assert.True(code == NablaCli.UsageError, $"{string.Join(" ", args)}: exit {code}, {error}");
            Assert.Contains(message, error);
            Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain("internal error", error);
        }
    }
}
