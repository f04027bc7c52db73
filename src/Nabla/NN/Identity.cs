namespace Nabla.NN;

/// <summary>Returns its input unchanged; a placeholder where an architecture optionally has a layer.</summary>
public sealed class Identity : Module
{
    /// <summary>The input itself.</summary>
    /// <param name="input">Any tensor.</param>
    public override Tensor Forward(Tensor input) => input;
}
