using System.CommandLine;
using Nabla.Viz;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla graph</c>: the computational graph of one training step of a model (forward pass to the loss), as Graphviz
/// DOT, Mermaid or SVG: what backpropagation walks backwards, one node per operation.
/// </summary>
internal static class GraphCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var options = new ModelBatchOptions("The data set whose shapes the graph uses");
        var format = new Option<string>("--format") { Description = "dot, mermaid, or svg (needs Graphviz's dot).", DefaultValueFactory = _ => "dot" };
        format.AcceptOnlyFromAmong("dot", "mermaid", "svg");
        var outFile = new Option<string?>("--out") { Description = "The file to write (default: standard output)." };
        var command = new Command("graph", "Print the computational graph of one training step of a model.")
        {
            options.Model, options.Data, format, outFile, options.BatchSize, options.Seed,
        };
        command.SetAction(parse => NablaCli.Guard("graph", error, () =>
        {
            var (modelName, source, n, s) = options.Resolve(parse);
            var network = ModelZoo.Build(modelName, source, DType.Float32, new Generator(s), new Generator(s + 1));
            var (x, y) = source.Load(train: false, s);
            var (loss, names) = StepGraph.Build(network, ModelZoo.Loss(source), x, y, n);
            string text;
            switch (parse.GetValue(format))
            {
                case "mermaid":
                    text = GraphExport.ToMermaid(loss, names);
                    break;
                case "svg":
                    try
                    {
                        text = GraphExport.ToSvg(loss, names);
                    }
                    catch (InvalidOperationException e)
                    {
                        throw new UsageException(e.Message);
                    }
                    break;
                default:
                    text = GraphExport.ToDot(loss, names);
                    break;
            }
            if (parse.GetValue(outFile) is { } path)
            {
                File.WriteAllText(path, text);
                output.WriteLine($"wrote the graph of one {modelName} training step on {source.Spec} to {path}");
            }
            else
            {
                output.Write(text);
            }

            return 0;
        }));
        return command;
    }
}
