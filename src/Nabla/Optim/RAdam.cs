using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Optim;

/// <summary>
/// RAdam, Adam with a rectified adaptive learning rate, from Liu et al., "On the Variance of the Adaptive
/// Learning Rate and Beyond" (ICLR 2020); PyTorch's <c>torch.optim.RAdam</c> update. At step t, for each
/// parameter θ with gradient g:
/// <code>
/// g ← g + λθ if λ ≠ 0
/// m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²;   m̂ ← m / (1 − β₁ᵗ)
/// ρ∞ ← 2/(1 − β₂) − 1;   ρₜ ← ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ)
/// if ρₜ &gt; 5:  r ← √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ));   θ ← θ − γ m̂ · √(1 − β₂ᵗ)/(√v + ε) · r
/// else:       θ ← θ − γ m̂
/// </code>
/// While the variance of the adaptive rate is intractable (the first few steps), the update is plain momentum SGD.
/// </summary>
public sealed class RAdam : Optimizer
{
    /// <summary>RAdam over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimize.</param>
    /// <param name="lr">The learning rate γ.</param>
    /// <param name="beta1">β₁, the decay of the running mean of gradients.</param>
    /// <param name="beta2">β₂, the decay of the running mean of squared gradients.</param>
    /// <param name="eps">ε, added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">The L2 penalty coefficient λ added to the gradient.</param>
    public RAdam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : this([new ParamGroup(parameters)], lr, beta1, beta2, eps, weightDecay)
    {
    }

    /// <summary>RAdam over several parameter groups; the arguments are the defaults of groups that do not set their own.</summary>
    public RAdam(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : base(paramGroups, new RAdamOptions { LearningRate = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = weightDecay })
    {
    }

    private readonly FusedUpdates<Rule<float>, Rule<double>> _updates = new();

    /// <inheritdoc/>
    public override void Step()
    {
        using var noGrad = Autograd.NoGrad();
        try
        {
            foreach (var (o, p, g, state) in ParametersWithGrad<RAdamOptions>())
            {
                long step = ++state.Step;
                var expAvg = Buffer(state, "exp_avg", p);
                var expAvgSq = Buffer(state, "exp_avg_sq", p);
                if (p.DType == DType.Float32) _updates.Add(new Rule<float>(o, step), p, g, expAvg, expAvgSq);
                else _updates.Add(new Rule<double>(o, step), p, g, expAvg, expAvgSq);
            }
        }
        finally
        {
            _updates.Run();
        }
    }

    private readonly struct Rule<T> : IFusedUpdate<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Vector<T> _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _biasCorrection1, _lr, _biasCorrection2Sqrt, _rect, _eps, _weightDecay;
        private readonly bool _rectified, _decay;

        public Rule(RAdamOptions o, long step)
        {
            double biasCorrection2 = 1 - Math.Pow(o.Beta2, step);
            double rhoInf = 2 / (1 - o.Beta2) - 1;
            double rhoT = rhoInf - 2 * step * Math.Pow(o.Beta2, step) / biasCorrection2;
            _rectified = rhoT > 5;
            double rect = _rectified ? Math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
            _beta1 = new(T.CreateTruncating(o.Beta1));
            _oneMinusBeta1 = new(T.CreateTruncating(1 - o.Beta1));
            _beta2 = new(T.CreateTruncating(o.Beta2));
            _oneMinusBeta2 = new(T.CreateTruncating(1 - o.Beta2));
            _biasCorrection1 = new(T.CreateTruncating(1 - Math.Pow(o.Beta1, step)));
            _lr = new(T.CreateTruncating(o.LearningRate));
            _biasCorrection2Sqrt = new(T.CreateTruncating(Math.Sqrt(biasCorrection2)));
            _rect = new(T.CreateTruncating(rect));
            _eps = new(T.CreateTruncating(o.Eps));
            _weightDecay = new(T.CreateTruncating(o.WeightDecay));
            _decay = o.WeightDecay != 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke(ref Vector<T> param, Vector<T> grad, ref Vector<T> expAvg, ref Vector<T> expAvgSq, ref Vector<T> unused)
        {
            var g = grad;
            if (_decay) g += _weightDecay * param;
            expAvg = expAvg * _beta1 + _oneMinusBeta1 * g;
            expAvgSq = expAvgSq * _beta2 + _oneMinusBeta2 * g * g;
            var step = expAvg / _biasCorrection1 * _lr;
            if (_rectified) step = step * (_biasCorrection2Sqrt / (Vector.SquareRoot(expAvgSq) + _eps)) * _rect;
            param -= step;
        }
    }
}

/// <summary>The options of <see cref="RAdam"/> (PyTorch's RAdam param-group keys; <c>betas</c> is <see cref="Beta1"/>, <see cref="Beta2"/>).</summary>
public sealed record RAdamOptions : OptimizerOptions
{
    /// <summary>Options with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay.</summary>
    public RAdamOptions() => LearningRate = 1e-3;

    /// <summary>β₁, the decay of the running mean of gradients, in [0, 1).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>β₂, the decay of the running mean of squared gradients, in [0, 1).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>ε, added to the denominator; at least 0.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireUnitInterval(Beta1, "beta1", "beta parameter at index 0");
        RequireUnitInterval(Beta2, "beta2", "beta parameter at index 1");
        RequireNonNegative(Eps, "eps", "epsilon value");
    }

    internal override double? CycledMomentum => Beta1;

    internal override OptimizerOptions WithCycledMomentum(double value) => this with { Beta1 = value };
}
