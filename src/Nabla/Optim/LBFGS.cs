namespace Nabla.Optim;

/// <summary>
/// L-BFGS, the limited-memory quasi-Newton method of Liu &amp; Nocedal, "On the limited memory BFGS method for
/// large scale optimization" (Mathematical Programming 45, 1989), after minFunc; PyTorch's <c>torch.optim.LBFGS</c>.
/// One <see cref="Step(Func{Tensor})"/> runs up to <c>maxIter</c> iterations, each re-evaluating the loss through the
/// closure: the direction is −H·g, with H the inverse-Hessian estimate of the last <c>historySize</c> curvature pairs
/// (s = Δθ, y = Δg, kept when yᵀs &gt; 1e-10) applied by the two-loop recursion and scaled by yᵀs / yᵀy; the step
/// length is <c>lr</c> (the first iteration of a run takes min(1, 1/‖g‖₁)·lr) or, with
/// <c>lineSearchFn: "strong_wolfe"</c>, the point a bracketing and zooming line search finds that satisfies the strong
/// Wolfe conditions (c₁ = 1e-4, c₂ = 0.9, at most 25 evaluations). It stops early when the largest gradient entry is
/// at most <c>toleranceGrad</c>, or the step or the change of loss is below <c>toleranceChange</c>, or after
/// <c>maxEval</c> evaluations.
/// </summary>
/// <remarks>
/// All parameters form one group (L-BFGS treats them as one flat vector) and the optimizer has no weight decay.
/// The curvature history lives in the optimizer between steps; <see cref="Optimizer.StateDict"/> holds the options and
/// the evaluation counts, so a restored L-BFGS continues with the same options and a fresh history.
/// </remarks>
public sealed class LBFGS : Optimizer
{
    private const double C1 = 1e-4, C2 = 0.9;
    private const int MaxLineSearch = 25;

    private readonly IReadOnlyList<Tensor> _params;
    private readonly List<Tensor> _oldDirs = [], _oldSteps = [];
    private readonly List<double> _ro = [];
    private Tensor? _d, _prevFlatGrad;
    private double _t, _hDiag = 1, _prevLoss;

    /// <summary>L-BFGS over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimize.</param>
    /// <param name="lr">The step length, or the first trial step of the line search.</param>
    /// <param name="maxIter">The most iterations per <see cref="Step(Func{Tensor})"/>.</param>
    /// <param name="maxEval">The most evaluations of the closure per step; null means maxIter · 5 / 4.</param>
    /// <param name="toleranceGrad">Stop once the largest absolute gradient entry is at most this.</param>
    /// <param name="toleranceChange">Stop once the step or the change of the loss is below this.</param>
    /// <param name="historySize">How many curvature pairs the inverse-Hessian estimate keeps.</param>
    /// <param name="lineSearchFn">null for fixed steps, or <c>"strong_wolfe"</c>.</param>
    public LBFGS(IEnumerable<Tensor> parameters, double lr = 1, int maxIter = 20, int? maxEval = null, double toleranceGrad = 1e-7,
        double toleranceChange = 1e-9, int historySize = 100, string? lineSearchFn = null)
        : this([new ParamGroup(parameters)], new LBFGSOptions
        {
            LearningRate = lr,
            MaxIter = maxIter,
            MaxEval = maxEval ?? maxIter * 5 / 4,
            ToleranceGrad = toleranceGrad,
            ToleranceChange = toleranceChange,
            HistorySize = historySize,
            LineSearchFn = lineSearchFn,
        })
    {
    }

    private LBFGS(IEnumerable<ParamGroup> groups, LBFGSOptions options)
        : base(groups, options)
    {
        _params = ParamGroups[0].Parameters;
    }

    private protected override bool SupportsParamGroups => false;

    /// <summary>The number of closure evaluations over every step so far (PyTorch's <c>func_evals</c>).</summary>
    public long FunctionEvaluations { get; private set; }

    /// <summary>The number of iterations over every step so far (PyTorch's <c>n_iter</c>).</summary>
    public long Iterations { get; private set; }

    /// <summary>L-BFGS evaluates the loss several times per step, so it needs the closure form.</summary>
    /// <exception cref="InvalidOperationException">Always: call <see cref="Step(Func{Tensor})"/>.</exception>
    public override void Step() =>
        throw new InvalidOperationException("LBFGS.Step: L-BFGS re-evaluates the loss during a step; call Step(closure) with a closure that zeroes the gradients, computes the loss, calls Backward() and returns the loss.");

