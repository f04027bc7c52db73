using System.CommandLine;
using System.Globalization;
using System.Text;
using Nabla.Data;
using Nabla.Optim;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla eval</c>: the test loss, accuracy, confusion matrix and per-class report of a trained model; for a
/// character language model, the loss, perplexity and next-character accuracy on the held-out part of its text.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var modelFile = new ModelFileOptions();
        var seed = CliOptions.Seed();
        var threads = CliOptions.Threads();
        var command = new Command("eval", "Evaluate a trained model on the test part of a data set." + CliHelp.Examples("nabla eval --model-file runs/cnn-bn/model.safetensors --data fashion-mnist", "nabla eval --model-file runs/lstm/model.safetensors"))
        {
            modelFile.ModelFile, modelFile.Model, modelFile.Data, seed, threads,
        };
        command.SetAction(parse => NablaCli.Guard("eval", error, () =>
        {
            CliOptions.ApplyThreads(parse.GetValue(threads));
            var (network, source, s) = modelFile.Load(parse, parse.GetValue(seed));
            var (x, y) = source.Load(train: false, s);
            var loader = new DataLoader(new TensorDataset(x, y), batchSize: source.IsText ? 64 : 1000);
            // Evaluation never steps the optimizer; the trainer only needs one to exist.
            var trainer = new Trainer(network, new SGD(network.Parameters(), lr: 0), ModelZoo.Loss(source),
                new TrainerOptions { ComputeAccuracy = true, ComputePerplexity = source.IsText });
            if (source.IsText)
            {
                var text = trainer.Evaluate(loader);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{source.Spec}: {text.Count} held-out windows of {source.SequenceLength} characters  loss {text.Loss:F4}  perplexity {text.Perplexity:F3}  next-char accuracy {text.Accuracy:F4}"));
                return 0;
            }
            var result = trainer.Evaluate(loader, collectPredictions: true);
            var confusion = result.ConfusionMatrix(source.NumClasses);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{source.Spec}: {result.Count} test examples  accuracy {result.Accuracy:F4}  loss {result.Loss:F4}"));
            output.WriteLine("confusion matrix (rows: true class, columns: predicted class):");
            output.Write(FormatConfusion(confusion, source));
            output.WriteLine(Metrics.Report(confusion, [.. Enumerable.Range(0, source.NumClasses).Select(source.ClassName)]));
            return 0;
        }));
        return command;
    }

    private static string FormatConfusion(long[,] confusion, DataSource source)
    {
        int c = confusion.GetLength(0);
        int width = Math.Max(6, confusion.Cast<long>().Max().ToString(CultureInfo.InvariantCulture).Length + 1);
        int label = Enumerable.Range(0, c).Max(k => source.ClassName(k).Length) + 1;
        var sb = new StringBuilder();
        sb.Append(' ', label);
        for (int k = 0; k < c; k++) sb.Append(k.ToString(CultureInfo.InvariantCulture).PadLeft(width));
        sb.Append('\n');
        for (int t = 0; t < c; t++)
        {
            sb.Append(source.ClassName(t).PadRight(label));
            for (int p = 0; p < c; p++) sb.Append(confusion[t, p].ToString(CultureInfo.InvariantCulture).PadLeft(width));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
