using Nabla.Kernels;

namespace Nabla;

/// <summary>The everyday elementwise functions: rounding, sign, trigonometric and hyperbolic, logarithms, remainders.</summary>
public sealed partial class Tensor
{
    /// <summary>
    /// A rounding primitive (<see cref="UnaryDTypeRule.Rounding"/>): a float tensor is rounded, an integer tensor is
    /// already whole and comes back as a copy in its own dtype, and a bool tensor is refused, as in PyTorch.
    /// </summary>
    private Tensor Rounding<TKind, TF, TD>() where TKind : OpKind, new() where TF : IUnaryOperator<float> where TD : IUnaryOperator<double>
    {
        var x = AsInputOf(Shared<TKind>.Instance.Name, UnaryDTypeRule.Rounding);
        return x.DType.IsFloatingPoint() ? x.Unary<TKind, TF, TD>() : x.Clone();
    }

    /// <summary>⌊x⌋, the largest integer not above each element. The gradient is zero, as in PyTorch; an integer tensor comes back unchanged (a copy), a bool tensor is refused.</summary>
    public Tensor Floor() => Rounding<OpKind.Floor, FloorOperator<float>, FloorOperator<double>>();

    /// <summary>⌈x⌉, the smallest integer not below each element. The gradient is zero; an integer tensor comes back unchanged (a copy), a bool tensor is refused.</summary>
    public Tensor Ceil() => Rounding<OpKind.Ceil, CeilOperator<float>, CeilOperator<double>>();

    /// <summary>Each element with its fraction dropped (rounded toward zero). The gradient is zero; an integer tensor comes back unchanged (a copy), a bool tensor is refused.</summary>
    public Tensor Trunc() => Rounding<OpKind.Trunc, TruncOperator<float>, TruncOperator<double>>();

    /// <summary>
    /// Rounds each element to <paramref name="decimals"/> decimal places, halfway cases to even as in <c>torch.round</c>
    /// (0.5 → 0, 1.5 → 2, 2.5 → 2). With decimals ≠ 0 the value is scaled by 10^decimals, rounded and scaled back,
    /// as PyTorch does; a negative <paramref name="decimals"/> rounds to tens, hundreds, ... The gradient is zero. An
    /// integer tensor comes back unchanged (a copy) for decimals = 0 and is refused otherwise, and a bool tensor is
    /// refused, as in PyTorch.
    /// </summary>
    public Tensor Round(int decimals = 0)
    {
        if (decimals == 0) return Rounding<OpKind.Round, RoundOperator<float>, RoundOperator<double>>();
        RequireFloat("Round");
        double scale = Math.Pow(10, Math.Abs(decimals));
        return decimals > 0 ? (this * scale).Round() / scale : (this / scale).Round() * scale;
    }

    /// <summary>The fractional part x − trunc(x), with the sign of x; the gradient is 1. Float tensors only, as in PyTorch.</summary>
    public Tensor Frac()
    {
        RequireFloat("Frac");
        return this - Trunc();
    }

    /// <summary>−1, 0 or 1 by the sign of each element; ±0 and NaN give 0, as in <c>torch.sign</c> (a bool tensor is its own sign). The gradient is zero.</summary>
    public Tensor Sign() => DType == DType.Bool ? Clone() : Unary<OpKind.Sign, SignOperator<float>, SignOperator<double>, SignOperator<long>>();

    /// <summary>tan x (x in radians). A bool or integer tensor is taken as float32.</summary>
    public Tensor Tan() => Unary<OpKind.Tan, TanOperator<float>, TanOperator<double>>();

    /// <summary>arcsin x in [−π/2, π/2]; NaN outside [−1, 1]. A bool or integer tensor is taken as float32.</summary>
    public Tensor Asin() => Unary<OpKind.Asin, AsinOperator<float>, AsinOperator<double>>();

    /// <summary>arccos x in [0, π]; NaN outside [−1, 1]. A bool or integer tensor is taken as float32.</summary>
    public Tensor Acos() => Unary<OpKind.Acos, AcosOperator<float>, AcosOperator<double>>();

    /// <summary>arctan x in (−π/2, π/2). A bool or integer tensor is taken as float32.</summary>
    public Tensor Atan() => Unary<OpKind.Atan, AtanOperator<float>, AtanOperator<double>>();

