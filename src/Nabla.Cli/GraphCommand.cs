using System.CommandLine;
using Nabla.Viz;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla graph</c>: the computational graph of one training step of a model (forward pass to the loss) on a real batch
/// of its data, as Graphviz DOT, Mermaid or SVG: one node per operation grouped into a cluster per module (expanded), or
/// one node per module (collapsed); with --backward also the gradient edges backpropagation walks.
/// </summary>
internal static class GraphCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var options = new ModelBatchOptions("The data set whose batch the graph is drawn for", trainingBatchSize: true);
        var format = new Option<string>("--format") { Description = "dot, mermaid, or svg (needs Graphviz's dot).", DefaultValueFactory = _ => "dot" };
        format.AcceptOnlyFromAmong("dot", "mermaid", "svg");
        var view = new Option<string>("--view")
        {
            Description = "expanded (every op, in one cluster per module) or collapsed (one node per module, shapes on the edges).",
            DefaultValueFactory = _ => "expanded",
        };
        view.AcceptOnlyFromAmong("expanded", "collapsed");
        var backward = new Option<bool>("--backward") { Description = "Also draw the backward graph: dashed gradient edges from the loss back to every parameter, labelled with the gradients' shapes." };
        var outFile = new Option<string?>("--out") { Description = "The file to write (default: standard output)." };
        var command = new Command("graph", "Print the computational graph of one training step of a model." + CliHelp.Examples("nabla graph --model mlp --format svg --out mlp.svg", "nabla graph --model cnn --data fashion-mnist --view collapsed --backward --out cnn.dot"))
        {
            options.Model, options.Data, format, view, backward, outFile, options.BatchSize, options.Seed,
        };
        command.SetAction(parse => NablaCli.Guard("graph", error, () =>
        {
            var (modelName, source, n, s) = options.Resolve(parse);
            var network = ModelZoo.Build(modelName, source, DType.Float32, new Generator(s), new Generator(s + 1));
            var (x, y) = source.Load(train: false, s);
            var (loss, names) = StepGraph.Build(network, ModelZoo.Loss(source), x, y, n);
            var graphView = parse.GetValue(view) == "collapsed" ? GraphView.Collapsed : GraphView.Expanded;
            bool withBackward = parse.GetValue(backward);
            string text;
            switch (parse.GetValue(format))
            {
                case "mermaid":
                    text = GraphExport.ToMermaid(loss, names, view: graphView, backward: withBackward);
                    break;
                case "svg":
                    try
                    {
                        text = GraphExport.ToSvg(loss, names, view: graphView, backward: withBackward);
                    }
                    catch (InvalidOperationException e)
                    {
                        throw new UsageException(e.Message);
                    }
                    break;
                default:
                    text = GraphExport.ToDot(loss, names, view: graphView, backward: withBackward);
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
