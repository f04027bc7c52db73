using Nabla.Dispatch;
using Nabla.Kernels;

namespace Nabla;

public sealed partial class Tensor
{
    private static (Tensor A, Tensor B) Promote(Tensor a, Tensor b)
    {
        a.RequireComputable("binary op");
        b.RequireComputable("binary op");
        if (a.DType == b.DType) return (a, b);
        if (a.IsWrappedNumber != b.IsWrappedNumber) return a.IsWrappedNumber ? Promote(a.AdaptTo(b.DType), b) : Promote(a, b.AdaptTo(a.DType));
        var dtype = ResultType(a, b);
        return (a.To(dtype), b.To(dtype));
    }

    /// <summary>
    /// PyTorch's result type of a binary op: a 0-d operand beside a dimensioned one only decides the dtype when its
    /// category (bool, integer, float) is higher; otherwise the usual promotion of the two dtypes.
    /// </summary>
    private static DType ResultType(Tensor a, Tensor b)
    {
        if ((a.Rank == 0) != (b.Rank == 0))
        {
            var (dim, zero) = a.Rank == 0 ? (b, a) : (a, b);
            return zero.DType.Category() > dim.DType.Category() ? zero.DType : dim.DType;
        }
        return DTypeExtensions.Promote(a.DType, b.DType);
    }

    private static int[] ResultShape<TOp>(TOp op, Tensor a, Tensor b) where TOp : notnull =>
        ShapeUtil.SameShape(a.ShapeArray, b.ShapeArray) ? (int[])a.ShapeArray.Clone() : ShapeUtil.Broadcast(op, a, b);

    /// <summary>A differentiable binary primitive defined for float and int64 operands, computed by the operators named.</summary>
    private static Tensor Binary<TKind, TF, TD, TL>(Tensor a, Tensor b)
        where TKind : OpKind, new()
        where TF : IBinaryOperator<float> where TD : IBinaryOperator<double> where TL : IBinaryOperator<long>
    {
        if ((a.DType == DType.Bool || b.DType == DType.Bool) && typeof(TKind) == typeof(OpKind.Sub))
            throw new NotSupportedException($"Sub: subtraction with a bool tensor is not supported ({ShapeUtil.Describe(a)} − {ShapeUtil.Describe(b)}); use LogicalXor or convert with .To(DType.Int64).");
        (a, b) = Promote(a, b);
        if (a.DType is DType.Bool or DType.UInt8 or DType.Int32)
        {
            // Computed in int64 and converted back: uint8 and int32 wrap around, and bool gives "≠ 0" (+ is or, · is and).
            if (a.DType == DType.Bool && typeof(TKind) == typeof(OpKind.Sub))
                throw new NotSupportedException($"Sub: subtraction of bool tensors is not supported ({ShapeUtil.Describe(a)} − {ShapeUtil.Describe(b)}); use LogicalXor or convert with .To(DType.Int64).");
            var wide = Elementwise.Binary<TF, TD, TL>(a.To(DType.Int64), b.To(DType.Int64), ResultShape(Shared<TKind>.Instance, a, b));
            return Elementwise.Cast(wide, a.DType);
        }
        var result = Elementwise.Binary<TF, TD, TL>(a, b, ResultShape(Shared<TKind>.Instance, a, b));
        return Record<TKind>(result, a, b);
    }

    /// <summary>A differentiable binary primitive defined for float operands only.</summary>
    private static Tensor Binary<TKind, TF, TD>(Tensor a, Tensor b)
        where TKind : OpKind, new() where TF : IBinaryOperator<float> where TD : IBinaryOperator<double>
    {
        (a, b) = Promote(a, b);
        var op = Shared<TKind>.Instance;
        return Record<TKind>(Elementwise.Binary<TF, TD>(op, a, b, ResultShape(op, a, b)), a, b);
    }

    /// <summary>A comparison in the promoted dtype, as a bool tensor (true where it holds); never recorded.</summary>
    private static Tensor Compare<TF, TD, TL>(string op, Tensor a, Tensor b)
        where TF : IComparison<float> where TD : IComparison<double> where TL : IComparison<long>
    {
        (a, b) = Promote(a, b);
        if (a.DType is DType.Bool or DType.UInt8 or DType.Int32) (a, b) = (a.To(DType.Int64), b.To(DType.Int64));
        var flags = Elementwise.Binary<CompareOperator<float, TF>, CompareOperator<double, TD>, CompareOperator<long, TL>>(a, b, ResultShape(op, a, b));
        return Elementwise.Cast(flags, DType.Bool);
    }

