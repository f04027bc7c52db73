using System.CommandLine;
using System.Globalization;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla predict</c>: the most probable classes a trained model gives one input (<c>--input</c> features,
/// <c>--image</c> file, <c>--index</c> of the test part), or each row of a CSV file (<c>--csv</c>).
/// </summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var modelFile = new ModelFileOptions();
        var inputs = new InputOptions("predict");
        var csv = new Option<string?>("--csv") { Description = "A CSV file of inputs, one a row, each the model's features comma-separated (an optional header line is skipped)." };
        var top = new Option<int>("--top") { Description = "How many of the most probable classes to print.", DefaultValueFactory = _ => 5 };
        var seed = CliOptions.Seed();
        var command = new Command("predict", "Print the most probable classes a trained model gives an input, an image, a test example or each row of a CSV file." + CliHelp.Examples("nabla predict --model-file runs/moons/model.safetensors --input 0.5,-0.2", "nabla predict --model-file runs/cnn-bn/model.safetensors --image shoe.png --top 3", "nabla predict --model-file runs/cnn-bn/model.safetensors --index 7"))
        {
            modelFile.ModelFile, modelFile.Model, modelFile.Data, inputs.Input, inputs.Image, inputs.Index, csv, top, seed,
        };
        command.SetAction(parse => NablaCli.Guard("predict", error, () =>
        {
            string? csvPath = parse.GetValue(csv);
            inputs.CheckOne(parse, csvPath is null ? 0 : 1, "--csv");
            int k = parse.GetValue(top);
            if (k < 1) throw new UsageException($"--top must be at least 1, got {k}.");
            var (network, source, s) = modelFile.Load(parse, parse.GetValue(seed), textHint: "continue a text with 'nabla generate --model-file FILE --prompt TEXT'.");
            if (csvPath is not null)
            {
                var (values, lines) = ModelInputs.ReadCsv(csvPath, source.Features);
                var batch = Probabilities(network, Tensor.FromArray(values, [lines.Length, .. source.ExampleShape]));
                int classes = batch.Shape[1];
                var all = batch.ToDoubleArray();
                for (int r = 0; r < lines.Length; r++)
                {
                    var ranked = Ranked(all.AsSpan(r * classes, classes).ToArray(), k);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"line {lines[r]}: {source.ClassName(ranked[0].Class)}  ({string.Join(", ", ranked.Select(c => $"{source.ClassName(c.Class)} {c.P:F4}"))})"));
                }
                return 0;
            }
            var (x, label) = inputs.Read(parse, source, s);
            if (label is { } l) output.WriteLine($"test example {parse.GetValue(inputs.Index)} of {source.Spec}: true class {source.ClassName((int)l)}");
            var p = Probabilities(network, x).ToDoubleArray();
            var best = Ranked(p, k);
            foreach (var (c, probability) in best)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{source.ClassName(c),-14} {probability:F4}"));
            output.WriteLine($"predicted: {source.ClassName(best[0].Class)}");
            return 0;
        }));
        return command;
    }

    private static Tensor Probabilities(NN.Module network, Tensor x)
    {
        using (Autograd.NoGrad()) return ModelZoo.Probabilities(network.Forward(x));
    }

    /// <summary>The <paramref name="k"/> most probable classes, most probable first (ties: the lower class first).</summary>
    private static (int Class, double P)[] Ranked(double[] p, int k) =>
        [.. p.Select((probability, c) => (Class: c, P: probability)).OrderByDescending(c => c.P).ThenBy(c => c.Class).Take(k)];
}

/// <summary>
/// The one input <c>predict</c> and <c>explain</c> read: <c>--input</c> features, an <c>--image</c> file or the
/// <c>--index</c> of a test example.
/// </summary>
internal sealed class InputOptions(string command)
{
    public Option<string?> Input { get; } = new("--input")
    {
        Description = "The input's features, comma-separated: 2 for the 2-D sets, the table's columns, or 784 pixels in [0, 1] for images.",
    };

    public Option<string?> Image { get; } = new("--image")
    {
        Description = "An image file, PNG or binary PGM (P5), for an image model: made gray, scaled to [0, 1] and resized to the model's input size.",
    };

    public Option<int?> Index { get; } = new("--index") { Description = "The number of an example of the test part of the data set (as 'nabla eval' splits it), from 0." };

    /// <summary>Checks that exactly one input is given, <paramref name="others"/> counting further ones (named <paramref name="otherNames"/>).</summary>
    public void CheckOne(ParseResult parse, int others = 0, string? otherNames = null)
    {
        int given = (parse.GetValue(Input) is null ? 0 : 1) + (parse.GetValue(Image) is null ? 0 : 1) + (parse.GetValue(Index) is null ? 0 : 1) + others;
        string names = "--input, --image" + (otherNames is null ? " or --index" : $", --index or {otherNames}");
        if (given == 0) throw new UsageException($"{command} needs an input: {names}.");
        if (given > 1) throw new UsageException($"{command} takes one input; give only one of {names}.");
    }

    /// <summary>The input as a batch of one for <paramref name="source"/>'s model, and its class when it is a test example.</summary>
    public (Tensor X, long? Label) Read(ParseResult parse, DataSource source, ulong seed)
    {
        if (parse.GetValue(Image) is { } image) return (ModelInputs.Image(image, source), null);
        if (parse.GetValue(Index) is { } index)
        {
            var (x, label) = ModelInputs.TestExample(source, seed, index);
            return (x, label);
        }
        var features = ParseFeatures(parse.GetValue(Input)!, source.Features);
        return (Tensor.FromArray(features, [1, .. source.ExampleShape]), null);
    }

    private static float[] ParseFeatures(string text, int expected)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != expected)
            throw new UsageException($"--input has {parts.Length} value(s), but the model takes {expected}.");
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
                throw new UsageException($"--input value {i + 1}, '{parts[i]}', is not a finite number.");
        }
        return values;
    }
}
