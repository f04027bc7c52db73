namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>x for x &gt; 0, slope·x otherwise.</summary>
    public Tensor LeakyRelu(double negativeSlope = 0.01)
    {
        RequireFloat("LeakyRelu");
        return Where(Gt(0.0), this, this * negativeSlope);
    }

    /// <summary>α(eˣ − 1) for x ≤ 0, x otherwise (NaN included, as in PyTorch).</summary>
    public Tensor Elu(double alpha = 1.0)
    {
        RequireFloat("Elu");
        var nonPositive = Le(0.0);
        // The exponential sees min(x, 0): e^x of the branch not taken would overflow, and Where's backward would
        // multiply its zero gradient by ∞.
        var negative = Where(nonPositive, this, ScalarLike(0));
        return Where(nonPositive, (negative.Exp() - 1.0) * alpha, this);
    }

    /// <summary>
    /// The GELU: x·Φ(x) = ½x(1 + erf(x/√2)) exactly (<paramref name="approximate"/> "none"), or PyTorch's tanh
    /// approximation ½x(1 + tanh(√(2/π)·(x + 0.044715·x³))) ("tanh").
    /// </summary>
    /// <param name="approximate">"none" or "tanh".</param>
    public Tensor Gelu(string approximate = "none")
    {
        RequireFloat("Gelu");
        return GeluOf(approximate);
    }

    private Tensor GeluOf(string approximate) => approximate switch
    {
        "none" => this * 0.5 * ((this * (1 / Math.Sqrt(2))).Erf() + 1.0),
        "tanh" => this * 0.5 * (((this + (this * this * this * 0.044715)) * Math.Sqrt(2 / Math.PI)).Tanh() + 1.0),
        _ => throw new ArgumentException($"Gelu: approximate must be \"none\" or \"tanh\", got \"{approximate}\" (input {ShapeUtil.Describe(this)}).", nameof(approximate)),
    };

    /// <summary>
    /// (1/β)·log(1 + e^(βx)), computed so that it never overflows; reverts to x where βx &gt; threshold, as in PyTorch.
    /// </summary>
    public Tensor Softplus(double beta = 1, double threshold = 20)
    {
        RequireFloat("Softplus");
        var bx = beta == 1 ? this : this * beta;
        var smooth = bx.LogOnePlusExp();
        if (beta != 1) smooth = smooth / beta;
        return Where(bx.Gt(threshold), this, smooth);
    }

    /// <summary>x·σ(x) (also called swish).</summary>
    public Tensor Silu()
    {
        RequireFloat("Silu");
        return this * Sigmoid();
    }
}
