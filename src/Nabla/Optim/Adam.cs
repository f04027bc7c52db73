using System.Numerics;

namespace Nabla.Optim;

/// <summary>
/// Adam, from Kingma &amp; Ba, "Adam: A Method for Stochastic Optimization" (ICLR 2015), with an optional
/// L2 penalty and the AMSGrad variant of Reddi, Kale &amp; Kumar, "On the Convergence of Adam and Beyond"
/// (ICLR 2018); PyTorch's <c>torch.optim.Adam</c> update. At step t, for each parameter θ with gradient g:
/// <code>
/// g ← −g if maximize;   g ← g + λθ if λ ≠ 0
/// m ← β₁m + (1 − β₁)g
/// v ← β₂v + (1 − β₂)g²
/// v̂ ← max(v̂, v) if amsgrad, else v̂ = v
/// θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// </code>
/// The weight decay here is an L2 penalty that the moments see; <see cref="AdamW"/> decouples it.
/// </summary>
public sealed class Adam : Optimizer
{
    /// <summary>Adam over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimize.</param>
    /// <param name="lr">The learning rate γ.</param>
    /// <param name="beta1">β₁, the decay of the running mean of gradients.</param>
    /// <param name="beta2">β₂, the decay of the running mean of squared gradients.</param>
    /// <param name="eps">ε, added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">The L2 penalty coefficient λ added to the gradient.</param>
    /// <param name="amsgrad">Use the running maximum of the second moment (AMSGrad).</param>
    /// <param name="maximize">Ascend the objective instead of descending it.</param>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(parameters, Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize))
    {
    }

    /// <summary>Adam over several parameter groups; the arguments are the defaults of groups that do not set their own.</summary>
    public Adam(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(paramGroups, Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize))
    {
    }

    private static AdamOptions Options(double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool maximize) =>
        new() { LearningRate = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = weightDecay, AmsGrad = amsgrad, Maximize = maximize };

    /// <inheritdoc/>
    public override void Step()
    {
        using var noGrad = Autograd.NoGrad();
        foreach (var (o, p, g, state) in ParametersWithGrad<AdamOptions>())
        {
            long step = ++state.Step;
            var moments = new AdamMoments(o.LearningRate, o.Beta1, o.Beta2, o.Eps, o.AmsGrad, o.Maximize, step);
            var expAvg = Buffer(state, "exp_avg", p);
            var expAvgSq = Buffer(state, "exp_avg_sq", p);
            var maxExpAvgSq = o.AmsGrad ? Buffer(state, "max_exp_avg_sq", p) : null;
            if (p.DType == DType.Float32) moments.Run<float>(p, g, expAvg, expAvgSq, maxExpAvgSq, l2: o.WeightDecay, decoupled: 0);
            else moments.Run<double>(p, g, expAvg, expAvgSq, maxExpAvgSq, l2: o.WeightDecay, decoupled: 0);
        }
    }
}

/// <summary>The options of <see cref="Adam"/> (PyTorch's Adam param-group keys; <c>betas</c> is <see cref="Beta1"/>, <see cref="Beta2"/>).</summary>
public sealed record AdamOptions : OptimizerOptions
{
    /// <summary>Options with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay.</summary>
    public AdamOptions() => LearningRate = 1e-3;

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