    /// <summary>
    /// atan2(this, other), the angle in [−π, π] of the point (other, this), elementwise with broadcasting, like
    /// <c>torch.atan2</c> (signed zeros and infinities as in C). Integer operands are taken as float32.
    /// </summary>
    public Tensor Atan2(Tensor other) => Binary<OpKind.Atan2, Atan2Operator<float>, Atan2Operator<double>>(AsInputOf("Atan2", UnaryDTypeRule.IntToFloat), other.AsInputOf("Atan2", UnaryDTypeRule.IntToFloat));

    /// <summary>sinh x. A bool or integer tensor is taken as float32.</summary>
    public Tensor Sinh() => Unary<OpKind.Sinh, SinhOperator<float>, SinhOperator<double>>();

    /// <summary>cosh x. A bool or integer tensor is taken as float32.</summary>
    public Tensor Cosh() => Unary<OpKind.Cosh, CoshOperator<float>, CoshOperator<double>>();

    /// <summary>arsinh x, the inverse hyperbolic sine. A bool or integer tensor is taken as float32.</summary>
    public Tensor Asinh() => Unary<OpKind.Asinh, AsinhOperator<float>, AsinhOperator<double>>();

    /// <summary>arcosh x, the inverse hyperbolic cosine; NaN below 1. A bool or integer tensor is taken as float32.</summary>
    public Tensor Acosh() => Unary<OpKind.Acosh, AcoshOperator<float>, AcoshOperator<double>>();

    /// <summary>artanh x, the inverse hyperbolic tangent; ±∞ at ±1 and NaN outside [−1, 1]. A bool or integer tensor is taken as float32.</summary>
    public Tensor Atanh() => Unary<OpKind.Atanh, AtanhOperator<float>, AtanhOperator<double>>();

    /// <summary>log₂ x. A bool or integer tensor is taken as float32.</summary>
    public Tensor Log2() => Unary<OpKind.Log2, Log2Operator<float>, Log2Operator<double>>();

    /// <summary>log₁₀ x. A bool or integer tensor is taken as float32.</summary>
    public Tensor Log10() => Unary<OpKind.Log10, Log10Operator<float>, Log10Operator<double>>();

    /// <summary>2ˣ. A bool or integer tensor is taken as float32.</summary>
    public Tensor Exp2() => Unary<OpKind.Exp2, Exp2Operator<float>, Exp2Operator<double>>();

    /// <summary>eˣ − 1, exact to rounding even for tiny x, where exp of x minus one would lose its digits. A bool or integer tensor is taken as float32.</summary>
    public Tensor Expm1() => Unary<OpKind.Expm1, Expm1Operator<float>, Expm1Operator<double>>();

    /// <summary>√(this² + other²) elementwise with broadcasting, without overflow in the squares, like <c>torch.hypot</c>. Float operands only.</summary>
    public Tensor Hypot(Tensor other) => Binary<OpKind.Hypot, HypotOperator<float>, HypotOperator<double>>(this, other);

    /// <summary>
    /// The C-style remainder of this / other, elementwise with broadcasting, like <c>torch.fmod</c>: this − trunc(this /
    /// other)·other, with the sign of the dividend (fmod(−5, 3) = −2). Float division by zero gives NaN; integer
    /// division by zero throws <see cref="DivideByZeroException"/>.
    /// </summary>
    public Tensor Fmod(Tensor other) => IntegerDivision("Fmod", this, other,
        static (a, b) => Binary<OpKind.Fmod, FmodOperator<float>, FmodOperator<double>, FmodOperator<long>>(a, b));

    /// <summary>The C-style remainder of this / <paramref name="other"/>; an integer tensor with a fractional divisor gives float32.</summary>
    public Tensor Fmod(double other) => Fmod(ScalarLike(other));

    /// <summary>
    /// The Python-style remainder of this / other, elementwise with broadcasting, like <c>torch.remainder</c> and
    /// Python's <c>%</c>: this − floor(this / other)·other, with the sign of the divisor (remainder(−5, 3) = 1). Float
    /// division by zero gives NaN; integer division by zero throws <see cref="DivideByZeroException"/>.
    /// </summary>
    public Tensor Remainder(Tensor other) => IntegerDivision("Remainder", this, other,
        static (a, b) => Binary<OpKind.Remainder, RemainderOperator<float>, RemainderOperator<double>, RemainderOperator<long>>(a, b));

    /// <summary>The Python-style remainder of this / <paramref name="other"/>; an integer tensor with a fractional divisor gives float32.</summary>
    public Tensor Remainder(double other) => Remainder(ScalarLike(other));

