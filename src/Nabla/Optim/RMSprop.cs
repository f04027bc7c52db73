using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Optim;

/// <summary>
/// RMSprop, from Tieleman &amp; Hinton, "Lecture 6.5 — RMSprop: Divide the gradient by a running average
/// of its recent magnitude" (COURSERA: Neural Networks for Machine Learning, 2012), with the centered
/// variant of Graves, "Generating Sequences With Recurrent Neural Networks" (2013); PyTorch's
/// <c>torch.optim.RMSprop</c> update. For each parameter θ with gradient g:
/// <code>
/// g ← −g if maximize;   g ← g + λθ if λ ≠ 0
/// v ← αv + (1 − α)g²
/// if centered:  ḡ ← αḡ + (1 − α)g;   d ← √(v − ḡ²) + ε     else d ← √v + ε
/// if μ &gt; 0:     b ← μb + g / d;   θ ← θ − γb                else θ ← θ − γ g / d
/// </code>
/// </summary>
public sealed class RMSprop : Optimizer
{
    /// <summary>RMSprop over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimize.</param>
    /// <param name="lr">The learning rate γ.</param>
    /// <param name="alpha">α, the smoothing constant of the running mean of squared gradients.</param>
    /// <param name="eps">ε, added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">The L2 penalty coefficient λ added to the gradient.</param>
    /// <param name="momentum">The momentum factor μ (0 disables momentum).</param>
    /// <param name="centered">Normalise by an estimate of the gradient's variance instead of its second moment.</param>
    /// <param name="maximize">Ascend the objective instead of descending it.</param>
    public RMSprop(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, alpha, eps, weightDecay, momentum, centered, maximize)
    {
    }

    /// <summary>RMSprop over several parameter groups; the arguments are the defaults of groups that do not set their own.</summary>
    public RMSprop(IEnumerable<ParamGroup> paramGroups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : base(paramGroups, new RMSpropOptions
        {
            LearningRate = lr,
            Alpha = alpha,
            Eps = eps,
            WeightDecay = weightDecay,
            Momentum = momentum,
            Centered = centered,
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
            foreach (var (o, p, g, state) in ParametersWithGrad<RMSpropOptions>())
            {
                state.Step++;
                var squareAvg = Buffer(state, "square_avg", p);
                var gradAvg = o.Centered ? Buffer(state, "grad_avg", p) : null;
                var momentumBuffer = o.Momentum > 0 ? Buffer(state, "momentum_buffer", p) : null;
                if (p.DType == DType.Float32) _updates.Add(new Rule<float>(o), p, g, squareAvg, gradAvg, momentumBuffer);
                else _updates.Add(new Rule<double>(o), p, g, squareAvg, gradAvg, momentumBuffer);
            }
        }
        finally
        {
            _updates.Run();
        }
    }

    private readonly struct Rule<T>(RMSpropOptions o) : IFusedUpdate<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Vector<T> _negLr = new(T.CreateTruncating(-o.LearningRate));
        private readonly Vector<T> _alpha = new(T.CreateTruncating(o.Alpha));
        private readonly Vector<T> _oneMinusAlpha = new(T.CreateTruncating(1 - o.Alpha));
        private readonly Vector<T> _eps = new(T.CreateTruncating(o.Eps));
        private readonly Vector<T> _weightDecay = new(T.CreateTruncating(o.WeightDecay));
        private readonly Vector<T> _momentum = new(T.CreateTruncating(o.Momentum));
        private readonly bool _maximize = o.Maximize, _decay = o.WeightDecay != 0, _centered = o.Centered, _hasMomentum = o.Momentum > 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke(ref Vector<T> param, Vector<T> grad, ref Vector<T> squareAvg, ref Vector<T> gradAvg, ref Vector<T> buffer)
        {
            var g = _maximize ? -grad : grad;
            if (_decay) g += _weightDecay * param;
            squareAvg = squareAvg * _alpha + _oneMinusAlpha * g * g;
            Vector<T> avg;
            if (_centered)
            {
                gradAvg = gradAvg * _alpha + _oneMinusAlpha * g;
                avg = Vector.SquareRoot(squareAvg - gradAvg * gradAvg);
            }
            else
            {
                avg = Vector.SquareRoot(squareAvg);
            }

            avg += _eps;
            if (_hasMomentum)
            {
                buffer = buffer * _momentum + g / avg;
                param += _negLr * buffer;
            }
            else
            {
                param += _negLr * g / avg;
            }
        }
    }
}

/// <summary>The options of <see cref="RMSprop"/> (PyTorch's RMSprop param-group keys).</summary>
public sealed record RMSpropOptions : OptimizerOptions
{
    /// <summary>Options with PyTorch's defaults: lr 1e-2, alpha 0.99, eps 1e-8, no momentum, not centered.</summary>
    public RMSpropOptions() => LearningRate = 1e-2;

    /// <summary>α, the smoothing constant of the running mean of squared gradients; at least 0.</summary>
    public double Alpha { get; init; } = 0.99;

    /// <summary>ε, added to the denominator; greater than 0.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>The momentum factor μ; 0 disables momentum.</summary>
    public double Momentum { get; init; }

    /// <summary>Normalise by an estimate of the gradient's variance.</summary>
    public bool Centered { get; init; }

    /// <summary>Ascend the objective instead of descending it.</summary>
    public bool Maximize { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireNonNegative(Alpha, "alpha", "alpha value");
        RequirePositive(Eps, "eps", "epsilon value");
        RequireNonNegative(Momentum, "momentum", "momentum value");
    }

    internal override double? CycledMomentum => Momentum;

    internal override OptimizerOptions WithCycledMomentum(double value) => this with { Momentum = value };
}
