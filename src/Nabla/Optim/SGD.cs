using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay,
/// with PyTorch's update (<c>torch.optim.SGD</c>). For each parameter θ with gradient g:
/// <code>
/// g ← −g if maximize;   g ← g + λθ if λ ≠ 0
/// if μ ≠ 0:  b ← g on the first step, else b ← μb + (1 − τ)g
///            g ← g + μb if nesterov, else g ← b
/// θ ← θ − γg
/// </code>
/// Nesterov momentum follows Sutskever, Martens, Dahl &amp; Hinton, "On the importance of initialization
/// and momentum in deep learning" (ICML 2013), in PyTorch's form, where the learning rate multiplies the
/// velocity rather than being folded into it.
/// </summary>
public sealed class SGD : Optimizer
{
    /// <summary>SGD over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimize.</param>
    /// <param name="lr">The learning rate γ.</param>
    /// <param name="momentum">The momentum factor μ (0 disables momentum).</param>
    /// <param name="dampening">The dampening τ of the momentum buffer.</param>
    /// <param name="weightDecay">The L2 penalty coefficient λ added to the gradient.</param>
    /// <param name="nesterov">Use Nesterov momentum (needs μ &gt; 0 and τ = 0).</param>
    /// <param name="maximize">Ascend the objective instead of descending it.</param>
    public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, momentum, dampening, weightDecay, nesterov, maximize)
    {
    }

    /// <summary>SGD over several parameter groups; the arguments are the defaults of groups that do not set their own.</summary>
    public SGD(IEnumerable<ParamGroup> paramGroups, double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(paramGroups, new SGDOptions
        {
            LearningRate = lr,
            Momentum = momentum,
            Dampening = dampening,
            WeightDecay = weightDecay,
            Nesterov = nesterov,
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
            foreach (var (o, p, g, state) in ParametersWithGrad<SGDOptions>())
            {
                state.Step++;
                Tensor? buffer = null;
                bool first = false;
                if (o.Momentum != 0)
                {
                    first = !state.Buffers.ContainsKey("momentum_buffer");
                    buffer = Buffer(state, "momentum_buffer", p);
                }
                if (p.DType == DType.Float32) _updates.Add(new Rule<float>(o, first), p, g, buffer);
                else _updates.Add(new Rule<double>(o, first), p, g, buffer);
            }
        }
        finally
        {
            _updates.Run();
        }
    }

    private readonly struct Rule<T>(SGDOptions o, bool first) : IFusedUpdate<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Vector<T> _negLr = new(T.CreateTruncating(-o.LearningRate));
        private readonly Vector<T> _weightDecay = new(T.CreateTruncating(o.WeightDecay));
        private readonly Vector<T> _momentum = new(T.CreateTruncating(o.Momentum));
        private readonly Vector<T> _oneMinusDampening = new(T.CreateTruncating(1 - o.Dampening));
        private readonly bool _maximize = o.Maximize, _decay = o.WeightDecay != 0, _hasMomentum = o.Momentum != 0, _nesterov = o.Nesterov, _first = first;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Invoke(ref Vector<T> param, Vector<T> grad, ref Vector<T> buffer, ref Vector<T> s1, ref Vector<T> s2)
        {
            var d = _maximize ? -grad : grad;
            if (_decay) d += _weightDecay * param;
            if (_hasMomentum)
            {
                buffer = _first ? d : buffer * _momentum + _oneMinusDampening * d;
                d = _nesterov ? d + _momentum * buffer : buffer;
            }
            param += _negLr * d;
        }
    }
}

/// <summary>The options of <see cref="SGD"/> (PyTorch's SGD param-group keys).</summary>
public sealed record SGDOptions : OptimizerOptions
{
    /// <summary>The momentum factor μ; 0 disables momentum.</summary>
    public double Momentum { get; init; }

    /// <summary>The dampening τ: the new gradient enters the momentum buffer with weight 1 − τ.</summary>
    public double Dampening { get; init; }

    /// <summary>Use Nesterov momentum.</summary>
    public bool Nesterov { get; init; }

    /// <summary>Ascend the objective instead of descending it.</summary>
    public bool Maximize { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        RequireNonNegative(Momentum, "momentum", "momentum value");
        if (!double.IsFinite(Dampening))
            throw new ArgumentException($"SGD: Invalid dampening value: {Dampening} (dampening must be finite).", "dampening");
        if (Nesterov && (Momentum <= 0 || Dampening != 0))
            throw new ArgumentException($"SGD: Nesterov momentum requires a momentum and zero dampening, got momentum {Momentum} and dampening {Dampening}.", "nesterov");
    }

    internal override double? CycledMomentum => Momentum;

    internal override OptimizerOptions WithCycledMomentum(double value) => this with { Momentum = value };
}
