using System.Text.Json.Serialization;

namespace Nabla.Optim;

/// <summary>
/// The hyper-parameters of one parameter group, the counterpart of the option entries of a
/// <c>torch.optim</c> param-group dict. Every optimizer has its own record deriving from this one
/// (<see cref="SGDOptions"/>, <see cref="AdamOptions"/>, ...; <see cref="AdamWOptions"/> derives from
/// Adam's), so a group's options are typed and can be changed with a <c>with</c> expression. The records serialise to JSON with System.Text.Json;
/// the <c>optimizer</c> property tells the derived type.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "optimizer")]
[JsonDerivedType(typeof(SGDOptions), "SGD")]
[JsonDerivedType(typeof(AdamOptions), "Adam")]
[JsonDerivedType(typeof(AdamWOptions), "AdamW")]
[JsonDerivedType(typeof(RMSpropOptions), "RMSprop")]
[JsonDerivedType(typeof(AdagradOptions), "Adagrad")]
[JsonDerivedType(typeof(AdadeltaOptions), "Adadelta")]
[JsonDerivedType(typeof(AdamaxOptions), "Adamax")]
[JsonDerivedType(typeof(NAdamOptions), "NAdam")]
[JsonDerivedType(typeof(RAdamOptions), "RAdam")]
[JsonDerivedType(typeof(LBFGSOptions), "LBFGS")]
public abstract record OptimizerOptions
{
    /// <summary>The learning rate γ (PyTorch's <c>lr</c>); at least 0.</summary>
    public double LearningRate { get; init; }

    /// <summary>The weight-decay coefficient λ (PyTorch's <c>weight_decay</c>); at least 0.</summary>
    public double WeightDecay { get; init; }

    /// <summary>The optimizer's name for messages: the record's type name without its <c>Options</c> suffix.</summary>
    protected string OptimizerName => GetType().Name is var name && name.EndsWith("Options", StringComparison.Ordinal) ? name[..^"Options".Length] : GetType().Name;

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming the optimizer, the argument and its value when a
    /// hyper-parameter is out of range. Overrides check their own options after calling the base.
    /// </summary>
    public virtual void Validate()
    {
        RequireNonNegative(LearningRate, "lr", "learning rate");
        RequireNonNegative(WeightDecay, "weightDecay", "weight_decay value");
    }

    /// <summary>Throws unless <paramref name="value"/> is a finite number at least 0.</summary>
    protected void RequireNonNegative(double value, string argument, string what)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentException($"{OptimizerName}: Invalid {what}: {value} ({argument} must be a finite number >= 0).", argument);
    }

    /// <summary>Throws unless <paramref name="value"/> is a finite number greater than 0.</summary>
    protected void RequirePositive(double value, string argument, string what)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentException($"{OptimizerName}: Invalid {what}: {value} ({argument} must be a finite number > 0).", argument);
    }

    /// <summary>Throws unless 0 ≤ <paramref name="value"/> &lt; 1, the range of an exponential-average coefficient.</summary>
    protected void RequireUnitInterval(double value, string argument, string what)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentException($"{OptimizerName}: Invalid {what}: {value} ({argument} must be in [0, 1)).", argument);
    }

    /// <summary>
    /// The coefficient that OneCycleLR and CyclicLR cycle inversely to the learning rate: <c>momentum</c>
    /// for SGD and RMSprop, β₁ for Adam and AdamW; null when the optimizer has none.
    /// </summary>
    internal virtual double? CycledMomentum => null;

    /// <summary>A copy of these options with the cycled coefficient replaced.</summary>
    internal virtual OptimizerOptions WithCycledMomentum(double value) =>
        throw new NotSupportedException($"{OptimizerName} has no momentum coefficient to cycle.");
}
