using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Optim;

/// <summary>
/// Adagrad, from Duchi, Hazan &amp; Singer, "Adaptive Subgradient Methods for Online Learning and
/// Stochastic Optimization" (JMLR 12, 2011); PyTorch's <c>torch.optim.Adagrad</c> update. At step t,
/// for each parameter θ with gradient g:
/// <code>
/// g ← −g if maximize;   g ← g + λθ if λ ≠ 0
/// γₜ ← γ / (1 + (t − 1)η)
/// s ← s + g²              (s starts at the initial accumulator value)
/// θ ← θ − γₜ g / (√s + ε)
/// </code>
/// </summary>
public sealed class Adagrad : Optimizer
{
    /// <summary>Adagrad over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimize.</param>
    /// <param name="lr">The learning rate γ.</param>
    /// <param name="lrDecay">η, the learning-rate decay per step.</param>
    /// <param name="weightDecay">The L2 penalty coefficient λ added to the gradient.</param>
    /// <param name="initialAccumulatorValue">The starting value of the sum of squared gradients.</param>
    /// <param name="eps">ε, added to the denominator for numerical stability.</param>
    /// <param name="maximize">Ascend the objective instead of descending it.</param>
    public Adagrad(IEnumerable<Tensor> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize)
    {
    }

    /// <summary>Adagrad over several parameter groups; the arguments are the defaults of groups that do not set their own.</summary>
    public Adagrad(IEnumerable<ParamGroup> paramGroups, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : base(paramGroups, new AdagradOptions
        {
            LearningRate = lr,
            LearningRateDecay = lrDecay,
            WeightDecay = weightDecay,
            InitialAccumulatorValue = initialAccumulatorValue,
            Eps = eps,
            Maximize = maximize,
        })
    {
    }

    private readonly FusedUpdates<Rule<float>, Rule<double>> _updates = new();

    /// <inheritdoc/>
    public override void Step()
    {
        using var noGrad = Autograd.NoGrad();
        try
        {
            foreach (var (o, p, g, state) in ParametersWithGrad<AdagradOptions>())
            {
                long step = ++state.Step;
                var sum = Buffer(state, "sum", p, o.InitialAccumulatorValue);
                double clr = o.LearningRate / (1 + (step - 1) * o.LearningRateDecay);
                if (p.DType == DType.Float32) _updates.Add(new Rule<float>(o, clr), p, g, sum);
                else _updates.Add(new Rule<double>(o, clr), p, g, sum);
            }
        }
        finally
        {
            _updates.Run();
        }
    }

    private readonly struct Rule<T>(AdagradOptions o, double clr) : IFusedUpdate<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Vector<T> _negClr = new(T.CreateTruncating(-clr));
        private readonly Vector<T> _eps = new(T.CreateTruncating(o.Eps));
        private readonly Vector<T> _weightDecay = new(T.CreateTruncating(o.WeightDecay));
        private readonly bool _maximize = o.Maximize, _decay = o.WeightDecay != 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke(ref Vector<T> param, Vector<T> grad, ref Vector<T> sum, ref Vector<T> s1, ref Vector<T> s2)
        {
            var g = _maximize ? -grad : grad;
            if (_decay) g += _weightDecay * param;
            sum += g * g;
            param += _negClr * g / (Vector.SquareRoot(sum) + _eps);
        }
    }
}

/// <summary>The options of <see cref="Adagrad"/> (PyTorch's Adagrad param-group keys).</summary>
public sealed record AdagradOptions : OptimizerOptions
{
    /// <summary>Options with PyTorch's defaults: lr 1e-2, no decay, accumulator starting at 0, eps 1e-10.</summary>
    public AdagradOptions() => LearningRate = 1e-2;

    /// <summary>η, the learning-rate decay per step (PyTorch's <c>lr_decay</c>); at least 0.</summary>
    public double LearningRateDecay { get; init; }

    /// <summary>The starting value of the sum of squared gradients; at least 0.</summary>
    public double InitialAccumulatorValue { get; init; }

    /// <summary>ε, added to the denominator; greater than 0.</summary>
    public double Eps { get; init; } = 1e-10;

    /// <summary>Ascend the objective instead of descending it.</summary>
    public bool Maximize { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireNonNegative(LearningRateDecay, "lrDecay", "lr_decay value");
        RequireNonNegative(InitialAccumulatorValue, "initialAccumulatorValue", "initial_accumulator_value value");
        RequirePositive(Eps, "eps", "epsilon value");
    }
}
