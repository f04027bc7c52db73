namespace Nabla.Optim;

/// <summary>
/// What an optimizer remembers about one parameter between steps, like an entry of PyTorch's
/// <c>optimizer.state</c>: the number of updates applied to it and its named buffers, each the shape
/// of the parameter (<c>momentum_buffer</c>, <c>exp_avg</c>, <c>exp_avg_sq</c>, <c>max_exp_avg_sq</c>,
/// <c>square_avg</c>, <c>grad_avg</c>, <c>sum</c>, <c>acc_delta</c>, <c>exp_inf</c>) except NAdam's
/// <c>mu_product</c>, a 0-d float32 tensor.
/// </summary>
public sealed class ParameterState
{
    /// <summary>The number of steps that updated this parameter (steps where its gradient was null do not count).</summary>
    public long Step { get; set; }

    /// <summary>The running buffers, keyed by PyTorch's state names.</summary>
    public Dictionary<string, Tensor> Buffers { get; } = [];

    /// <summary>A deep copy: the buffers are cloned, so the copy does not change when the optimizer steps.</summary>
    public ParameterState Clone()
    {
        var copy = new ParameterState { Step = Step };
        foreach (var (name, buffer) in Buffers) copy.Buffers[name] = buffer.Detach().Copy();
        return copy;
    }
}
