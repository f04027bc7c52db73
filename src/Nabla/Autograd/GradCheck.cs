using System.Globalization;

namespace Nabla;

/// <summary>
/// Gradient checking, the counterpart of <c>torch.autograd.gradcheck</c> and <c>gradgradcheck</c>:
/// the Jacobian that backpropagation computes is compared, entry by entry, with central finite
/// differences ∂fⱼ/∂xₖ ≈ (fⱼ(x + ε·eₖ) − fⱼ(x − ε·eₖ)) / 2ε. Work in float64: in float32 the
/// rounding error of the difference quotient swamps any useful tolerance.
/// </summary>
/// <example>
/// <code>
/// var x = Tensor.Randn([3, 4], DType.Float64, requiresGrad: true);
/// GradCheck.Check(xs => xs[0].T.Tanh(), [x]).ThrowIfFailed();
/// </code>
/// </example>
public static class GradCheck
{
    /// <summary>
    /// Checks the gradients of <paramref name="func"/> at <paramref name="inputs"/>. The analytic
    /// Jacobian takes one backward pass per output element (<see cref="Autograd.Grad(Tensor[], Tensor[], Tensor?[], bool?, bool, bool)"/>
    /// with a one-hot output gradient); the numeric one perturbs every element of every input that
    /// requires grad by ±<paramref name="eps"/>, evaluates <paramref name="func"/> (with grad mode on, so
    /// that a function may itself take gradients), and restores the element exactly. An entry passes when
    /// |analytic − numeric| ≤ <paramref name="atol"/> + <paramref name="rtol"/>·|numeric|.
    /// </summary>
    /// <param name="func">The function to check; it may return a tensor of any shape. To check an op on
    /// a non-contiguous or broadcast operand, make the view inside <paramref name="func"/>.</param>
    /// <param name="inputs">float64 leaves (those that require grad are checked) and any int64 constants
    /// (indices) the function needs. A leaf may be a strided view, but not one whose elements overlap.</param>
    /// <param name="eps">The finite-difference step.</param>
    /// <param name="atol">The absolute tolerance.</param>
    /// <param name="rtol">The tolerance relative to the numeric value.</param>
    /// <returns>Whether every entry passed, and the entry that is furthest outside its tolerance.</returns>
    public static GradCheckResult Check(Func<Tensor[], Tensor> func, Tensor[] inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3) =>
        Run("GradCheck.Check", func, inputs, eps, atol, rtol);

    /// <summary>
    /// Checks second derivatives, like <c>torch.autograd.gradgradcheck</c>: with a fixed random
    /// <c>v</c> of the output's shape, the function g(x) = ∂(Σ func(x)·v)/∂x (the gradients of the
    /// inputs that require grad, flattened and concatenated) is computed with <c>createGraph: true</c>
    /// and its own Jacobian, the Hessian-vector products, is checked as in <see cref="Check"/>.
    /// </summary>
    /// <param name="func">The function whose second derivatives are checked.</param>
    /// <param name="inputs">As for <see cref="Check"/>.</param>
    /// <param name="eps">The finite-difference step.</param>
    /// <param name="atol">The absolute tolerance.</param>
    /// <param name="rtol">The tolerance relative to the numeric value.</param>
    /// <param name="generator">Draws <c>v</c> (standard normal); a generator seeded with 0 when null, so the check is reproducible.</param>
    public static GradCheckResult CheckSecondOrder(Func<Tensor[], Tensor> func, Tensor[] inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3,
        Generator? generator = null)
    {
        const string Op = "GradCheck.CheckSecondOrder";
        Validate(Op, func, inputs, eps, atol, rtol);
        var probe = func(inputs);
        CheckOutput(Op, probe);
        var v = Tensor.Randn(probe.Shape.ToArray(), DType.Float64, generator ?? new Generator(0));
        var wrt = Enumerable.Range(0, inputs.Length).Where(i => inputs[i].RequiresGrad).ToArray();

        Tensor FirstDerivatives(Tensor[] xs)
        {
            using var mode = Autograd.EnableGrad();
            var y = func(xs);
            var grads = y.RequiresGrad
                ? Autograd.Grad([(y * v).Sum()], wrt.Select(i => xs[i]).ToArray(), createGraph: true, allowUnused: true)
                : new Tensor?[wrt.Length];
            var flat = grads.Select((g, k) => (g ?? Tensor.ZerosLike(xs[wrt[k]])).Reshape(-1)).ToArray();
            return flat.Length == 1 ? flat[0] : Tensor.Cat(flat, 0);
        }

        return Run(Op, FirstDerivatives, inputs, eps, atol, rtol);
    }

