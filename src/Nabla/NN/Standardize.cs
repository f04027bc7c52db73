using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// Scales each feature to zero mean and unit standard deviation with statistics learned from the training inputs:
/// y = (x − mean) / std, over an (N, F) input (or any input whose last dim is F). The statistics are buffers
/// (<c>mean</c> and <c>std</c>, both (F)), not parameters, so a model that starts with this layer carries its input
/// scaling in its state dict and scales new inputs the same way after loading:
/// <code>
/// var model = new Sequential(("standardize", new Standardize(features)), ("fc", new Linear(features, classes)));
/// ((Standardize)model[0]).Fit(xTrain);
/// </code>
/// Until <see cref="Fit"/> is called the layer is the identity (mean 0, std 1).
/// </summary>
public sealed class Standardize : Module
{
    /// <summary>Standard deviations at or below this are those of a constant feature, which keeps std 1.</summary>
    private const double ConstantStd = 1e-12;

    /// <summary>Creates the layer with mean 0 and std 1 for every feature.</summary>
    /// <param name="features">The number of features F, &gt; 0.</param>
    /// <param name="dtype">The statistics' dtype.</param>
    public Standardize(int features, DType dtype = DType.Float32)
    {
        if (features <= 0) throw new ArgumentOutOfRangeException(nameof(features), features, $"Standardize: features must be positive, got {features}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"Standardize: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
        Features = features;
        RegisterBuffer("mean", Tensor.Zeros([features], dtype));
        RegisterBuffer("std", Tensor.Ones([features], dtype));
    }

    /// <summary>The number of features F.</summary>
    public int Features { get; }

    /// <summary>The per-feature mean subtracted, (F).</summary>
    public Tensor Mean => GetBuffer("mean");

    /// <summary>The per-feature standard deviation divided by, (F).</summary>
    public Tensor Std => GetBuffer("std");

    /// <summary>
    /// Sets the statistics from the training inputs: the mean and the population standard deviation (divisor N) of
    /// each column. A constant feature keeps std 1, so it maps to 0 instead of dividing by zero.
    /// </summary>
    /// <param name="x">The training inputs, (N, F) with N ≥ 1, of any floating-point dtype.</param>
    public void Fit(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 2 || x.Shape[1] != Features || x.Shape[0] == 0)
            throw new ArgumentException($"Standardize.Fit: expected a non-empty (N, {Features}) input, got {ShapeUtil.Describe(x)}.", nameof(x));
        using var noGrad = Autograd.NoGrad();
        var mean = x.To(Mean.DType).Mean(0);
        var std = x.To(Std.DType).Std([0], correction: 0);
        Mean.CopyFrom(mean);
        Std.CopyFrom(Tensor.Where(std.Gt(ConstantStd), std, Tensor.OnesLike(std)));
    }

    /// <summary>The standardized input.</summary>
    /// <param name="input">The input, (*, F).</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank == 0 || input.Shape[^1] != Features)
            throw new ArgumentException($"Standardize: expected input (*, {Features}), got {ShapeUtil.Describe(input)}.", nameof(input));
        return (input - Mean) / Std;
    }

    /// <inheritdoc/>
    public override string ExtraRepr() => Features.ToString(CultureInfo.InvariantCulture);
}