    /// <summary>
    /// A differentiable unary primitive computed in floating point: a bool or integer tensor is taken in float32 first
    /// (<see cref="UnaryDTypeRule.IntToFloat"/>), as PyTorch does.
    /// </summary>
    private Tensor Unary<TKind, TF, TD>() where TKind : OpKind, new() where TF : IUnaryOperator<float> where TD : IUnaryOperator<double>
    {
        var x = AsInputOf(Shared<TKind>.Instance.Name, UnaryDTypeRule.IntToFloat);
        return Record<TKind>(Elementwise.Unary<TF, TD>(Shared<TKind>.Instance, x), x);
    }

    /// <summary>A differentiable unary primitive defined for float and int64 tensors.</summary>
    private Tensor Unary<TKind, TF, TD, TL>()
        where TKind : OpKind, new() where TF : IUnaryOperator<float> where TD : IUnaryOperator<double> where TL : IUnaryOperator<long>
    {
        RequireComputable(Shared<TKind>.Instance.Name);
        if (DType is DType.Bool or DType.UInt8 or DType.Int32)
        {
            if (DType == DType.Bool) throw new NotSupportedException($"{Shared<TKind>.Instance.Name}: not defined for bool tensors ({ShapeUtil.Describe(this)}); convert with .To(DType.Int64) first.");
            return Elementwise.Cast(Elementwise.Unary<TF, TD, TL>(To(DType.Int64)), DType);
        }
        return Record<TKind>(Elementwise.Unary<TF, TD, TL>(this), this);
    }

    /// <summary>
    /// A zero-dimensional constant for mixing with this tensor, typed as PyTorch types a Python number: an integral
    /// value is an int (int64 beside a bool tensor, else this dtype), a fractional one a float (float32 beside a bool
    /// or integer tensor).
    /// </summary>
    private Tensor ScalarLike(double value) =>
        Scalar(value, DType.IsFloatingPoint() ? DType : value != Math.Floor(value) ? DType.Float32 : DType == DType.Bool ? DType.Int64 : DType);

    /// <summary>a + b, broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Binary<OpKind.Add, AddOperator<float>, AddOperator<double>, AddOperator<long>>(a, b);
    /// <summary>a + s.</summary>
    public static Tensor operator +(Tensor a, double s) => a + a.ScalarLike(s);
    /// <summary>s + a.</summary>
    public static Tensor operator +(double s, Tensor a) => a.ScalarLike(s) + a;
    /// <summary>a − b, broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Binary<OpKind.Sub, SubtractOperator<float>, SubtractOperator<double>, SubtractOperator<long>>(a, b);
    /// <summary>a − s.</summary>
    public static Tensor operator -(Tensor a, double s) => a - a.ScalarLike(s);
    /// <summary>s − a.</summary>
    public static Tensor operator -(double s, Tensor a) => a.ScalarLike(s) - a;
    /// <summary>a · b elementwise, broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Binary<OpKind.Mul, MultiplyOperator<float>, MultiplyOperator<double>, MultiplyOperator<long>>(a, b);
    /// <summary>a · s.</summary>
    public static Tensor operator *(Tensor a, double s) => a * a.ScalarLike(s);
    /// <summary>s · a.</summary>
    public static Tensor operator *(double s, Tensor a) => a.ScalarLike(s) * a;
    /// <summary>a / b elementwise, broadcasting (true division: bool and integer operands give float32).</summary>
    public static Tensor operator /(Tensor a, Tensor b)
    {
        if (!ResultType(a, b).IsFloatingPoint()) { a = a.AsInputOf("Div", UnaryDTypeRule.IntToFloat); b = b.AsInputOf("Div", UnaryDTypeRule.IntToFloat); }
        return Binary<OpKind.Div, DivideOperator<float>, DivideOperator<double>>(a, b);
    }
    /// <summary>a / s (true division: a bool or integer tensor gives float32).</summary>
    public static Tensor operator /(Tensor a, double s) => a.DType.IsFloatingPoint() ? a / a.ScalarLike(s) : a.AsInputOf("Div", UnaryDTypeRule.IntToFloat) / s;
    /// <summary>s / a (true division: a bool or integer tensor gives float32).</summary>
    public static Tensor operator /(double s, Tensor a) => a.DType.IsFloatingPoint() ? a.ScalarLike(s) / a : s / a.AsInputOf("Div", UnaryDTypeRule.IntToFloat);
    /// <summary>−a.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();

    /// <summary>this + other.</summary>
    public Tensor Add(Tensor other) => this + other;
    /// <summary>this − other.</summary>
    public Tensor Sub(Tensor other) => this - other;
    /// <summary>this · other.</summary>
    public Tensor Mul(Tensor other) => this * other;
    /// <summary>this / other.</summary>
    public Tensor Div(Tensor other) => this / other;

