using Nabla.NN;
using Nabla.Viz;

namespace Nabla.Cli;

/// <summary>The computational graph of one training step: the loss of a batch, with the ops grouped by module and the parameters named.</summary>
internal static class StepGraph
{
    /// <summary>
    /// Runs the model in training mode on the first <paramref name="batch"/> examples under a <see cref="GraphCapture"/>
    /// and returns the loss (whose history is the graph, its ops marked with their modules) with labels for the
    /// parameters and buffers (state-dict names), the input, the target and the loss.
    /// </summary>
    public static (Tensor Loss, Dictionary<Tensor, string> Names) Build(Module model, Func<Tensor, Tensor, Tensor> lossFunction, Tensor x, Tensor y, int batch)
    {
        int n = Math.Min(batch, x.Shape[0]);
        if (n == 0) throw new UsageException("the data set is empty, so there is no batch to draw the graph of.");
        var input = x.Narrow(0, 0, n).Contiguous();
        var target = y.Narrow(0, 0, n).Contiguous();
        model.Train();
        Tensor loss;
        Dictionary<Tensor, string> names;
        using (var capture = GraphCapture.Start(model))
        {
            loss = lossFunction(model.Call(input), target);
            names = new Dictionary<Tensor, string>(capture.Names, ReferenceEqualityComparer.Instance);
        }
        names[target] = "target";
        names[loss] = "loss";
        return (loss, names);
    }
}
