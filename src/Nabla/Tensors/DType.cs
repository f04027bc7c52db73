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
}

/// <summary>Properties of <see cref="DType"/> values.</summary>
public static class DTypeExtensions
{
    /// <summary>Size of one element in bytes.</summary>
    public static int ElementSize(this DType dtype) => dtype == DType.Float32 ? 4 : 8;

    /// <summary>True for <see cref="DType.Float32"/> and <see cref="DType.Float64"/>.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype != DType.Int64;

    /// <summary>The PyTorch-style lowercase name (<c>float32</c>, <c>float64</c>, <c>int64</c>).</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int64 => "int64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>
    /// The result type of a binary op on two dtypes, following PyTorch's promotion:
    /// any float beats an integer and Float64 beats Float32.
    /// </summary>
    public static DType Promote(DType a, DType b)
    {
        if (a == b) return a;
        if (a == DType.Float64 || b == DType.Float64) return DType.Float64;
        return DType.Float32;
    }

    internal static DType Of<T>() =>
        typeof(T) == typeof(float) ? DType.Float32 :
        typeof(T) == typeof(double) ? DType.Float64 :
        typeof(T) == typeof(long) ? DType.Int64 :
        throw new NotSupportedException($"Nabla has no dtype for {typeof(T).Name}.");
}