    /// <summary>
    /// this ^ exponent elementwise, broadcasting, in the promoted dtype. As in PyTorch, two bool or integer tensors give an
    /// integer result (products wrap around; a negative power gives 1 for a base of 1, ±1 for −1 and 0 otherwise), and an
    /// integer base with a float exponent gives a float result.
    /// </summary>
    public Tensor Pow(Tensor exponent)
    {
        ArgumentNullException.ThrowIfNull(exponent);
        if (DType.IsFloatingPoint() || exponent.DType.IsFloatingPoint())
        {
            (DType.IsFloatingPoint() ? this : exponent).RequireFloat("Pow");
            return Binary<OpKind.Pow, PowOperator<float>, PowOperator<double>>(this, exponent);
        }
        RequireComputable("Pow");
        exponent.RequireComputable("Pow");
        return Binary<OpKind.Pow, PowOperator<float>, PowOperator<double>, IntegerPowOperator>(this, exponent);
    }

    /// <summary>
    /// this ^ exponent. As in PyTorch, a bool or integer tensor with a whole exponent ≥ 0 stays integral (bool gives
    /// int64; uint8 and int32 wrap around as repeated products do), a fractional exponent gives float32, and a negative
    /// whole exponent is refused.
    /// </summary>
    public Tensor Pow(double exponent)
    {
        if (DType.IsFloatingPoint()) return exponent == 2 ? this * this : Pow(ScalarLike(exponent));
        if (exponent != Math.Floor(exponent)) return AsInputOf("Pow", UnaryDTypeRule.IntToFloat).Pow(exponent);
        RequireComputable("Pow");
        if (exponent < 0)
            throw new NotSupportedException($"Pow: integers to negative integer powers are not allowed ({ShapeUtil.Describe(this)} ^ {exponent.ToString(System.Globalization.CultureInfo.InvariantCulture)}), as in PyTorch; convert with .To(DType.Float32) first.");
        var x = DType == DType.Bool ? To(DType.Int64) : this;
        if (exponent > long.MaxValue) throw new ArgumentOutOfRangeException(nameof(exponent), exponent, $"Pow: the integer exponent {exponent} is out of range ({ShapeUtil.Describe(this)}).");
        var result = OnesLike(x);
        // Exponentiation by squaring: products wrap as PyTorch's integer pow does.
        for (long n = (long)exponent; n > 0; n >>= 1)
        {
            if ((n & 1) != 0) result *= x;
            if (n > 1) x *= x;
        }
        return result;
    }

    /// <summary>max(this, other) elementwise; on ties the gradient is split evenly, as in PyTorch.</summary>
    public Tensor Maximum(Tensor other) => Binary<OpKind.Maximum, MaximumOperator<float>, MaximumOperator<double>, MaximumOperator<long>>(this, other);

    /// <summary>min(this, other) elementwise; on ties the gradient is split evenly, as in PyTorch.</summary>
    public Tensor Minimum(Tensor other) => Binary<OpKind.Minimum, MinimumOperator<float>, MinimumOperator<double>, MinimumOperator<long>>(this, other);

    /// <summary>−x.</summary>
    public Tensor Neg() => Unary<OpKind.Neg, NegateOperator<float>, NegateOperator<double>, NegateOperator<long>>();
    /// <summary>eˣ.</summary>
    public Tensor Exp() => Unary<OpKind.Exp, ExpOperator<float>, ExpOperator<double>>();
    /// <summary>ln x.</summary>
    public Tensor Log() => Unary<OpKind.Log, LogOperator<float>, LogOperator<double>>();
    /// <summary>√x.</summary>
    public Tensor Sqrt() => Unary<OpKind.Sqrt, SqrtOperator<float>, SqrtOperator<double>>();
    /// <summary>|x|.</summary>
    public Tensor Abs() => Unary<OpKind.Abs, AbsOperator<float>, AbsOperator<double>, AbsOperator<long>>();
    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => Unary<OpKind.Relu, ReluOperator<float>, ReluOperator<double>, ReluOperator<long>>();
    /// <summary>σ(x) = 1 / (1 + e⁻ˣ).</summary>
    public Tensor Sigmoid() => Unary<OpKind.Sigmoid, SigmoidOperator<float>, SigmoidOperator<double>>();
    /// <summary>tanh x.</summary>
    public Tensor Tanh() => Unary<OpKind.Tanh, TanhOperator<float>, TanhOperator<double>>();
    /// <summary>sin x (x in radians).</summary>
    public Tensor Sin() => Unary<OpKind.Sin, SinOperator<float>, SinOperator<double>>();
    /// <summary>cos x (x in radians).</summary>
    public Tensor Cos() => Unary<OpKind.Cos, CosOperator<float>, CosOperator<double>>();
    /// <summary>erf x = 2/√π ∫₀ˣ e^(−t²) dt.</summary>
    public Tensor Erf() => Unary<OpKind.Erf, ErfOperator<float>, ErfOperator<double>>();