    private static GradCheckResult Run(string op, Func<Tensor[], Tensor> func, Tensor[] inputs, double eps, double atol, double rtol)
    {
        Validate(op, func, inputs, eps, atol, rtol);
        var analytic = AnalyticJacobian(op, func, inputs, out var outputShape);
        var numeric = NumericJacobian(op, func, inputs, outputShape, eps);
        return Compare(op, inputs, outputShape, analytic, numeric, atol, rtol);
    }

    private static void Validate(string op, Func<Tensor[], Tensor> func, Tensor[] inputs, double eps, double atol, double rtol)
    {
        ArgumentNullException.ThrowIfNull(func);
        ArgumentNullException.ThrowIfNull(inputs);
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"{op}: eps must be positive, got {eps}.");
        if (!(atol >= 0)) throw new ArgumentOutOfRangeException(nameof(atol), $"{op}: atol must be non-negative, got {atol}.");
        if (!(rtol >= 0)) throw new ArgumentOutOfRangeException(nameof(rtol), $"{op}: rtol must be non-negative, got {rtol}.");
        bool any = false;
        for (int i = 0; i < inputs.Length; i++)
        {
            var t = inputs[i];
            if (t.DType == DType.Float32)
                throw new ArgumentException($"{op}: input {i} ({ShapeUtil.Describe(t)}) must be float64; finite differences in float32 are too inexact to check gradients.");
            if (!t.RequiresGrad) continue;
            any = true;
            if (!t.IsLeaf)
                throw new ArgumentException($"{op}: input {i} ({ShapeUtil.Describe(t)}) was computed by {t.GradFn}; pass leaves and make views inside the function.");
            for (int d = 0; d < t.Rank; d++)
            {
                if (t.Strides[d] == 0 && t.Shape[d] > 1)
                    throw new ArgumentException($"{op}: input {i} ({ShapeUtil.Describe(t)}) is an expanded view whose elements share memory, so they cannot be perturbed one at a time; expand inside the function.");
            }
        }
        if (!any) throw new ArgumentException($"{op}: no input requires grad, so there is nothing to check.");
    }

    private static void CheckOutput(string op, Tensor output)
    {
        if (output.DType != DType.Float64)
            throw new InvalidOperationException($"{op}: the function returned {ShapeUtil.Describe(output)}; it must return float64.");
    }

    /// <summary>For each input that requires grad, J[k·m + j] = ∂output[j]/∂input[k] in row-major order (m output elements); null for other inputs.</summary>
    private static double[]?[] AnalyticJacobian(string op, Func<Tensor[], Tensor> func, Tensor[] inputs, out int[] outputShape)
    {
        Tensor output;
        using (Autograd.EnableGrad()) output = func(inputs);
        CheckOutput(op, output);
        outputShape = output.Shape.ToArray();
        int m = output.Numel;
        var wrt = Enumerable.Range(0, inputs.Length).Where(i => inputs[i].RequiresGrad).ToArray();
        var jacobian = new double[]?[inputs.Length];
        foreach (int i in wrt) jacobian[i] = new double[inputs[i].Numel * m];
        if (!output.RequiresGrad) return jacobian;

        var wrtTensors = wrt.Select(i => inputs[i]).ToArray();
        for (int j = 0; j < m; j++)
        {
            var oneHot = Tensor.Zeros(outputShape, DType.Float64);
            oneHot.SetFromDouble(j, 1);
            var grads = Autograd.Grad([output], wrtTensors, [oneHot], retainGraph: true, allowUnused: true);
            for (int w = 0; w < wrt.Length; w++)
            {
                var g = grads[w];
                if (g is null) continue;
                var input = inputs[wrt[w]];
                if (!ShapeUtil.SameShape(g.ShapeSpan, input.ShapeSpan) || g.DType != input.DType)
                    throw new InvalidOperationException($"{op}: backward returned a gradient of {ShapeUtil.Describe(g)} for input {wrt[w]} ({ShapeUtil.Describe(input)}).");
                var values = g.ToDoubleArray();
                var column = jacobian[wrt[w]]!;
                for (int k = 0; k < values.Length; k++) column[k * m + j] = values[k];
            }
        }
        return jacobian;
    }

    private static double[]?[] NumericJacobian(string op, Func<Tensor[], Tensor> func, Tensor[] inputs, int[] outputShape, double eps)
    {
        int m = ShapeUtil.Numel(outputShape);
        var jacobian = new double[]?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var t = inputs[i];
            if (!t.RequiresGrad) continue;
            var column = jacobian[i] = new double[t.Numel * m];
            var index = new int[t.Rank];
            for (int k = 0; k < t.Numel; k++)
            {
                int position = t.StorageIndex(index);
                double original = t.GetAsDouble(position);
                double[] plus, minus;
                try
                {
                    t.SetFromDouble(position, original + eps);
                    plus = Evaluate(op, func, inputs, outputShape);
                    t.SetFromDouble(position, original - eps);
                    minus = Evaluate(op, func, inputs, outputShape);
                }
                finally
                {
                    t.SetFromDouble(position, original);
                }
                for (int j = 0; j < m; j++) column[k * m + j] = (plus[j] - minus[j]) / (2 * eps);
                Increment(index, t.Shape);
            }
        }
        return jacobian;
    }

    private static double[] Evaluate(string op, Func<Tensor[], Tensor> func, Tensor[] inputs, int[] outputShape)
    {
        var output = func(inputs);
        CheckOutput(op, output);
        if (!ShapeUtil.SameShape(output.ShapeSpan, outputShape))
            throw new InvalidOperationException($"{op}: the function returned shape {ShapeUtil.Describe(output)} for perturbed inputs but {ShapeUtil.Format(outputShape)} at the inputs.");
        return output.ToDoubleArray();
    }

    private static GradCheckResult Compare(string op, Tensor[] inputs, int[] outputShape, double[]?[] analytic, double[]?[] numeric, double atol, double rtol)
    {
        int m = ShapeUtil.Numel(outputShape);
        double maxError = 0, worstRatio = -1;
        int worstInput = -1, worstK = 0, worstJ = 0, failures = 0, entries = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (analytic[i] is not { } a || numeric[i] is not { } n) continue;
            for (int e = 0; e < a.Length; e++)
            {
                entries++;
                double error = Math.Abs(a[e] - n[e]);
                double tolerance = atol + rtol * Math.Abs(n[e]);
                double ratio = error == 0 ? 0 : double.IsNaN(error) ? double.PositiveInfinity : error / tolerance;
                maxError = Math.Max(maxError, error);
                if (ratio > 1) failures++;
                if (ratio > worstRatio)
                {
                    (worstRatio, worstInput, worstK, worstJ) = (ratio, i, e / m, e % m);
                }
            }
        }
        if (worstInput < 0)
            throw new ArgumentException($"{op}: the output ({ShapeUtil.Format(outputShape)}) or every input that requires grad is empty, so there is nothing to compare.");
        int worstEntry = worstK * m + worstJ;
        return new GradCheckResult
        {
            Check = op,
            Passed = failures == 0,
            MaxAbsError = maxError,
            Entries = entries,
            Failures = failures,
            InputIndex = worstInput,
            InputElement = Unravel(worstK, inputs[worstInput].Shape),
            OutputElement = Unravel(worstJ, outputShape),
            Analytic = analytic[worstInput]![worstEntry],
            Numeric = numeric[worstInput]![worstEntry],
            Atol = atol,
            Rtol = rtol,
        };
    }

    private static void Increment(int[] index, IReadOnlyList<int> shape)
    {
        for (int d = index.Length - 1; d >= 0; d--)
        {
            if (++index[d] < shape[d]) return;
            index[d] = 0;
        }
    }

    private static int[] Unravel(int flat, IReadOnlyList<int> shape)
    {
        var index = new int[shape.Count];
        for (int d = shape.Count - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return index;
    }
}

