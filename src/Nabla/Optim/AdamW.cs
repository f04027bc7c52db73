namespace Nabla.Optim;

/// <summary>
/// AdamW, Adam with decoupled weight decay, from Loshchilov &amp; Hutter, "Decoupled Weight Decay
/// Regularization" (ICLR 2019); PyTorch's <c>torch.optim.AdamW</c> update. At step t:
/// <code>
/// θ ← θ(1 − γλ)
/// m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²;   v̂ ← max(v̂, v) if amsgrad, else v̂ = v
/// θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// </code>
/// Unlike <see cref="Adam"/>'s L2 penalty, the decay shrinks the weights directly and is not rescaled by
/// the adaptive denominator. The default weight decay is 1e-2. As in PyTorch, AdamW is an
/// <see cref="Adam"/> whose options (<see cref="AdamWOptions"/>) make the decay decoupled.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>AdamW over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimize.</param>
    /// <param name="lr">The learning rate γ.</param>
    /// <param name="beta1">β₁, the decay of the running mean of gradients.</param>
    /// <param name="beta2">β₂, the decay of the running mean of squared gradients.</param>
    /// <param name="eps">ε, added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">The decoupled weight-decay coefficient λ.</param>
    /// <param name="amsgrad">Use the running maximum of the second moment (AMSGrad).</param>
    /// <param name="maximize">Ascend the objective instead of descending it.</param>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)
    {
    }

    /// <summary>AdamW over several parameter groups; the arguments are the defaults of groups that do not set their own.</summary>
    public AdamW(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(paramGroups, Options<AdamWOptions>(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize))
    {
    }
}

/// <summary>The options of <see cref="AdamW"/>: those of Adam, with a decoupled weight decay defaulting to 1e-2.</summary>
public sealed record AdamWOptions : AdamOptions
{
    /// <summary>Options with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2.</summary>
    public AdamWOptions() => WeightDecay = 1e-2;

    internal override bool DecoupledWeightDecay => true;
}
