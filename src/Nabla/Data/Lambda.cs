namespace Nabla.Data;

/// <summary>A transform made from a function, like <c>torchvision.transforms.Lambda</c>.</summary>
public sealed class Lambda : ITransform
{
    private readonly Func<Tensor, Tensor> _function;

    /// <summary>Wraps <paramref name="function"/>, which maps one example to its transformed value.</summary>
    public Lambda(Func<Tensor, Tensor> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        _function = function;
    }

    /// <inheritdoc/>
    public Tensor Apply(Tensor input) => _function(input);
}
