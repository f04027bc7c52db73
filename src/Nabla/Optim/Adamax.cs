using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Optim;

/// <summary>
/// Adamax, the infinity-norm variant of Adam from Kingma &amp; Ba, "Adam: A Method for Stochastic
/// Optimization" (ICLR 2015, section 7.1); PyTorch's <c>torch.optim.Adamax</c> update. At step t, for each
/// parameter θ with gradient g:
/// <code>
/// g ← −g if maximize;   g ← g + λθ if λ ≠ 0
/// m ← β₁m + (1 − β₁)g
/// u ← max(β₂u, |g| + ε)
/// θ ← θ − (γ / (1 − β₁ᵗ)) · m / u
/// </code>
/// </summary>
public sealed class Adamax : Optimizer
{
    /// <summary>Adamax over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimize.</param>
    /// <param name="lr">The learning rate γ.</param>
    /// <param name="beta1">β₁, the decay of the running mean of gradients.</param>
    /// <param name="beta2">β₂, the decay of the running infinity norm.</param>
    /// <param name="eps">ε, added to |g| so the norm never vanishes.</param>
    /// <param name="weightDecay">The L2 penalty coefficient λ added to the gradient.</param>
    /// <param name="maximize">Ascend the objective instead of descending it.</param>
    public Adamax(IEnumerable<Tensor> parameters, double lr = 2e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, beta1, beta2, eps, weightDecay, maximize)
    {
    }

    /// <summary>Adamax over several parameter groups; the arguments are the defaults of groups that do not set their own.</summary>
    public Adamax(IEnumerable<ParamGroup> paramGroups, double lr = 2e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, bool maximize = false)
        : base(paramGroups, new AdamaxOptions { LearningRate = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = weightDecay, Maximize = maximize })
    {
    }

    private readonly FusedUpdates<Rule<float>, Rule<double>> _updates = new();

    /// <inheritdoc/>
    public override void Step()
    {
        using var noGrad = Autograd.NoGrad();
        try
        {
            foreach (var (o, p, g, state) in ParametersWithGrad<AdamaxOptions>())
            {
                long step = ++state.Step;
                var expAvg = Buffer(state, "exp_avg", p);
                var expInf = Buffer(state, "exp_inf", p);
                double clr = o.LearningRate / (1 - Math.Pow(o.Beta1, step));
                if (p.DType == DType.Float32) _updates.Add(new Rule<float>(o, clr), p, g, expAvg, expInf);
                else _updates.Add(new Rule<double>(o, clr), p, g, expAvg, expInf);
            }
        }
        finally
        {
            _updates.Run();
        }
    }

    private readonly struct Rule<T>(AdamaxOptions o, double clr) : IFusedUpdate<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Vector<T> _beta1 = new(T.CreateTruncating(o.Beta1));
        private readonly Vector<T> _oneMinusBeta1 = new(T.CreateTruncating(1 - o.Beta1));
        private readonly Vector<T> _beta2 = new(T.CreateTruncating(o.Beta2));
        private readonly Vector<T> _eps = new(T.CreateTruncating(o.Eps));
        private readonly Vector<T> _negClr = new(T.CreateTruncating(-clr));
        private readonly Vector<T> _weightDecay = new(T.CreateTruncating(o.WeightDecay));
        private readonly bool _maximize = o.Maximize, _decay = o.WeightDecay != 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke(ref Vector<T> param, Vector<T> grad, ref Vector<T> expAvg, ref Vector<T> expInf, ref Vector<T> unused)
        {
            var g = _maximize ? -grad : grad;
            if (_decay) g += _weightDecay * param;
            expAvg = expAvg * _beta1 + _oneMinusBeta1 * g;
            expInf = Vector.Max(expInf * _beta2, Vector.Abs(g) + _eps);
            param += _negClr * expAvg / expInf;
        }
    }
}

/// <summary>The options of <see cref="Adamax"/> (PyTorch's Adamax param-group keys; <c>betas</c> is <see cref="Beta1"/>, <see cref="Beta2"/>).</summary>
public sealed record AdamaxOptions : OptimizerOptions
{
    /// <summary>Options with PyTorch's defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8, no weight decay.</summary>
    public AdamaxOptions() => LearningRate = 2e-3;

    /// <summary>β₁, the decay of the running mean of gradients, in [0, 1).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>β₂, the decay of the running infinity norm, in [0, 1).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>ε, added to |g|; at least 0.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Ascend the objective instead of descending it.</summary>
    public bool Maximize { get; init; }

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
