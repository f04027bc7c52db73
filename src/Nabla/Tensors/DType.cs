namespace Nabla;

/// <summary>The element type of a tensor.</summary>
public enum DType
{
    /// <summary>32-bit IEEE 754 float, the default for parameters and activations.</summary>
    Float32,
    /// <summary>64-bit IEEE 754 float, used for gradient checking and high-precision work.</summary>
    Float64,
    /// <summary>64-bit signed integer, used for indices and class labels.</summary>
    Int64,
    /// <summary>Boolean (one byte per element): the result of comparisons and the type of masks.</summary>
    Bool,
    /// <summary>8-bit unsigned integer (images, raw bytes); arithmetic wraps around modulo 256.</summary>
    UInt8,
    /// <summary>32-bit signed integer.</summary>
    Int32,
    /// <summary>16-bit IEEE 754 half-precision float (<see cref="System.Half"/>): storage only, convert with <c>.To(DType.Float32)</c> to compute.</summary>
    Float16,
    /// <summary>16-bit brain float (<see cref="Nabla.BFloat16"/>): storage only, convert with <c>.To(DType.Float32)</c> to compute.</summary>
    BFloat16,
}

/// <summary>How an elementwise function's result dtype follows from its input's dtype (PyTorch's type promotion kinds).</summary>
public enum UnaryDTypeRule
{
    /// <summary>
    /// Functions defined on the reals (sin, exp, log, sqrt, sigmoid, tanh, erf, true division, logsumexp, …): a float
    /// tensor keeps its dtype, a bool or integer one is computed in <see cref="DTypeExtensions.DefaultFloat"/> (float32).
    /// </summary>
    IntToFloat,
    /// <summary>
    /// Rounding (floor, ceil, round, trunc): a float tensor keeps its dtype and an integer tensor, already whole, comes
    /// back unchanged in its own dtype; bool is refused.
    /// </summary>
    Rounding,
    /// <summary>Functions PyTorch defines for float tensors only (frac, softplus, gelu, silu, elu, leaky relu, …): bool and integers are refused.</summary>
    FloatOnly,
}

/// <summary>Properties of <see cref="DType"/> values.</summary>
public static class DTypeExtensions
{
    /// <summary>Size of one element in bytes.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Bool or DType.UInt8 => 1,
        DType.Float16 or DType.BFloat16 => 2,
        DType.Float32 or DType.Int32 => 4,
        DType.Float64 or DType.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>True for the float dtypes: <see cref="DType.Float16"/>, <see cref="DType.BFloat16"/>, <see cref="DType.Float32"/> and <see cref="DType.Float64"/>.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64 or DType.Float16 or DType.BFloat16;

    /// <summary>The PyTorch-style lowercase name (<c>float32</c>, <c>int64</c>, <c>bool</c>, <c>bfloat16</c>, …).</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        DType.UInt8 => "uint8",
        DType.Int32 => "int32",
        DType.Float16 => "float16",
        DType.BFloat16 => "bfloat16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>
    /// The result type of a binary op on two tensors of these dtypes, following PyTorch's promotion lattice
    /// bool &lt; uint8 &lt; int32 &lt; int64 &lt; float16, bfloat16 &lt; float32 &lt; float64 (float16 with bfloat16 gives float32).
    /// </summary>
    public static DType Promote(DType a, DType b)
    {
        if (a == b) return a;
        if ((a == DType.Float16 && b == DType.BFloat16) || (a == DType.BFloat16 && b == DType.Float16)) return DType.Float32;
        return Rank(a) >= Rank(b) ? a : b;
    }

    /// <summary>The dtype whose element type is <typeparamref name="T"/> (float, double, long, bool, byte, int, <see cref="System.Half"/>, <see cref="Nabla.BFloat16"/>).</summary>
    public static DType Of<T>() =>
        typeof(T) == typeof(float) ? DType.Float32 :
        typeof(T) == typeof(double) ? DType.Float64 :
        typeof(T) == typeof(long) ? DType.Int64 :
        typeof(T) == typeof(bool) ? DType.Bool :
        typeof(T) == typeof(byte) ? DType.UInt8 :
        typeof(T) == typeof(int) ? DType.Int32 :
        typeof(T) == typeof(Half) ? DType.Float16 :
        typeof(T) == typeof(BFloat16) ? DType.BFloat16 :
        throw new NotSupportedException($"Nabla has no dtype for {typeof(T).Name}.");

    /// <summary>The dtype a bool or integer operand is computed in by a floating function: float32, PyTorch's default dtype.</summary>
    public const DType DefaultFloat = DType.Float32;

    /// <summary>
    /// The result dtype of an elementwise function of one tensor of <paramref name="input"/>'s dtype, by the rule of the
    /// function's kind as PyTorch 1.13 applies it (<see cref="UnaryDTypeRule"/>), or null where PyTorch refuses the dtype.
    /// </summary>
    public static DType? UnaryResultType(this DType input, UnaryDTypeRule rule) => rule switch
    {
        UnaryDTypeRule.IntToFloat => input.IsFloatingPoint() ? input : DefaultFloat,
        UnaryDTypeRule.Rounding => input == DType.Bool ? null : input,
        UnaryDTypeRule.FloatOnly => input.IsFloatingPoint() ? input : null,
        _ => throw new ArgumentOutOfRangeException(nameof(rule)),
    };

    /// <summary>0 for bool, 1 for the integer dtypes, 2 for the float dtypes: PyTorch's categories for scalar promotion.</summary>
    internal static int Category(this DType dtype) => dtype == DType.Bool ? 0 : dtype.IsFloatingPoint() ? 2 : 1;

    /// <summary>True for the integer dtypes (not bool).</summary>
    internal static bool IsInteger(this DType dtype) => dtype is DType.UInt8 or DType.Int32 or DType.Int64;

    /// <summary>True for the dtypes that are stored and converted but not computed on (float16, bfloat16).</summary>
    internal static bool IsStorageOnly(this DType dtype) => dtype is DType.Float16 or DType.BFloat16;

    private static int Rank(DType dtype) => dtype switch
    {
        DType.Bool => 0,
        DType.UInt8 => 1,
        DType.Int32 => 2,
        DType.Int64 => 3,
        DType.Float16 or DType.BFloat16 => 4,
        DType.Float32 => 5,
        DType.Float64 => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}
