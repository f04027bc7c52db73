using Nabla.Kernels;

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

    /// <summary>a &amp; b: <see cref="BitwiseAnd(Tensor)"/> (logical and on Bool tensors).</summary>
    public static Tensor operator &(Tensor a, Tensor b) => NotNull(a).BitwiseAnd(b);
    /// <summary>a &amp; s for an integer or Bool tensor.</summary>
    public static Tensor operator &(Tensor a, long s) => NotNull(a).BitwiseAnd(s);
    /// <summary>a | b: <see cref="BitwiseOr(Tensor)"/> (logical or on Bool tensors).</summary>
    public static Tensor operator |(Tensor a, Tensor b) => NotNull(a).BitwiseOr(b);
    /// <summary>a | s for an integer or Bool tensor.</summary>
    public static Tensor operator |(Tensor a, long s) => NotNull(a).BitwiseOr(s);
    /// <summary>a ^ b: <see cref="BitwiseXor(Tensor)"/> (logical exclusive or on Bool tensors).</summary>
    public static Tensor operator ^(Tensor a, Tensor b) => NotNull(a).BitwiseXor(b);
    /// <summary>a ^ s for an integer or Bool tensor.</summary>
    public static Tensor operator ^(Tensor a, long s) => NotNull(a).BitwiseXor(s);
    /// <summary>~a: <see cref="BitwiseNot"/> (logical not on a Bool tensor).</summary>
    public static Tensor operator ~(Tensor a) => NotNull(a).BitwiseNot();
    /// <summary>Logical not of a Bool tensor.</summary>
    public static Tensor operator !(Tensor a) => RequireBool("!", a, a).LogicalNot();
    /// <summary>a &lt;&lt; b: <see cref="BitwiseLeftShift(Tensor)"/>.</summary>
    public static Tensor operator <<(Tensor a, Tensor b) => NotNull(a).BitwiseLeftShift(b);
    /// <summary>a &lt;&lt; s: <see cref="BitwiseLeftShift(long)"/>.</summary>
    public static Tensor operator <<(Tensor a, int s) => NotNull(a).BitwiseLeftShift(s);
    /// <summary>a &gt;&gt; b: <see cref="BitwiseRightShift(Tensor)"/>.</summary>
    public static Tensor operator >>(Tensor a, Tensor b) => NotNull(a).BitwiseRightShift(b);
    /// <summary>a &gt;&gt; s: <see cref="BitwiseRightShift(long)"/>.</summary>
    public static Tensor operator >>(Tensor a, int s) => NotNull(a).BitwiseRightShift(s);

    /// <summary>
    /// Bit-by-bit and of two integer or Bool tensors, broadcasting, in PyTorch's promoted dtype, like
    /// <c>torch.bitwise_and</c>: uint8 &amp; int32 is int32, Bool with Bool is logical and; float tensors are refused.
    /// </summary>
    public Tensor BitwiseAnd(Tensor other) => Bitwise<BitwiseAndOperator<long>>("BitwiseAnd", this, other);

    /// <summary>Bit-by-bit and with an integer, like <c>torch.bitwise_and(x, s)</c>.</summary>
    public Tensor BitwiseAnd(long other) => BitwiseAnd(IntegerLike(other));

    /// <summary>Bit-by-bit or of two integer or Bool tensors, broadcasting, like <c>torch.bitwise_or</c>.</summary>
    public Tensor BitwiseOr(Tensor other) => Bitwise<BitwiseOrOperator<long>>("BitwiseOr", this, other);

    /// <summary>Bit-by-bit or with an integer, like <c>torch.bitwise_or(x, s)</c>.</summary>
    public Tensor BitwiseOr(long other) => BitwiseOr(IntegerLike(other));

    /// <summary>Bit-by-bit exclusive or of two integer or Bool tensors, broadcasting, like <c>torch.bitwise_xor</c>.</summary>
    public Tensor BitwiseXor(Tensor other) => Bitwise<BitwiseXorOperator<long>>("BitwiseXor", this, other);

    /// <summary>Bit-by-bit exclusive or with an integer, like <c>torch.bitwise_xor(x, s)</c>.</summary>
    public Tensor BitwiseXor(long other) => BitwiseXor(IntegerLike(other));

    /// <summary>
    /// a · 2ᵇ as a bit shift of two integer tensors, broadcasting, like <c>torch.bitwise_left_shift</c> in PyTorch 1.13:
    /// the count is taken modulo the width of the computation (64 bits for int64, 32 for int32 and uint8, which C
    /// widens to int), and uint8 and int32 results wrap around.
    /// </summary>
    public Tensor BitwiseLeftShift(Tensor other) => Bitwise<ShiftLeftOperator>("BitwiseLeftShift", this, other);

    /// <summary>A left shift by an integer count, like <c>torch.bitwise_left_shift(x, s)</c>.</summary>
    public Tensor BitwiseLeftShift(long other) => BitwiseLeftShift(IntegerLike(other));

    /// <summary>
    /// An arithmetic right shift (the sign bit copied in) of two integer tensors, broadcasting, like
    /// <c>torch.bitwise_right_shift</c> in PyTorch 1.13, the count taken modulo the computation's width as for
    /// <see cref="BitwiseLeftShift(Tensor)"/>.
    /// </summary>
    public Tensor BitwiseRightShift(Tensor other) => Bitwise<ShiftRightOperator>("BitwiseRightShift", this, other);

    /// <summary>A right shift by an integer count, like <c>torch.bitwise_right_shift(x, s)</c>.</summary>
    public Tensor BitwiseRightShift(long other) => BitwiseRightShift(IntegerLike(other));

    /// <summary>Bit-by-bit not of an integer tensor (−x − 1 for signed dtypes, 255 − x for uint8), logical not of a Bool tensor, like <c>torch.bitwise_not</c>.</summary>
    public Tensor BitwiseNot()
    {
        RequireInteger("BitwiseNot", this, this);
        return DType == DType.Bool ? LogicalNot() : BitwiseXor(-1);
    }

    /// <summary>An integer scalar as a 0-d tensor of this tensor's dtype (int64 beside Bool), as PyTorch wraps a Python int.</summary>
    private Tensor IntegerLike(long value) => Scalar(value, DType.IsInteger() ? DType : DType.Int64);

    private static Tensor Bitwise<TL>(string op, Tensor a, Tensor b) where TL : IBinaryOperator<long>
    {
        RequireInteger(op, a, b);
        var shape = ResultShape(op, a, b);
        (a, b) = Promote(a, b);
        bool shift = typeof(TL) == typeof(ShiftLeftOperator) || typeof(TL) == typeof(ShiftRightOperator);
        if (a.DType == DType.Bool && !shift)
        {
            return op switch
            {
                "BitwiseAnd" => a.LogicalAnd(b),
                "BitwiseOr" => a.LogicalOr(b),
                _ => a.LogicalXor(b),
            };
        }
        var dtype = a.DType == DType.Bool ? DType.Int64 : a.DType;
        var count = b.To(DType.Int64);
        // C shifts a uint8 or int32 as a 32-bit int, so the count is taken modulo 32 there.
        if (shift && dtype != DType.Int64) count = count.BitwiseAnd(31L);
        var wide = Dispatch.Elementwise.BinaryInt64<TL>(a.To(DType.Int64), shift ? count : b.To(DType.Int64), shape);
        return Dispatch.Elementwise.Cast(wide, dtype);
    }

    private static void RequireInteger(string op, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!(a.DType.IsInteger() || a.DType == DType.Bool) || !(b.DType.IsInteger() || b.DType == DType.Bool))
        {
            throw new NotSupportedException(
                $"{op}: defined for integer and bool tensors, got {ShapeUtil.Describe(a)} and {ShapeUtil.Describe(b)}; " +
                "compare first (x > 0) or use LogicalAnd, LogicalOr, LogicalXor or LogicalNot, which take any dtype.");
        }
    }

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
