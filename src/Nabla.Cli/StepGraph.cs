using Nabla.NN;

namespace Nabla.Cli;

/// <summary>The computational graph of one training step: the loss of a small batch, with the parameters named.</summary>
internal static class StepGraph
{
    /// <summary>
    /// Runs the model in training mode on the first <paramref name="batch"/> examples and returns the loss (whose
    /// history is the graph) with labels for the parameters, the input and the target.
    /// </summary>
    public static (Tensor Loss, Dictionary<Tensor, string> Names) Build(Module model, Func<Tensor, Tensor, Tensor> lossFunction, Tensor x, Tensor y, int batch)
    {
        int n = Math.Min(batch, x.Shape[0]);
        if (n == 0) throw new UsageException("the data set is empty, so there is no batch to draw the graph of.");
        var input = x.Narrow(0, 0, n).Contiguous();
        var target = y.Narrow(0, 0, n).Contiguous();
        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance) { [input] = "input", [target] = "target" };
        foreach (var (name, parameter) in model.NamedParameters()) names[parameter] = name;
        model.Train();
        var loss = lossFunction(model.Forward(input), target);
        names[loss] = "loss";
        return (loss, names);
    }
}
