using System.Numerics;
using System.Runtime.CompilerServices;

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
/// The weight decay here is an L2 penalty that the moments see; <see cref="AdamW"/>, the one subclass,
/// decouples it. The update follows the order of operations of PyTorch's single-tensor implementation, so
/// float64 results agree to the last few bits.
/// </summary>
public class Adam : Optimizer
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
        : this([new ParamGroup(parameters)], lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)
    {
    }

    /// <summary>Adam over several parameter groups; the arguments are the defaults of groups that do not set their own.</summary>
    public Adam(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(paramGroups, Options<AdamOptions>(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize))
    {
    }

    /// <summary>The constructor of <see cref="AdamW"/>, whose options say how the weight decay applies.</summary>
    private protected Adam(IEnumerable<ParamGroup> paramGroups, AdamWOptions defaults)
        : base(paramGroups, defaults)
    {
    }

    private protected static TOptions Options<TOptions>(double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool maximize)
        where TOptions : AdamOptions, new() =>
        new() { LearningRate = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = weightDecay, AmsGrad = amsgrad, Maximize = maximize };

    private readonly FusedUpdates<Rule<float>, Rule<double>> _updates = new();

    /// <inheritdoc/>
    public sealed override void Step()
    {
        using var noGrad = Autograd.NoGrad();
        try
        {
            foreach (var (o, p, g, state) in ParametersWithGrad<AdamOptions>())
            {
                long step = ++state.Step;
                var expAvg = Buffer(state, "exp_avg", p);
                var expAvgSq = Buffer(state, "exp_avg_sq", p);
                var maxExpAvgSq = o.AmsGrad ? Buffer(state, "max_exp_avg_sq", p) : null;
                if (p.DType == DType.Float32) _updates.Add(new Rule<float>(o, step), p, g, expAvg, expAvgSq, maxExpAvgSq);
                else _updates.Add(new Rule<double>(o, step), p, g, expAvg, expAvgSq, maxExpAvgSq);
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
        private readonly Vector<T> _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _eps, _negStepSize, _biasCorrection2Sqrt, _l2, _shrink;
        private readonly bool _hasL2, _decoupled, _amsgrad, _maximize;

        public Rule(AdamOptions o, long step)
        {
            double biasCorrection1 = 1 - Math.Pow(o.Beta1, step);
            double biasCorrection2 = 1 - Math.Pow(o.Beta2, step);
            // Adam adds λθ to the gradient; AdamW instead scales θ by 1 − γλ before the moment step.
            double l2 = o.DecoupledWeightDecay ? 0 : o.WeightDecay;
            double shrink = o.DecoupledWeightDecay ? 1 - o.LearningRate * o.WeightDecay : 0;
            _beta1 = new(T.CreateTruncating(o.Beta1));
            _oneMinusBeta1 = new(T.CreateTruncating(1 - o.Beta1));
            _beta2 = new(T.CreateTruncating(o.Beta2));
            _oneMinusBeta2 = new(T.CreateTruncating(1 - o.Beta2));
            _eps = new(T.CreateTruncating(o.Eps));
            _negStepSize = new(T.CreateTruncating(-(o.LearningRate / biasCorrection1)));
            _biasCorrection2Sqrt = new(T.CreateTruncating(Math.Sqrt(biasCorrection2)));
            _l2 = new(T.CreateTruncating(l2));
            _shrink = new(T.CreateTruncating(shrink));
            _hasL2 = l2 != 0;
            _decoupled = o.DecoupledWeightDecay && o.WeightDecay != 0;
            _amsgrad = o.AmsGrad;
            _maximize = o.Maximize;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke(ref Vector<T> param, Vector<T> grad, ref Vector<T> expAvg, ref Vector<T> expAvgSq, ref Vector<T> maxExpAvgSq)
        {
            var g = _maximize ? -grad : grad;
            if (_hasL2) g += _l2 * param;
            if (_decoupled) param *= _shrink;
            expAvg = expAvg * _beta1 + _oneMinusBeta1 * g;
            expAvgSq = expAvgSq * _beta2 + _oneMinusBeta2 * g * g;
            var second = expAvgSq;
            if (_amsgrad) second = maxExpAvgSq = Vector.Max(maxExpAvgSq, expAvgSq);
            var denom = Vector.SquareRoot(second) / _biasCorrection2Sqrt + _eps;
            param += _negStepSize * expAvg / denom;
        }
    }
}

/// <summary>
/// The options of <see cref="Adam"/> (PyTorch's Adam param-group keys; <c>betas</c> is <see cref="Beta1"/>,
/// <see cref="Beta2"/>), and the base of <see cref="AdamWOptions"/>, which reads the weight decay as decoupled.
/// </summary>
public record AdamOptions : OptimizerOptions
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

    /// <summary>Whether the weight decay shrinks the weights directly (AdamW) instead of entering the gradient as an L2 penalty.</summary>
    internal virtual bool DecoupledWeightDecay => false;

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
