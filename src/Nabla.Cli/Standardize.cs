using Nabla.NN;

namespace Nabla.Cli;

/// <summary>
/// (x − mean) / std per feature, with mean and std kept as buffers, so that a model trained on a table carries its
/// input scaling in its state dict and <c>eval</c> and <c>predict</c> scale new rows the same way. Input (N, F).
/// </summary>
internal sealed class Standardize : Module
{
    public Standardize(int features, DType dtype)
    {
        RegisterBuffer("mean", Tensor.Zeros([features], dtype));
        RegisterBuffer("std", Tensor.Ones([features], dtype));
    }

    /// <summary>Sets the statistics from the training inputs (a constant feature keeps std 1).</summary>
    public void Fit(Tensor x)
    {
        using var noGrad = Autograd.NoGrad();
        var mean = x.To(GetBuffer("mean").DType).Mean(0);
        var std = x.To(GetBuffer("std").DType).Std([0], correction: 0);
        GetBuffer("mean").CopyFrom(mean);
        GetBuffer("std").CopyFrom(Tensor.Where(std.Gt(1e-12), std, Tensor.OnesLike(std)));
    }

    public override Tensor Forward(Tensor input) => (input - GetBuffer("mean")) / GetBuffer("std");
}
