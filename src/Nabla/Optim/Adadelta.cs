using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Optim;

/// <summary>
/// Adadelta, from Zeiler, "ADADELTA: An Adaptive Learning Rate Method" (2012); PyTorch's
/// <c>torch.optim.Adadelta</c> update. For each parameter θ with gradient g:
/// <code>
/// g ← −g if maximize;   g ← g + λθ if λ ≠ 0
/// v ← ρv + (1 − ρ)g²
/// Δ ← √(u + ε) / √(v + ε) · g
/// u ← ρu + (1 − ρ)Δ²
/// θ ← θ − γΔ
/// </code>
/// The running averages are PyTorch's <c>square_avg</c> (v) and <c>acc_delta</c> (u); the learning rate γ
/// scales the step and is 1 by default, as in the paper.
/// </summary>
public sealed class Adadelta : Optimizer
{
    /// <summary>Adadelta over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimize.</param>
    /// <param name="lr">The coefficient γ that scales the step.</param>
    /// <param name="rho">ρ, the decay of the running averages of squared gradients and squared steps.</param>
    /// <param name="eps">ε, added inside both square roots for numerical stability.</param>
    /// <param name="weightDecay">The L2 penalty coefficient λ added to the gradient.</param>
    /// <param name="maximize">Ascend the objective instead of descending it.</param>
    public Adadelta(IEnumerable<Tensor> parameters, double lr = 1.0, double rho = 0.9, double eps = 1e-6, double weightDecay = 0, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, rho, eps, weightDecay, maximize)
    {
    }

    /// <summary>Adadelta over several parameter groups; the arguments are the defaults of groups that do not set their own.</summary>
    public Adadelta(IEnumerable<ParamGroup> paramGroups, double lr = 1.0, double rho = 0.9, double eps = 1e-6, double weightDecay = 0, bool maximize = false)
        : base(paramGroups, new AdadeltaOptions { LearningRate = lr, Rho = rho, Eps = eps, WeightDecay = weightDecay, Maximize = maximize })
    {
    }

    private readonly FusedUpdates<Rule<float>, Rule<double>> _updates = new();

    /// <inheritdoc/>
    public override void Step()
    {
        using var noGrad = Autograd.NoGrad();
        try
        {
            foreach (var (o, p, g, state) in ParametersWithGrad<AdadeltaOptions>())
            {
                state.Step++;
                var squareAvg = Buffer(state, "square_avg", p);
                var accDelta = Buffer(state, "acc_delta", p);
                if (p.DType == DType.Float32) _updates.Add(new Rule<float>(o), p, g, squareAvg, accDelta);
                else _updates.Add(new Rule<double>(o), p, g, squareAvg, accDelta);
            }
        }
        finally
        {
            _updates.Run();
        }
    }

    private readonly struct Rule<T>(AdadeltaOptions o) : IFusedUpdate<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Vector<T> _rho = new(T.CreateTruncating(o.Rho));
        private readonly Vector<T> _oneMinusRho = new(T.CreateTruncating(1 - o.Rho));
        private readonly Vector<T> _eps = new(T.CreateTruncating(o.Eps));
        private readonly Vector<T> _negLr = new(T.CreateTruncating(-o.LearningRate));
        private readonly Vector<T> _weightDecay = new(T.CreateTruncating(o.WeightDecay));
        private readonly bool _maximize = o.Maximize, _decay = o.WeightDecay != 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke(ref Vector<T> param, Vector<T> grad, ref Vector<T> squareAvg, ref Vector<T> accDelta, ref Vector<T> unused)
        {
            var g = _maximize ? -grad : grad;
            if (_decay) g += _weightDecay * param;
            squareAvg = squareAvg * _rho + _oneMinusRho * g * g;
            var delta = Vector.SquareRoot(accDelta + _eps) / Vector.SquareRoot(squareAvg + _eps) * g;
            accDelta = accDelta * _rho + _oneMinusRho * delta * delta;
            param += _negLr * delta;
        }
    }
}

/// <summary>The options of <see cref="Adadelta"/> (PyTorch's Adadelta param-group keys).</summary>
public sealed record AdadeltaOptions : OptimizerOptions
{
    /// <summary>Options with PyTorch's defaults: lr 1, rho 0.9, eps 1e-6, no weight decay.</summary>
    public AdadeltaOptions() => LearningRate = 1.0;

    /// <summary>ρ, the decay of the running averages, in [0, 1].</summary>
    public double Rho { get; init; } = 0.9;

    /// <summary>ε, added inside the square roots; at least 0.</summary>
    public double Eps { get; init; } = 1e-6;

    /// <summary>Ascend the objective instead of descending it.</summary>
    public bool Maximize { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (!(Rho >= 0 && Rho <= 1))
            throw new ArgumentException($"{OptimizerName}: Invalid rho value: {Rho} (rho must be in [0, 1]).", "rho");
        RequireNonNegative(Eps, "eps", "epsilon value");
    }
}