    /// <summary>a % b: the Python-style <see cref="Remainder(Tensor)"/>, with the sign of the divisor, as PyTorch's <c>%</c>.</summary>
    public static Tensor operator %(Tensor a, Tensor b) => a.Remainder(b);

    /// <summary>a % s: the Python-style <see cref="Remainder(double)"/>.</summary>
    public static Tensor operator %(Tensor a, double s) => a.Remainder(s);

    /// <summary>s % a: the Python-style remainder of s / a.</summary>
    public static Tensor operator %(double s, Tensor a) => a.ScalarLike(s).Remainder(a);

    /// <summary>
    /// Linear interpolation this + weight·(end − this), elementwise with broadcasting over all three, like
    /// <c>torch.lerp</c>: where |weight| ≥ 0.5 it is computed as end − (end − this)·(1 − weight), so that weight 1 gives
    /// end exactly. Differentiable in all three tensors. Float tensors only.
    /// </summary>
    public Tensor Lerp(Tensor end, Tensor weight)
    {
        CheckLerp(end, weight);
        ShapeUtil.BroadcastShapes("Lerp", ShapeUtil.BroadcastShapes("Lerp", ShapeArray, end.ShapeArray), weight.ShapeArray);
        var diff = end - this;
        return Where(weight.Abs().Lt(0.5), this + weight * diff, end - diff * (1.0 - weight));
    }

    /// <summary>Linear interpolation this + weight·(end − this) with a constant weight, computed as <see cref="Lerp(Tensor, Tensor)"/> does.</summary>
    public Tensor Lerp(Tensor end, double weight)
    {
        CheckLerp(end, null);
        ShapeUtil.BroadcastShapes("Lerp", ShapeArray, end.ShapeArray);
        // In float32 the weight is a float, as in PyTorch, so that 1 − weight rounds as it does there.
        double w = DType == DType.Float32 && end.DType == DType.Float32 ? (float)weight : weight;
        var diff = end - this;
        return Math.Abs(w) < 0.5 ? this + w * diff : end - diff * (1 - w);
    }

    /// <summary>
    /// this · ln(other) elementwise with broadcasting, and 0 where this is 0 unless other is NaN, like
    /// <c>torch.xlogy</c> (so 0·ln 0 = 0, the convention of entropy terms). Integer operands are taken as float32.
    /// </summary>
    public Tensor Xlogy(Tensor other)
    {
        var (x, y) = Promote(AsInputOf("Xlogy", UnaryDTypeRule.IntToFloat), other.AsInputOf("Xlogy", UnaryDTypeRule.IntToFloat));
        ShapeUtil.BroadcastShapes("Xlogy", x.ShapeArray, y.ShapeArray);
        var zero = x.Eq(0.0).To(x.DType) * y.Eq(y).To(x.DType);
        var safe = Where(zero, Scalar(1, y.DType), y);
        return Where(zero, Scalar(0, x.DType), x * safe.Log());
    }

    /// <summary>this · ln(<paramref name="other"/>), and 0 where this is 0 (unless other is NaN).</summary>
    public Tensor Xlogy(double other) => Xlogy(AsInputOf("Xlogy", UnaryDTypeRule.IntToFloat).ScalarLike(other));

    private void CheckLerp(Tensor end, Tensor? weight)
    {
        if (!DType.IsFloatingPoint() || !end.DType.IsFloatingPoint() || (weight is not null && !weight.DType.IsFloatingPoint()))
        {
            var operands = weight is null
                ? $"{ShapeUtil.Describe(this)}, {ShapeUtil.Describe(end)}"
                : $"{ShapeUtil.Describe(this)}, {ShapeUtil.Describe(end)}, {ShapeUtil.Describe(weight)}";
            throw new NotSupportedException($"Lerp: not defined for integer tensors ({operands}); convert with .To(DType.Float32) first.");
        }
    }

    /// <summary>A remainder op, whose integer form throws on a zero divisor: the error names the op and the operands.</summary>
    private static Tensor IntegerDivision(string op, Tensor a, Tensor b, Func<Tensor, Tensor, Tensor> compute)
    {
        try
        {
            return compute(a, b);
        }
        catch (DivideByZeroException)
        {
            throw new DivideByZeroException($"{op}: integer division by zero ({ShapeUtil.Describe(a)} by {ShapeUtil.Describe(b)}).");
        }
    }
}