    /// <summary>log(1 + eˣ) without overflow or a threshold: the primitive under <see cref="Softplus"/> and the logistic losses.</summary>
    internal Tensor LogOnePlusExp()
    {
        RequireFloat("Softplus");
        return Unary<OpKind.Softplus, SoftplusOperator<float>, SoftplusOperator<double>>();
    }

    /// <summary>x²; a bool tensor gives int64, as <c>torch.square</c> does.</summary>
    public Tensor Square() => DType == DType.Bool ? To(DType.Int64).Square() : this * this;
    /// <summary>1 / x.</summary>
    public Tensor Reciprocal() => 1.0 / this;
    /// <summary>1 / √x.</summary>
    public Tensor Rsqrt() => 1.0 / Sqrt();
    /// <summary>ln(1 + x), exact to rounding even for tiny x, where ln of 1 + x would lose its digits.</summary>
    public Tensor Log1p() => Unary<OpKind.Log1p, Log1pOperator<float>, Log1pOperator<double>>();

    /// <summary>
    /// Limits every element to [min, max] (either bound may be null). The gradient passes where
    /// min ≤ x ≤ max and is zero outside, as in PyTorch.
    /// </summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("Clamp: at least one of min and max must be given.");
        var result = this;
        if (min is { } lo) result = Where(Lt(lo), ScalarLike(lo), result);
        if (max is { } hi) result = Where(Gt(hi), ScalarLike(hi), result);
        return result;
    }

    /// <summary>
    /// Elementwise selection between two integers, as <c>torch.where(c, 1, 0)</c>: an int64 tensor of the condition's
    /// shape.
    /// </summary>
    public static Tensor Where(Tensor condition, long a, long b) => Where(condition, Scalar(a, DType.Int64), Scalar(b, DType.Int64));

    /// <summary>
    /// Elementwise selection: condition ≠ 0 ? a : b, broadcasting all three. A number on one side takes the other side's
    /// dtype (see the conversion from double); two numbers give float32, PyTorch's default dtype.
    /// </summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        if (a.IsWrappedNumber && b.IsWrappedNumber)
        {
            (a, b) = (a.To(DType.Float32), b.To(DType.Float32));
        }
        else if (a.IsWrappedNumber != b.IsWrappedNumber)
        {
            if (a.IsWrappedNumber) a = a.AdaptTo(b.DType);
            else b = b.AdaptTo(a.DType);
        }
        if (a.DType != b.DType)
        {
            var dtype = DTypeExtensions.Promote(a.DType, b.DType);
            (a, b) = (a.To(dtype), b.To(dtype));
        }
        var shape = ShapeUtil.BroadcastShapes("Where", ShapeUtil.BroadcastShapes("Where", condition.ShapeArray, a.ShapeArray), b.ShapeArray);
        var result = Elementwise.Where(condition, a, b, shape);
        return Record<OpKind.Where>(result, [condition.Detach(), a, b]);
    }

    /// <summary>True where this &gt; other, as a bool tensor (not differentiable).</summary>
    public Tensor Gt(Tensor other) => Compare<GreaterThan<float>, GreaterThan<double>, GreaterThan<long>>("Gt", this, other);
    /// <summary>True where this &gt; s, as a bool tensor.</summary>
    public Tensor Gt(double s) => CompareOperand(s).Gt(ScalarLike(s));
    /// <summary>True where this ≥ other, as a bool tensor.</summary>
    public Tensor Ge(Tensor other) => Compare<GreaterThanOrEqual<float>, GreaterThanOrEqual<double>, GreaterThanOrEqual<long>>("Ge", this, other);
    /// <summary>True where this ≥ s, as a bool tensor.</summary>
    public Tensor Ge(double s) => CompareOperand(s).Ge(ScalarLike(s));
    /// <summary>True where this &lt; other, as a bool tensor.</summary>
    public Tensor Lt(Tensor other) => Compare<LessThan<float>, LessThan<double>, LessThan<long>>("Lt", this, other);
    /// <summary>True where this &lt; s, as a bool tensor.</summary>
    public Tensor Lt(double s) => CompareOperand(s).Lt(ScalarLike(s));
    /// <summary>True where this ≤ other, as a bool tensor.</summary>
    public Tensor Le(Tensor other) => Compare<LessThanOrEqual<float>, LessThanOrEqual<double>, LessThanOrEqual<long>>("Le", this, other);
    /// <summary>True where this ≤ s, as a bool tensor.</summary>
    public Tensor Le(double s) => CompareOperand(s).Le(ScalarLike(s));
    /// <summary>True where this = other, as a bool tensor.</summary>
    public Tensor Eq(Tensor other) => Compare<EqualTo<float>, EqualTo<double>, EqualTo<long>>("Eq", this, other);
    /// <summary>True where this = s, as a bool tensor.</summary>
    public Tensor Eq(double s) => CompareOperand(s).Eq(ScalarLike(s));
    /// <summary>True where this ≠ other, as a bool tensor.</summary>
    public Tensor Ne(Tensor other) => Compare<NotEqualTo<float>, NotEqualTo<double>, NotEqualTo<long>>("Ne", this, other);
    /// <summary>True where this ≠ s, as a bool tensor.</summary>
    public Tensor Ne(double s) => CompareOperand(s).Ne(ScalarLike(s));

    /// <summary>The tensor a scalar comparison reads: bool and integer tensors widened to int64, so that the value is never wrapped into the dtype.</summary>
    private Tensor CompareOperand(double s) => DType.Category() < 2 && s == Math.Floor(s) && DType != DType.Int64 ? To(DType.Int64) : this;

    /// <summary>True when every element of both tensors is within atol + rtol·|other| (NaNs never match).</summary>
    public bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8)
    {
        if (!ShapeUtil.SameShape(ShapeArray, other.ShapeArray)) return false;
        var a = ToDoubleArray();
        var b = other.ToDoubleArray();
        for (int i = 0; i < a.Length; i++)
            if (!(Math.Abs(a[i] - b[i]) <= atol + rtol * Math.Abs(b[i]))) return false;
        return true;
    }

    /// <summary>
    /// x·Wᵀ + b for x (…, in), W (out, in) and b (out) of one float dtype, already checked by the caller: one recorded
    /// op whose bias fills the output before the product accumulates onto it. Mixed dtypes take the composed route.
    /// </summary>
    internal static Tensor Linear(Tensor input, Tensor weight, Tensor? bias)
    {
        if (input.DType != weight.DType || (bias is not null && bias.DType != weight.DType) || !weight.DType.IsFloatingPoint())
        {
            var output = input.MatMul(weight.T);
            return bias is null ? output : output + bias;
        }
        var result = Dispatch.MatMul.Linear(input, weight, bias);
        return bias is null ? Record<OpKind.Linear>(result, input, weight) : Record<OpKind.Linear>(result, [input, weight, bias]);
    }

    /// <summary>Matrix product with <c>torch.matmul</c> semantics: 1-D operands are promoted and the added dim removed; batch dims broadcast.</summary>
    public Tensor MatMul(Tensor other)
    {
        var (a, b) = Promote(this, other);
        if (!a.DType.IsFloatingPoint())
            throw new NotSupportedException($"MatMul: not defined for int64 tensors ({ShapeUtil.Describe(this)} @ {ShapeUtil.Describe(other)}).");
        if (a.Rank == 0 || b.Rank == 0)
            throw new ArgumentException($"MatMul: both operands need at least one dimension, got {ShapeUtil.Describe(this)} and {ShapeUtil.Describe(other)}.");
        bool squeezeRow = a.Rank == 1, squeezeCol = b.Rank == 1;
        if (squeezeRow) a = a.Unsqueeze(0);
        if (squeezeCol) b = b.Unsqueeze(1);
        if (a.ShapeArray[^1] != b.ShapeArray[^2])
            throw new ArgumentException($"MatMul: inner dimensions differ: {ShapeUtil.Describe(this)} @ {ShapeUtil.Describe(other)} ({a.ShapeArray[^1]} vs {b.ShapeArray[^2]}).");
        var batch = ShapeUtil.BroadcastShapes("MatMul", a.ShapeArray.AsSpan(0, a.Rank - 2), b.ShapeArray.AsSpan(0, b.Rank - 2));
        var result = Record<OpKind.MatMul>(Dispatch.MatMul.Batched(a, b, batch), a, b);
        if (squeezeRow) result = result.Squeeze(-2);
        if (squeezeCol) result = result.Squeeze(-1);
        return result;
    }

    /// <summary>Converts to <paramref name="dtype"/>; gradients flow back converted to the source dtype.</summary>
    public Tensor To(DType dtype) => dtype == DType ? this : Record<OpKind.Cast>(Elementwise.Cast(this, dtype), this);
}
