using System.Globalization;

namespace Nabla.NN;

/// <summary>The cosine similarity of two inputs along a dim (see <see cref="Functional.CosineSimilarity"/>).</summary>
/// <param name="dim">The dim holding the vectors.</param>
/// <param name="eps">The floor of each norm.</param>
public sealed class CosineSimilarity(int dim = 1, double eps = 1e-8) : Module
{
    /// <summary>The dim holding the vectors.</summary>
    public int Dim { get; } = dim;

    /// <summary>The floor of each norm.</summary>
    public double Eps { get; } = eps;

    /// <summary>The similarity of <paramref name="x1"/> and <paramref name="x2"/>.</summary>
    /// <param name="x1">The first input.</param>
    /// <param name="x2">The second input, broadcastable with the first.</param>
    public Tensor Forward(Tensor x1, Tensor x2) => Functional.CosineSimilarity(x1, x2, Dim, Eps);

    /// <summary>Not supported: the similarity needs two inputs.</summary>
    /// <param name="input">Unused.</param>
    public override Tensor Forward(Tensor input) => throw new NotSupportedException($"{TypeName} takes two inputs; call Forward(x1, x2).");

    /// <summary>Calls <see cref="Forward(Tensor, Tensor)"/> with exactly two inputs.</summary>
    /// <param name="inputs">The two inputs.</param>
    public override Tensor Forward(params Tensor[] inputs) => TwoInputs(this, inputs, Forward);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"dim={Dim}, eps={PyRepr.Float(Eps)}");

    internal static Tensor TwoInputs(Module module, Tensor[] inputs, Func<Tensor, Tensor, Tensor> forward)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != 2)
            throw new ArgumentException($"{module.GetType().Name}.Forward: expected 2 inputs (x1, x2), got {inputs.Length}.", nameof(inputs));
        return forward(inputs[0], inputs[1]);
    }
}

/// <summary>The p-norm distance between the rows of two inputs (see <see cref="Functional.PairwiseDistance"/>).</summary>
/// <param name="p">The norm degree.</param>
/// <param name="eps">Added to the difference.</param>
/// <param name="keepDim">Keep the reduced dim as size 1.</param>
public sealed class PairwiseDistance(double p = 2, double eps = 1e-6, bool keepDim = false) : Module
{
    /// <summary>The norm degree.</summary>
    public double P { get; } = p;

    /// <summary>Added to the difference.</summary>
    public double Eps { get; } = eps;

    /// <summary>Whether the reduced dim is kept.</summary>
    public bool KeepDim { get; } = keepDim;

    /// <summary>The distance between <paramref name="x1"/> and <paramref name="x2"/>.</summary>
    /// <param name="x1">The first input, (*, D).</param>
    /// <param name="x2">The second input, broadcastable with the first.</param>
    public Tensor Forward(Tensor x1, Tensor x2) => Functional.PairwiseDistance(x1, x2, P, Eps, KeepDim);

    /// <summary>Not supported: the distance needs two inputs.</summary>
    /// <param name="input">Unused.</param>
    public override Tensor Forward(Tensor input) => throw new NotSupportedException($"{TypeName} takes two inputs; call Forward(x1, x2).");

    /// <summary>Calls <see cref="Forward(Tensor, Tensor)"/> with exactly two inputs.</summary>
    /// <param name="inputs">The two inputs.</param>
    public override Tensor Forward(params Tensor[] inputs) => CosineSimilarity.TwoInputs(this, inputs, Forward);

    /// <inheritdoc/>
    public override string ExtraRepr() => $"p={PyRepr.Float(P)}, eps={PyRepr.Float(Eps)}" + (KeepDim ? ", keepdim=True" : "");
}
