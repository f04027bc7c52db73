using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Optim;

/// <summary>
/// NAdam, Adam with Nesterov momentum, from Dozat, "Incorporating Nesterov Momentum into Adam" (ICLR 2016
/// workshop), with the momentum schedule of the paper; PyTorch's <c>torch.optim.NAdam</c> update. At step t,
/// for each parameter θ with gradient g:
/// <code>
/// g ← g + λθ if λ ≠ 0
/// μₜ ← β₁(1 − ½·0.96^(tψ));   μₜ₊₁ ← β₁(1 − ½·0.96^((t+1)ψ));   Πₜ ← Πₜ₋₁μₜ
/// m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²;   d ← √(v / (1 − β₂ᵗ)) + ε
/// θ ← θ − γ(1 − μₜ)/(1 − Πₜ) · g/d − γμₜ₊₁/(1 − Πₜμₜ₊₁) · m/d
/// </code>
/// ψ is the momentum decay. The product of the momentum coefficients Π is part of each parameter's state
/// (<c>mu_product</c>, a 0-d float32 tensor as in PyTorch, so float64 runs agree with PyTorch's to the last bits).
/// </summary>
public sealed class NAdam : Optimizer
{
    /// <summary>NAdam over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimize.</param>
    /// <param name="lr">The learning rate γ.</param>
    /// <param name="beta1">β₁, the decay of the running mean of gradients.</param>
    /// <param name="beta2">β₂, the decay of the running mean of squared gradients.</param>
    /// <param name="eps">ε, added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">The L2 penalty coefficient λ added to the gradient.</param>
    /// <param name="momentumDecay">ψ, how fast the momentum coefficient approaches β₁.</param>
    public NAdam(IEnumerable<Tensor> parameters, double lr = 2e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, double momentumDecay = 4e-3)
        : this([new ParamGroup(parameters)], lr, beta1, beta2, eps, weightDecay, momentumDecay)
    {
    }

    /// <summary>NAdam over several parameter groups; the arguments are the defaults of groups that do not set their own.</summary>
    public NAdam(IEnumerable<ParamGroup> paramGroups, double lr = 2e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, double momentumDecay = 4e-3)
        : base(paramGroups, new NAdamOptions { LearningRate = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = weightDecay, MomentumDecay = momentumDecay })
    {
    }

    private readonly FusedUpdates<Rule<float>, Rule<double>> _updates = new();

    /// <inheritdoc/>
    public override void Step()
    {
        using var noGrad = Autograd.NoGrad();
        try
        {
            foreach (var (o, p, g, state) in ParametersWithGrad<NAdamOptions>())
            {
                long step = ++state.Step;
                var expAvg = Buffer(state, "exp_avg", p);
                var expAvgSq = Buffer(state, "exp_avg_sq", p);
                var muProduct = MuProduct(state);
                double mu = o.Beta1 * (1 - 0.5 * Math.Pow(0.96, step * o.MomentumDecay));
                double muNext = o.Beta1 * (1 - 0.5 * Math.Pow(0.96, (step + 1) * o.MomentumDecay));
                // The product is kept in float32, each factor rounded to float32 first, as PyTorch keeps it.
                var product = muProduct.AsSpan<float>();
                product[0] *= (float)mu;
                double productNext = product[0] * (float)mu * (float)muNext;
                muProduct.BumpVersion();
                var rule = (o, step, mu, muNext, product: (double)product[0], productNext);
                if (p.DType == DType.Float32) _updates.Add(new Rule<float>(rule), p, g, expAvg, expAvgSq);
                else _updates.Add(new Rule<double>(rule), p, g, expAvg, expAvgSq);
            }
        }
        finally
        {
            _updates.Run();
        }
    }

    private static Tensor MuProduct(ParameterState state)
    {
        if (!state.Buffers.TryGetValue("mu_product", out var muProduct))
        {
            using var persistent = TensorScope.Suspend();
            state.Buffers["mu_product"] = muProduct = Tensor.Ones([], DType.Float32);
        }
        return muProduct;
    }

    private readonly struct Rule<T> : IFusedUpdate<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Vector<T> _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _biasCorrection2, _eps, _gradScale, _avgScale, _weightDecay;
        private readonly bool _decay;

        public Rule((NAdamOptions O, long Step, double Mu, double MuNext, double Product, double ProductNext) s)
        {
            var o = s.O;
            _beta1 = new(T.CreateTruncating(o.Beta1));
            _oneMinusBeta1 = new(T.CreateTruncating(1 - o.Beta1));
            _beta2 = new(T.CreateTruncating(o.Beta2));
            _oneMinusBeta2 = new(T.CreateTruncating(1 - o.Beta2));
            _biasCorrection2 = new(T.CreateTruncating(1 - Math.Pow(o.Beta2, s.Step)));
            _eps = new(T.CreateTruncating(o.Eps));
            _gradScale = new(T.CreateTruncating(-o.LearningRate * (1 - s.Mu) / (1 - s.Product)));
            _avgScale = new(T.CreateTruncating(-o.LearningRate * s.MuNext / (1 - s.ProductNext)));
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
            var denom = Vector.SquareRoot(expAvgSq / _biasCorrection2) + _eps;
            param += _gradScale * g / denom;
            param += _avgScale * expAvg / denom;
        }
    }
}

/// <summary>The options of <see cref="NAdam"/> (PyTorch's NAdam param-group keys; <c>betas</c> is <see cref="Beta1"/>, <see cref="Beta2"/>).</summary>
public sealed record NAdamOptions : OptimizerOptions
{
    /// <summary>Options with PyTorch's defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8, no weight decay, momentum decay 4e-3.</summary>
    public NAdamOptions() => LearningRate = 2e-3;

    /// <summary>β₁, the decay of the running mean of gradients, in [0, 1).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>β₂, the decay of the running mean of squared gradients, in [0, 1).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>ε, added to the denominator; at least 0.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>ψ, the momentum decay (PyTorch's <c>momentum_decay</c>); at least 0.</summary>
    public double MomentumDecay { get; init; } = 4e-3;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireUnitInterval(Beta1, "beta1", "beta parameter at index 0");
        RequireUnitInterval(Beta2, "beta2", "beta parameter at index 1");
        RequireNonNegative(Eps, "eps", "epsilon value");
        RequireNonNegative(MomentumDecay, "momentumDecay", "momentum_decay value");
    }

    internal override double? CycledMomentum => Beta1;

    internal override OptimizerOptions WithCycledMomentum(double value) => this with { Beta1 = value };
}
