using System.CommandLine;
using Nabla.Onnx;

namespace Nabla.Cli;

/// <summary><c>nabla export</c>: a trained model as an ONNX model, to run in ONNX Runtime or another ONNX runtime.</summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var modelFile = new ModelFileOptions();
        var format = new Option<string>("--format") { Description = "onnx: an ONNX model of opset 17.", DefaultValueFactory = _ => "onnx" };
        format.AcceptOnlyFromAmong("onnx");
        var outFile = new Option<string>("--out") { Description = "The file to write, e.g. model.onnx.", Required = true };
        var fixedBatch = new Option<int?>("--batch-size")
        {
            Description = "Fix the batch size in the exported model (default: any batch size; the input and output's first dim is 'batch').",
        };
        var command = new Command("export",
            "Write a trained model as an ONNX model (opset 17) whose input is 'input' and output 'output' (the logits)." +
            CliHelp.Examples("nabla export --model-file runs/cnn-bn/model.safetensors --format onnx --out cnn-bn.onnx",
                "nabla export --model-file runs/moons/model.safetensors --out moons.onnx --batch-size 1"))
        {
            modelFile.ModelFile, modelFile.Model, modelFile.Data, format, outFile, fixedBatch,
        };
        command.SetAction(parse => NablaCli.Guard("export", error, () =>
        {
            int? batch = parse.GetValue(fixedBatch);
            if (batch is < 1) throw new UsageException($"--batch-size must be positive, got {batch}.");
            var (network, source, _) = modelFile.Load(parse, seed: null,
                textHint: "ONNX export covers the mlp, cnn and cnn-bn models; a character language model's recurrent layers have no ONNX translation yet.");
            string path = parse.GetValue(outFile)!;
            var sample = Tensor.Zeros([batch ?? 1, .. source.ExampleShape]);
            try
            {
                network.ExportOnnx(path, sample, dynamicBatch: batch is null);
            }
            catch (NotSupportedException e)
            {
                throw new UsageException(e.Message);
            }
            string shape = string.Join("×", new[] { batch?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "batch" }.Concat(source.ExampleShape.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            output.WriteLine($"wrote {path}: ONNX opset {OnnxExport.Opset}, input 'input' ({shape} float32), output 'output'");
            return 0;
        }));
        return command;
    }
}