    /// <summary>
    /// Runs one L-BFGS step: evaluates <paramref name="closure"/> (with gradients enabled) as often as the iterations
    /// and the line search need, and returns the loss of the first evaluation.
    /// </summary>
    public override Tensor Step(Func<Tensor> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        var o = (LBFGSOptions)ParamGroups[0].Options;
        using var noGrad = Autograd.NoGrad();

        var origLoss = Evaluate(closure, out double loss);
        int currentEvals = 1;
        FunctionEvaluations++;
        var flatGrad = GatherFlatGrad();
        bool optimal = flatGrad.Abs().Max().Item() <= o.ToleranceGrad;
        if (optimal) return origLoss;

        int nIter = 0;
        while (nIter < o.MaxIter)
        {
            nIter++;
            Iterations++;
            if (Iterations == 1)
            {
                _d = -flatGrad;
                _oldDirs.Clear();
                _oldSteps.Clear();
                _ro.Clear();
                _hDiag = 1;
            }
            else
            {
                UpdateHistory(flatGrad, o.HistorySize);
                _d = Direction(flatGrad);
            }
            _prevFlatGrad = flatGrad.Copy();
            _prevLoss = loss;

            _t = o.LearningRate;
            if (Iterations == 1 && Round(1.0 / flatGrad.Abs().Sum().Item()) is var inverse && inverse < 1) _t = Round(inverse * o.LearningRate);
            double gtd = _d.Dot(flatGrad).Item();
            if (gtd > -o.ToleranceChange) break;

            int lineSearchEvals = 0;
            if (o.LineSearchFn is not null)
            {
                var start = _params.Select(p => p.Copy()).ToArray();
                (loss, flatGrad, _t, lineSearchEvals) = StrongWolfe(closure, start, _t, _d, loss, flatGrad, gtd, o.ToleranceChange);
                AddToParameters(_t, _d);
                optimal = flatGrad.Abs().Max().Item() <= o.ToleranceGrad;
            }
            else
            {
                AddToParameters(_t, _d);
                if (nIter != o.MaxIter)
                {
                    Evaluate(closure, out loss);
                    flatGrad = GatherFlatGrad();
                    optimal = flatGrad.Abs().Max().Item() <= o.ToleranceGrad;
                    lineSearchEvals = 1;
                }
            }
            currentEvals += lineSearchEvals;
            FunctionEvaluations += lineSearchEvals;

            if (nIter == o.MaxIter || currentEvals >= o.MaxEval || optimal) break;
            if ((_d * _t).Abs().Max().Item() <= o.ToleranceChange) break;
            if (Math.Abs(loss - _prevLoss) < o.ToleranceChange) break;
        }
        return origLoss;
    }

    /// <summary>Adds the newest curvature pair (y = g − g_prev, s = t·d) when it is positive enough, dropping the oldest past the history size.</summary>
    private void UpdateHistory(Tensor flatGrad, int historySize)
    {
        var y = flatGrad - _prevFlatGrad!;
        var s = _d! * _t;
        double ys = y.Dot(s).Item();
        if (ys <= 1e-10) return;
        if (_oldDirs.Count == historySize)
        {
            _oldDirs.RemoveAt(0);
            _oldSteps.RemoveAt(0);
            _ro.RemoveAt(0);
        }
        _oldDirs.Add(y);
        _oldSteps.Add(s);
        _ro.Add(Round(1.0 / ys));
        _hDiag = Round(ys / y.Dot(y).Item());
    }

    /// <summary>−H·g by the two-loop recursion over the history.</summary>
    private Tensor Direction(Tensor flatGrad)
    {
        int count = _oldDirs.Count;
        var alpha = new double[count];
        var q = -flatGrad;
        for (int i = count - 1; i >= 0; i--)
        {
            alpha[i] = Round(_oldSteps[i].Dot(q).Item() * _ro[i]);
            q.AddInPlace(_oldDirs[i], -alpha[i]);
        }
        var r = q * _hDiag;
        for (int i = 0; i < count; i++)
        {
            double beta = Round(_oldDirs[i].Dot(r).Item() * _ro[i]);
            r.AddInPlace(_oldSteps[i], Round(alpha[i] - beta));
        }
        return r;
    }

