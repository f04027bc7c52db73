namespace Nabla;

/// <summary>
/// The flat, typed buffer behind one or more tensors. Views share a storage and its
/// <see cref="Version"/>, which in-place writes bump so that autograd can detect a value
/// that was saved for backward and then overwritten.
/// </summary>
internal abstract class Storage
{
    public int Version;

    public abstract DType DType { get; }

    public abstract int Length { get; }

    public static Storage Allocate(DType dtype, int length, bool zeroed) => dtype switch
    {
        DType.Float32 => new Storage<float>(zeroed ? new float[length] : GC.AllocateUninitializedArray<float>(length)),
        DType.Float64 => new Storage<double>(zeroed ? new double[length] : GC.AllocateUninitializedArray<double>(length)),
        DType.Int64 => new Storage<long>(zeroed ? new long[length] : GC.AllocateUninitializedArray<long>(length)),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}

internal sealed class Storage<T>(T[] data) : Storage where T : unmanaged
{
    public readonly T[] Data = data;

    public override DType DType { get; } = DTypeExtensions.Of<T>();

    public override int Length => Data.Length;
}
