namespace Nabla.Kernels;

/// <summary>Boundary checks the kernel families share; messages name the operation and the offending span.</summary>
internal static class KernelArguments
{
    /// <summary>Rejects element types other than <see cref="float"/> and <see cref="double"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static void RequireFloatOrDouble<T>(string op)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"{op}: element type {typeof(T).Name} is not supported; use float or double.");
    }

    /// <summary>Checks that span <paramref name="name"/> has the length the geometry needs.</summary>
    /// <exception cref="ArgumentException"><paramref name="length"/> differs from <paramref name="expected"/>.</exception>
    public static void CheckLength(string op, string name, int length, int expected)
    {
        if (length != expected)
            throw new ArgumentException($"{op}: {name} has {length} elements but the geometry needs {expected}.", name);
    }

    /// <summary>Checks the length of each span in turn against the length the geometry needs for it.</summary>
    /// <exception cref="ArgumentException">A span's length differs from its expected length.</exception>
    public static void CheckLengths(string op, ReadOnlySpan<(string Name, int Length, int Expected)> spans)
    {
        foreach (var (name, length, expected) in spans)
            CheckLength(op, name, length, expected);
    }
}
