namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>This tensor as a Bool tensor: nonzero (NaN included) is true, as PyTorch reads any dtype as a truth value.</summary>
    private Tensor Truth() => DType == DType.Bool ? this : Ne(0.0);

    /// <summary>Elementwise logical and of the truth values of both tensors, broadcasting; a Bool tensor (not differentiable).</summary>
    public Tensor LogicalAnd(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        using var _ = Autograd.NoGrad();
        return (Truth().To(DType.Int64) * other.Truth().To(DType.Int64)).Ne(0.0);
    }

    /// <summary>Elementwise logical or of the truth values of both tensors, broadcasting; a Bool tensor.</summary>
    public Tensor LogicalOr(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        using var _ = Autograd.NoGrad();
        return (Truth().To(DType.Int64) + other.Truth().To(DType.Int64)).Ne(0.0);
    }

    /// <summary>Elementwise logical exclusive or of the truth values of both tensors, broadcasting; a Bool tensor.</summary>
    public Tensor LogicalXor(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        using var _ = Autograd.NoGrad();
        return Truth().To(DType.Int64).Ne(other.Truth().To(DType.Int64));
    }

    /// <summary>Elementwise logical not: true where this tensor is zero; a Bool tensor.</summary>
    public Tensor LogicalNot()
    {
        using var _ = Autograd.NoGrad();
        return Truth().To(DType.Int64).Eq(0.0);
    }

    /// <summary>True where the element is NaN (never for integer and bool tensors).</summary>
    public Tensor IsNan()
    {
        using var _ = Autograd.NoGrad();
        return DType.IsFloatingPoint() ? Ne(this) : Zeros(ShapeArray, DType.Bool);
    }

    /// <summary>True where the element is +∞ or −∞.</summary>
    public Tensor IsInf()
    {
        using var _ = Autograd.NoGrad();
        return DType.IsFloatingPoint() ? Abs().Eq(double.PositiveInfinity) : Zeros(ShapeArray, DType.Bool);
    }

    /// <summary>True where the element is +∞.</summary>
    public Tensor IsPosInf()
    {
        using var _ = Autograd.NoGrad();
        return DType.IsFloatingPoint() ? Eq(double.PositiveInfinity) : Zeros(ShapeArray, DType.Bool);
    }

    /// <summary>True where the element is −∞.</summary>
    public Tensor IsNegInf()
    {
        using var _ = Autograd.NoGrad();
        return DType.IsFloatingPoint() ? Eq(double.NegativeInfinity) : Zeros(ShapeArray, DType.Bool);
    }

    /// <summary>True where the element is neither NaN nor infinite (always for integer and bool tensors).</summary>
    public Tensor IsFinite()
    {
        using var _ = Autograd.NoGrad();
        return DType.IsFloatingPoint() ? (this - this).Eq(0.0) : Ones(ShapeArray, DType.Bool);
    }

    /// <summary>A 0-d Bool tensor: whether any element is nonzero (false for an empty tensor).</summary>
    public Tensor Any()
    {
        using var _ = Autograd.NoGrad();
        return Truth().Sum().Gt(0.0);
    }

    /// <summary>Whether any element along <paramref name="dim"/> is nonzero, as a Bool tensor.</summary>
    public Tensor Any(int dim, bool keepDim = false)
    {
        using var _ = Autograd.NoGrad();
        return Truth().Sum(dim, keepDim).Gt(0.0);
    }

    /// <summary>A 0-d Bool tensor: whether every element is nonzero (true for an empty tensor).</summary>
    public Tensor All()
    {
        using var _ = Autograd.NoGrad();
        return LogicalNot().Sum().Eq(0.0);
    }

    /// <summary>Whether every element along <paramref name="dim"/> is nonzero, as a Bool tensor.</summary>
    public Tensor All(int dim, bool keepDim = false)
    {
        using var _ = Autograd.NoGrad();
        return LogicalNot().Sum(dim, keepDim).Eq(0.0);
    }

    /// <summary>a &lt; b elementwise, broadcasting: a Bool tensor.</summary>
    public static Tensor operator <(Tensor a, Tensor b) => NotNull(a).Lt(b);
    /// <summary>a &gt; b elementwise, broadcasting: a Bool tensor.</summary>
    public static Tensor operator >(Tensor a, Tensor b) => NotNull(a).Gt(b);
    /// <summary>a ≤ b elementwise, broadcasting: a Bool tensor.</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => NotNull(a).Le(b);
    /// <summary>a ≥ b elementwise, broadcasting: a Bool tensor.</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => NotNull(a).Ge(b);
    /// <summary>a &lt; s elementwise: a Bool tensor.</summary>
    public static Tensor operator <(Tensor a, double s) => NotNull(a).Lt(s);
    /// <summary>a &gt; s elementwise: a Bool tensor.</summary>
    public static Tensor operator >(Tensor a, double s) => NotNull(a).Gt(s);
    /// <summary>a ≤ s elementwise: a Bool tensor.</summary>
    public static Tensor operator <=(Tensor a, double s) => NotNull(a).Le(s);
    /// <summary>a ≥ s elementwise: a Bool tensor.</summary>
    public static Tensor operator >=(Tensor a, double s) => NotNull(a).Ge(s);
    /// <summary>s &lt; a elementwise: a Bool tensor.</summary>
    public static Tensor operator <(double s, Tensor a) => NotNull(a).Gt(s);
    /// <summary>s &gt; a elementwise: a Bool tensor.</summary>
    public static Tensor operator >(double s, Tensor a) => NotNull(a).Lt(s);
    /// <summary>s ≤ a elementwise: a Bool tensor.</summary>
    public static Tensor operator <=(double s, Tensor a) => NotNull(a).Ge(s);
    /// <summary>s ≥ a elementwise: a Bool tensor.</summary>
    public static Tensor operator >=(double s, Tensor a) => NotNull(a).Le(s);

    /// <summary>Logical and of two Bool tensors (PyTorch's <c>&amp;</c> on bool tensors).</summary>
    public static Tensor operator &(Tensor a, Tensor b) => RequireBool("&", a, b).LogicalAnd(b);
    /// <summary>Logical or of two Bool tensors (PyTorch's <c>|</c> on bool tensors).</summary>
    public static Tensor operator |(Tensor a, Tensor b) => RequireBool("|", a, b).LogicalOr(b);
    /// <summary>Logical exclusive or of two Bool tensors (PyTorch's <c>^</c> on bool tensors).</summary>
    public static Tensor operator ^(Tensor a, Tensor b) => RequireBool("^", a, b).LogicalXor(b);
    /// <summary>Logical not of a Bool tensor (PyTorch's <c>~</c> on a bool tensor).</summary>
    public static Tensor operator ~(Tensor a) => RequireBool("~", a, a).LogicalNot();
    /// <summary>Logical not of a Bool tensor.</summary>
    public static Tensor operator !(Tensor a) => RequireBool("!", a, a).LogicalNot();

    private static Tensor NotNull(Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a;
    }

    private static Tensor RequireBool(string op, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.DType != DType.Bool || b.DType != DType.Bool)
        {
            throw new NotSupportedException(
                $"operator {op}: defined for bool tensors, got {ShapeUtil.Describe(a)} and {ShapeUtil.Describe(b)}; " +
                "compare first (x > 0) or use LogicalAnd, LogicalOr, LogicalXor or LogicalNot, which take any dtype.");
        }
        return a;
    }
}
