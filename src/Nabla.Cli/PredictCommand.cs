using System.CommandLine;
using System.Globalization;

namespace Nabla.Cli;

/// <summary><c>nabla predict</c>: the class probabilities a trained model gives one input.</summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var modelFile = new ModelFileOptions();
        var input = new Option<string>("--input")
        {
            Description = "The input's features, comma-separated: 2 for the 2-D sets, the table's columns, or 784 pixels in [0, 1] for images.",
            Required = true,
        };
        var command = new Command("predict", "Print the class probabilities a trained model gives one input.")
        {
            modelFile.ModelFile, modelFile.Model, modelFile.Data, input,
        };
        command.SetAction(parse => NablaCli.Guard("predict", error, () =>
        {
            var (network, source, _) = modelFile.Load(parse, seed: null, textHint: "continue a text with 'nabla generate --model-file FILE --prompt TEXT'.");
            var features = ParseFeatures(parse.GetValue(input)!, source.Features);
            Tensor probabilities;
            using (Autograd.NoGrad())
                probabilities = ModelZoo.Probabilities(network.Forward(Tensor.FromArray(features, [1, .. source.ExampleShape])));
            var p = probabilities.ToDoubleArray();
            int best = Array.IndexOf(p, p.Max());
            for (int k = 0; k < p.Length; k++)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{source.ClassName(k),-14} {p[k]:F4}"));
            output.WriteLine($"predicted: {source.ClassName(best)}");
            return 0;
        }));
        return command;
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