    /// <summary>
    /// The strong-Wolfe line search along <paramref name="d"/> from the parameters <paramref name="x"/>: brackets an
    /// interval holding an acceptable step, then narrows it by cubic interpolation. Returns the loss and gradient at
    /// the chosen step, the step, and the evaluations spent; the parameters are left at <paramref name="x"/>.
    /// </summary>
    private (double Loss, Tensor Grad, double T, int Evals) StrongWolfe(Func<Tensor> closure, Tensor[] x, double t, Tensor d,
        double f, Tensor g, double gtd, double toleranceChange)
    {
        double dNorm = d.Abs().Max().Item();
        g = g.Copy();
        var (fNew, gNew) = DirectionalEvaluate(closure, x, t, d);
        int evals = 1;
        double gtdNew = gNew.Dot(d).Item();

        double tPrev = 0, fPrev = f, gtdPrev = gtd;
        var gPrev = g;
        bool done = false;
        int iter = 0;
        double[] bracket = [], bracketF = [], bracketGtd = [];
        Tensor[] bracketG = [];
        while (iter < MaxLineSearch)
        {
            if (fNew > f + C1 * t * gtd || (iter > 1 && fNew >= fPrev))
            {
                (bracket, bracketF, bracketG, bracketGtd) = ([tPrev, t], [fPrev, fNew], [gPrev, gNew.Copy()], [gtdPrev, gtdNew]);
                break;
            }
            if (Math.Abs(gtdNew) <= -C2 * gtd)
            {
                (bracket, bracketF, bracketG) = ([t], [fNew], [gNew]);
                done = true;
                break;
            }
            if (gtdNew >= 0)
            {
                (bracket, bracketF, bracketG, bracketGtd) = ([tPrev, t], [fPrev, fNew], [gPrev, gNew.Copy()], [gtdPrev, gtdNew]);
                break;
            }
            double minStep = t + 0.01 * (t - tPrev), maxStep = t * 10, previous = t;
            t = CubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, minStep, maxStep);
            (tPrev, fPrev, gPrev, gtdPrev) = (previous, fNew, gNew.Copy(), gtdNew);
            (fNew, gNew) = DirectionalEvaluate(closure, x, t, d);
            evals++;
            gtdNew = gNew.Dot(d).Item();
            iter++;
        }
        if (iter == MaxLineSearch)
            (bracket, bracketF, bracketG) = ([0, t], [f, fNew], [g, gNew]);

        bool insufficientProgress = false;
        int low = bracketF[0] <= bracketF[^1] ? 0 : 1, high = 1 - low;
        while (!done && iter < MaxLineSearch)
        {
            if (Math.Abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
            t = CubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);

            // A trial too close to an end of the bracket moves a tenth of the bracket inside it when the last
            // trial also made little progress or the trial lies on or outside the bracket.
            double top = Math.Max(bracket[0], bracket[1]), bottom = Math.Min(bracket[0], bracket[1]);
            double eps = 0.1 * (top - bottom);
            if (Math.Min(top - t, t - bottom) < eps)
            {
                if (insufficientProgress || t >= top || t <= bottom)
                {
                    t = Math.Abs(t - top) < Math.Abs(t - bottom) ? top - eps : bottom + eps;
                    insufficientProgress = false;
                }
                else
                {
                    insufficientProgress = true;
                }
            }
            else
            {
                insufficientProgress = false;
            }

            (fNew, gNew) = DirectionalEvaluate(closure, x, t, d);
            evals++;
            gtdNew = gNew.Dot(d).Item();
            iter++;

            if (fNew > f + C1 * t * gtd || fNew >= bracketF[low])
            {
                (bracket[high], bracketF[high], bracketG[high], bracketGtd[high]) = (t, fNew, gNew.Copy(), gtdNew);
                (low, high) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0);
            }
            else
            {
                if (Math.Abs(gtdNew) <= -C2 * gtd)
                {
                    done = true;
                }
                else if (gtdNew * (bracket[high] - bracket[low]) >= 0)
                {
                    (bracket[high], bracketF[high], bracketG[high], bracketGtd[high]) = (bracket[low], bracketF[low], bracketG[low], bracketGtd[low]);
                }
                (bracket[low], bracketF[low], bracketG[low], bracketGtd[low]) = (t, fNew, gNew.Copy(), gtdNew);
            }
        }
        return (bracketF[low], bracketG[low], bracket[low], evals);
    }

    /// <summary>
    /// The minimiser, clamped to [<paramref name="lo"/>, <paramref name="hi"/>] (by default the two points), of the
    /// cubic through (x₁, f₁) and (x₂, f₂) with slopes g₁ and g₂; the middle of the bounds when the cubic has none.
    /// </summary>
    internal static double CubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2, double? lo = null, double? hi = null)
    {
        double min = lo ?? Math.Min(x1, x2), max = hi ?? Math.Max(x1, x2);
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (!(d2Square >= 0)) return (min + max) / 2;
        double d2 = Math.Sqrt(d2Square);
        double minPos = x1 <= x2
            ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
            : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
        return Math.Min(Math.Max(minPos, min), max);
    }

    /// <summary>The loss and flat gradient at x + t·d; the parameters are put back to <paramref name="x"/> afterwards.</summary>
    private (double Loss, Tensor Grad) DirectionalEvaluate(Func<Tensor> closure, Tensor[] x, double t, Tensor d)
    {
        AddToParameters(t, d);
        Evaluate(closure, out double loss);
        var grad = GatherFlatGrad();
        for (int i = 0; i < _params.Count; i++) _params[i].CopyFrom(x[i]);
        return (loss, grad);
    }

    private static Tensor Evaluate(Func<Tensor> closure, out double loss)
    {
        Tensor result;
        using (Autograd.EnableGrad()) result = closure() ?? throw new InvalidOperationException("LBFGS.Step: the closure returned null; it must return the loss.");
        if (result.Numel != 1)
            throw new InvalidOperationException($"LBFGS.Step: the closure must return the loss as a single value, got {ShapeUtil.Describe(result)}.");
        loss = result.Item();
        return result;
    }

    /// <summary>Every parameter's gradient flattened into one vector, zeros for a parameter without one.</summary>
    private Tensor GatherFlatGrad() =>
        Tensor.Cat([.. _params.Select(p => p.Grad is { } g ? g.Reshape(-1) : Tensor.Zeros([p.Numel], p.DType))]);

    /// <summary>θ ← θ + step · update, with <paramref name="update"/> split back into the parameters' shapes.</summary>
    private void AddToParameters(double step, Tensor update)
    {
        int offset = 0;
        foreach (var p in _params)
        {
            p.AddInPlace(update.Narrow(0, offset, p.Numel).Reshape([.. p.Shape]), step);
            offset += p.Numel;
        }
    }

    /// <summary>A scalar rounded to the parameters' precision, as the 0-d tensors of PyTorch's implementation hold it.</summary>
    private double Round(double value) => _params[0].DType == DType.Float32 ? (float)value : value;
}