/// <summary>
/// The outcome of <see cref="GradCheck.Check"/> or <see cref="GradCheck.CheckSecondOrder"/>: whether every
/// Jacobian entry passed, and the entry furthest outside its tolerance (the largest
/// |analytic − numeric| / (atol + rtol·|numeric|)), which is the one to look at when the check fails.
/// </summary>
public sealed record GradCheckResult
{
    /// <summary>Which check produced this result.</summary>
    public required string Check { get; init; }

    /// <summary>True when every entry is within atol + rtol·|numeric|.</summary>
    public required bool Passed { get; init; }

    /// <summary>The largest |analytic − numeric| over all entries (NaN if any entry is NaN).</summary>
    public required double MaxAbsError { get; init; }

    /// <summary>The number of Jacobian entries compared.</summary>
    public required int Entries { get; init; }

    /// <summary>The number of entries outside their tolerance.</summary>
    public required int Failures { get; init; }

    /// <summary>The position in the inputs array of the input of the worst entry.</summary>
    public required int InputIndex { get; init; }

    /// <summary>The multi-index, within that input, of the element of the worst entry.</summary>
    public required IReadOnlyList<int> InputElement { get; init; }

    /// <summary>The multi-index, within the output, of the element of the worst entry.</summary>
    public required IReadOnlyList<int> OutputElement { get; init; }

