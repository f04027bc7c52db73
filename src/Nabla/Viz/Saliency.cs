namespace Nabla.Viz;

/// <summary>
/// Attributions of a classifier's class score to its input, by backpropagation (as Captum's <c>Saliency</c>,
/// <c>NoiseTunnel</c> and <c>IntegratedGradients</c> compute them): the plain gradient, SmoothGrad and integrated
/// gradients. <c>model</c> maps a batch (N, …) to scores (N, C), the score of class <c>target</c> being column
/// <c>target</c> (a logit, before softmax); it must treat the examples of a batch independently (a module in evaluation
/// mode). <c>input</c> is a batch of one example, (1, …), and every method returns a tensor of its shape.
/// </summary>
public static class Saliency
{
    /// <summary>
    /// The gradient of the target's score with respect to the input (Simonyan et al., 2014): signed, so for a linear
    /// model it is the target's weight row.
    /// </summary>
    /// <param name="model">The classifier, batch (N, …) to scores (N, C).</param>
    /// <param name="input">One example as a batch, (1, …), floating point.</param>
    /// <param name="target">The class whose score is explained.</param>
    public static Tensor Gradient(Func<Tensor, Tensor> model, Tensor input, int target)
    {
        Check("Gradient", model, input);
        return Gradients("Gradient", model, input, target);
    }

    /// <summary>
    /// SmoothGrad (Smilkov et al., 2017) on absolute gradients: the mean of |∂score/∂x| over <paramref name="samples"/>
    /// copies of the input with Gaussian noise of standard deviation σ = <paramref name="noiseLevel"/> · (max − min) of
    /// the input added.
    /// </summary>
    /// <param name="model">The classifier, batch (N, …) to scores (N, C).</param>
    /// <param name="input">One example as a batch, (1, …), floating point.</param>
    /// <param name="target">The class whose score is explained.</param>
    /// <param name="samples">The number of noisy copies.</param>
    /// <param name="noiseLevel">The noise's standard deviation as a fraction of the input's range.</param>
    /// <param name="generator">The noise's random numbers (default: the global generator).</param>
    public static Tensor SmoothGrad(Func<Tensor, Tensor> model, Tensor input, int target, int samples = 50, double noiseLevel = 0.15, Generator? generator = null)
    {
        Check("SmoothGrad", model, input);
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, $"SmoothGrad: samples must be at least 1, got {samples}.");
        if (!(noiseLevel >= 0) || !double.IsFinite(noiseLevel))
            throw new ArgumentOutOfRangeException(nameof(noiseLevel), noiseLevel, $"SmoothGrad: noiseLevel must be finite and non-negative, got {noiseLevel}.");
        Tensor noisy;
        using (Autograd.NoGrad())
        {
            var x = input.Detach();
            double sigma = noiseLevel * (x.Max().Item() - x.Min().Item());
            int[] shape = [samples, .. x.Shape.ToArray()[1..]];
            noisy = x.Expand(shape) + Tensor.Randn(shape, x.DType, generator) * sigma;
        }
        var grads = Gradients("SmoothGrad", model, noisy, target);
        using (Autograd.NoGrad()) return grads.Abs().Mean(0, keepDim: true);
    }

    /// <summary>
    /// Integrated gradients (Sundararajan et al., 2017): (x − x′) times the integral over α ∈ [0, 1] of the gradient at
    /// x′ + α (x − x′), by Gauss–Legendre quadrature with <paramref name="steps"/> points (Captum's default method). The
    /// attributions sum to score(x) − score(x′) up to the quadrature error (completeness).
    /// </summary>
    /// <param name="model">The classifier, batch (N, …) to scores (N, C).</param>
    /// <param name="input">One example as a batch, (1, …), floating point.</param>
    /// <param name="target">The class whose score is explained.</param>
    /// <param name="baseline">The reference input x′ of the input's shape (default: zeros, a black image).</param>
    /// <param name="steps">The number of quadrature points.</param>
    public static Tensor IntegratedGradients(Func<Tensor, Tensor> model, Tensor input, int target, Tensor? baseline = null, int steps = 50)
    {
        const string Op = "IntegratedGradients";
        Check(Op, model, input);
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"{Op}: steps must be at least 1, got {steps}.");
        if (baseline is not null && !baseline.Shape.SequenceEqual(input.Shape))
            throw new ArgumentException($"{Op}: the baseline {ShapeUtil.Describe(baseline)} must have the input's shape {ShapeUtil.Describe(input)}.", nameof(baseline));
        var (alphas, weights) = GaussLegendre(steps);
        var rest = input.Shape.ToArray()[1..];
        int[] column = [steps, .. rest.Select(_ => 1)];
        Tensor x, start, difference, path;
        using (Autograd.NoGrad())
        {
            x = input.Detach();
            start = baseline is null ? Tensor.ZerosLike(x) : baseline.Detach().To(x.DType);
            difference = x - start;
            path = start + Tensor.FromArray(alphas, steps).To(x.DType).Reshape(column) * difference;
        }
        var grads = Gradients(Op, model, path, target);
        using (Autograd.NoGrad())
            return difference * (grads * Tensor.FromArray(weights, steps).To(x.DType).Reshape(column)).Sum(0, keepDim: true);
    }

    /// <summary>The nodes and weights of <paramref name="n"/>-point Gauss–Legendre quadrature on [0, 1].</summary>
    internal static (double[] Nodes, double[] Weights) GaussLegendre(int n)
    {
        var nodes = new double[n];
        var weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5)), derivative = 0;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                double p0 = 1, p1 = x;
                for (int k = 2; k <= n; k++) (p0, p1) = (p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k);
                derivative = n * (x * p1 - p0) / (x * x - 1);
                double step = p1 / derivative;
                x -= step;
                if (Math.Abs(step) < 1e-15) break;
            }
            // Ascending nodes in [0, 1].
            nodes[n - 1 - i] = (1 + x) / 2;
            weights[n - 1 - i] = 1 / ((1 - x * x) * derivative * derivative);
        }
        return (nodes, weights);
    }

    /// <summary>The gradient of the summed target scores of a batch with respect to the batch.</summary>
    private static Tensor Gradients(string op, Func<Tensor, Tensor> model, Tensor batch, int target)
    {
        using var enable = Autograd.EnableGrad();
        var x = batch.Detach().Contiguous().SetRequiresGrad();
        var output = model(x) ?? throw new InvalidOperationException($"{op}: the model returned null.");
        if (output.Rank != 2 || output.Shape[0] != x.Shape[0])
            throw new ArgumentException($"{op}: the model must map a batch of {x.Shape[0]} to scores (N, C), but it returned {ShapeUtil.Describe(output)}.", nameof(model));
        if (target < 0 || target >= output.Shape[1])
            throw new ArgumentOutOfRangeException(nameof(target), target, $"{op}: target {target} is not one of the model's {output.Shape[1]} classes (0 to {output.Shape[1] - 1}).");
        return Autograd.Grad(output.Narrow(1, target, 1).Sum(), x).Detach();
    }

    private static void Check(string op, Func<Tensor, Tensor> model, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 1 || input.Shape[0] != 1)
            throw new ArgumentException($"{op}: expected one example as a batch (1, …), got {ShapeUtil.Describe(input)}.", nameof(input));
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: the input must be floating point, got {ShapeUtil.Describe(input)}.", nameof(input));
    }
}