/// <summary>The options of <see cref="LBFGS"/> (PyTorch's LBFGS param-group keys).</summary>
public sealed record LBFGSOptions : OptimizerOptions
{
    /// <summary>Options with PyTorch's defaults: lr 1, 20 iterations, 25 evaluations, tolerances 1e-7 and 1e-9, history 100, no line search.</summary>
    public LBFGSOptions() => LearningRate = 1;

    /// <summary>The most iterations per step; at least 1.</summary>
    public int MaxIter { get; init; } = 20;

    /// <summary>The most closure evaluations per step; at least 1.</summary>
    public int MaxEval { get; init; } = 25;

    /// <summary>The first-order optimality tolerance on the largest gradient entry; at least 0.</summary>
    public double ToleranceGrad { get; init; } = 1e-7;

    /// <summary>The tolerance on the step and on the change of the loss; at least 0.</summary>
    public double ToleranceChange { get; init; } = 1e-9;

    /// <summary>How many curvature pairs are kept; at least 1.</summary>
    public int HistorySize { get; init; } = 100;

    /// <summary>null for fixed steps, or <c>"strong_wolfe"</c>.</summary>
    public string? LineSearchFn { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (WeightDecay != 0)
            throw new ArgumentException($"{OptimizerName}: has no weight decay, got weight_decay {WeightDecay}.", "weightDecay");
        if (MaxIter < 1) throw new ArgumentException($"{OptimizerName}: Invalid max_iter value: {MaxIter} (maxIter must be at least 1).", "maxIter");
        if (MaxEval < 1) throw new ArgumentException($"{OptimizerName}: Invalid max_eval value: {MaxEval} (maxEval must be at least 1).", "maxEval");
        if (HistorySize < 1) throw new ArgumentException($"{OptimizerName}: Invalid history_size value: {HistorySize} (historySize must be at least 1).", "historySize");
        RequireNonNegative(ToleranceGrad, "toleranceGrad", "tolerance_grad value");
        RequireNonNegative(ToleranceChange, "toleranceChange", "tolerance_change value");
        if (LineSearchFn is not null and not "strong_wolfe")
            throw new ArgumentException($"{OptimizerName}: only 'strong_wolfe' is supported as line_search_fn, got '{LineSearchFn}'.", "lineSearchFn");
    }
}