    /// <summary>∂output[OutputElement] / ∂input[InputElement] by backpropagation.</summary>
    public required double Analytic { get; init; }

    /// <summary>∂output[OutputElement] / ∂input[InputElement] by central finite differences.</summary>
    public required double Numeric { get; init; }

    /// <summary>The absolute tolerance used.</summary>
    public required double Atol { get; init; }

    /// <summary>The relative tolerance used.</summary>
    public required double Rtol { get; init; }

    /// <summary>A one-paragraph account: passed or failed, the worst entry with both values, and the tolerance.</summary>
    public string Message
    {
        get
        {
            var c = CultureInfo.InvariantCulture;
            string entry = string.Create(c,
                $"d output[{string.Join(", ", OutputElement)}] / d input {InputIndex}[{string.Join(", ", InputElement)}]: " +
                $"analytic {Analytic:g10}, numeric {Numeric:g10}, |error| {Math.Abs(Analytic - Numeric):g3} vs tolerance {Atol + Rtol * Math.Abs(Numeric):g3} (atol {Atol:g3} + rtol {Rtol:g3}·|numeric|)");
            return Passed
                ? string.Create(c, $"{Check} passed: {Entries} Jacobian entries, max |error| {MaxAbsError:g3}; worst entry {entry}.")
                : string.Create(c, $"{Check} failed: {Failures} of {Entries} Jacobian entries outside tolerance, max |error| {MaxAbsError:g3}; worst entry {entry}.");
        }
    }

    /// <summary>The same text as <see cref="Message"/>.</summary>
    public override string ToString() => Message;

    /// <summary>Throws an <see cref="InvalidOperationException"/> carrying <see cref="Message"/> when the check failed.</summary>
    public void ThrowIfFailed()
    {
        if (!Passed) throw new InvalidOperationException(Message);
    }
}
