using System.CommandLine;
using System.Globalization;
using Nabla.Viz;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla explain</c>: a saliency map of a trained model's class score for one input, by backpropagation to the
/// input: the plain gradient, SmoothGrad or integrated gradients (<see cref="Saliency"/>), drawn beside the input as
/// an SVG and a PNG.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var modelFile = new ModelFileOptions();
        var inputs = new InputOptions("explain");
        var target = new Option<int?>("--class") { Description = "The class whose score is explained, from 0 (default: the predicted one)." };
        var method = new Option<string>("--method")
        {
            Description = "gradient (∂score/∂input), smoothgrad (mean |gradient| over noisy copies) or integrated (integrated gradients from a black/zero baseline).",
            DefaultValueFactory = _ => "gradient",
        };
        method.AcceptOnlyFromAmong("gradient", "smoothgrad", "integrated");
        var samples = new Option<int>("--samples") { Description = "smoothgrad: the number of noisy copies.", DefaultValueFactory = _ => 50 };
        var noise = new Option<double>("--noise") { Description = "smoothgrad: the noise's standard deviation as a fraction of the input's range (max − min).", DefaultValueFactory = _ => 0.15 };
        var steps = new Option<int>("--steps") { Description = "integrated: the number of points on the path from the baseline.", DefaultValueFactory = _ => 32 };
        var seed = CliOptions.Seed();
        var outPath = new Option<string>("--out")
        {
            Description = "The SVG to write; a PNG of the same picture is written beside it (same name, .png).",
            DefaultValueFactory = _ => "saliency.svg",
        };
        var command = new Command("explain", "Draw a saliency map: which parts of an input a trained model's class score is most sensitive to." + CliHelp.Examples("nabla explain --model-file runs/cnn-bn/model.safetensors --index 7 --out saliency.svg", "nabla explain --model-file runs/cnn-bn/model.safetensors --image shoe.png --method integrated --steps 64"))
        {
            modelFile.ModelFile, modelFile.Model, modelFile.Data, inputs.Input, inputs.Image, inputs.Index, target, method, samples, noise, steps, seed, outPath,
        };
        command.SetAction(parse => NablaCli.Guard("explain", error, () =>
        {
            inputs.CheckOne(parse);
            string how = parse.GetValue(method)!;
            int sampleCount = parse.GetValue(samples), stepCount = parse.GetValue(steps);
            double noiseLevel = parse.GetValue(noise);
            if (sampleCount < 1) throw new UsageException($"--samples must be at least 1, got {sampleCount}.");
            if (stepCount < 1) throw new UsageException($"--steps must be at least 1, got {stepCount}.");
            if (!(noiseLevel >= 0) || !double.IsFinite(noiseLevel)) throw new UsageException($"--noise must be a non-negative number, got {noiseLevel}.");
            var (network, source, s) = modelFile.Load(parse, parse.GetValue(seed), textHint: "explain reads images and tables, not text.");
            var (x, label) = inputs.Read(parse, source, s);
            var scores = ModelInputs.ClassScores(network);

            double[] logits, probabilities;
            using (Autograd.NoGrad())
            {
                var z = network.Forward(x);
                logits = ModelInputs.ClassScores(network)(x).ToDoubleArray();
                probabilities = ModelZoo.Probabilities(z).ToDoubleArray();
            }
            int predicted = Array.IndexOf(probabilities, probabilities.Max());
            int k = parse.GetValue(target) ?? predicted;
            if (k < 0 || k >= logits.Length) throw new UsageException($"--class {k} is not one of the model's {logits.Length} classes (0 to {logits.Length - 1}).");

            var attributions = how switch
            {
                "smoothgrad" => Saliency.SmoothGrad(scores, x, k, sampleCount, noiseLevel, new Generator(s)),
                "integrated" => Saliency.IntegratedGradients(scores, x, k, steps: stepCount),
                _ => Saliency.Gradient(scores, x, k),
            };
            var map = attributions.ToDoubleArray();
            var values = x.ToDoubleArray();
            var (rows, columns) = source.IsImage ? (source.ExampleShape[1], source.ExampleShape[2]) : (1, source.Features);
            var range = source.IsImage ? (0.0, 1.0) : (values.Min(), values.Max());

            string what = label is { } l ? $"test example {parse.GetValue(inputs.Index)} (true class {source.ClassName((int)l)})"
                : parse.GetValue(inputs.Image) is { } image ? $"'{Path.GetFileName(image)}'" : "the input";
            string title = string.Create(CultureInfo.InvariantCulture,
                $"{how} saliency of class {source.ClassName(k)} (p {probabilities[k]:F3}) for {what}; predicted {source.ClassName(predicted)}");
            output.WriteLine(title);
            if (how == "integrated")
            {
                double baselineScore;
                using (Autograd.NoGrad()) baselineScore = scores(Tensor.ZerosLike(x)).ToDoubleArray()[k];
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"completeness: sum of attributions {map.Sum():G6}, score(input) − score(baseline) {logits[k] - baselineScore:G6}"));
            }
            if (!source.IsImage)
            {
                for (int i = 0; i < map.Length; i++)
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  feature {i + 1}: value {values[i]:G6}  saliency {map[i]:G6}"));
            }

            string requested = parse.GetValue(outPath)!;
            string svgPath = requested.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? Path.ChangeExtension(requested, ".svg") : requested;
            string pngPath = Path.ChangeExtension(svgPath, ".png");
            if (string.Equals(Path.GetFullPath(svgPath), Path.GetFullPath(pngPath), StringComparison.Ordinal)) pngPath = svgPath + ".png";
            HeatMap.Write(svgPath, pngPath, values, map, rows, columns, range, title, how == "smoothgrad" ? "mean |gradient|" : how == "integrated" ? "integrated gradients" : "gradient");
            output.WriteLine($"wrote {svgPath} and {pngPath} ({rows}×{columns} heat map beside the input)");
            return 0;
        }));
        return command;
    }
}
