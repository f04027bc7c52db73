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
/// the adaptive denominator. The default weight decay is 1e-2.
/// </summary>
public sealed class AdamW : Optimizer
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
        : base(parameters, Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize))
    {
    }

    /// <summary>AdamW over several parameter groups; the arguments are the defaults of groups that do not set their own.</summary>
    public AdamW(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(paramGroups, Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize))
    {
    }

    private static AdamWOptions Options(double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool maximize) =>
        new() { LearningRate = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = weightDecay, AmsGrad = amsgrad, Maximize = maximize };

    /// <inheritdoc/>
    public override void Step()
    {
        using var noGrad = Autograd.NoGrad();
        foreach (var (o, p, g, state) in ParametersWithGrad<AdamWOptions>())
        {
            long step = ++state.Step;
            var moments = new AdamMoments(o.LearningRate, o.Beta1, o.Beta2, o.Eps, o.AmsGrad, o.Maximize, step);
            var expAvg = Buffer(state, "exp_avg", p);
            var expAvgSq = Buffer(state, "exp_avg_sq", p);
            var maxExpAvgSq = o.AmsGrad ? Buffer(state, "max_exp_avg_sq", p) : null;
            double shrink = 1 - o.LearningRate * o.WeightDecay;
            if (p.DType == DType.Float32) moments.Run<float>(p, g, expAvg, expAvgSq, maxExpAvgSq, l2: 0, decoupled: shrink);
            else moments.Run<double>(p, g, expAvg, expAvgSq, maxExpAvgSq, l2: 0, decoupled: shrink);
        }
    }
}

/// <summary>The options of <see cref="AdamW"/>: those of Adam, with a decoupled weight decay defaulting to 1e-2.</summary>
public sealed record AdamWOptions : OptimizerOptions
{
    /// <summary>Options with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2.</summary>
    public AdamWOptions()
    {
        LearningRate = 1e-3;
        WeightDecay = 1e-2;
    }

    /// <summary>β₁, the decay of the running mean of gradients, in [0, 1).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>β₂, the decay of the running mean of squared gradients, in [0, 1).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>ε, added to the denominator; greater than 0.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Use the AMSGrad variant.</summary>
    public bool AmsGrad { get; init; }

    /// <summary>Ascend the objective instead of descending it.</summary>
    public bool Maximize { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireUnitInterval(Beta1, "beta1", "beta parameter at index 0");
        RequireUnitInterval(Beta2, "beta2", "beta parameter at index 1");
        RequirePositive(Eps, "eps", "epsilon value");
    }

    internal override double? CycledMomentum => Beta1;

    internal override OptimizerOptions WithCycledMomentum(double value) => this with { Beta1 = value };
}
