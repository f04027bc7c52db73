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

    /// <summary>The whole buffer seen as elements of <typeparamref name="TView"/> (same element size), for layout copies that move bits.</summary>
    public abstract Span<TView> Reinterpret<TView>() where TView : unmanaged;

    /// <summary>Returns the buffer to the pool; any later access through a tensor fails clearly.</summary>
    public abstract void Release();

    /// <summary>
    /// A new buffer of exactly <paramref name="length"/> elements. Inside a <see cref="TensorScope"/> it
    /// comes from the pool and goes back when the scope ends; otherwise it is an ordinary array.
    /// </summary>
    public static Storage Allocate(DType dtype, int length, bool zeroed)
    {
        var scope = TensorScope.Current;
        Storage storage = dtype switch
        {
            DType.Float32 => new Storage<float>(Rent<float>(length, zeroed, scope is not null)),
            DType.Float64 => new Storage<double>(Rent<double>(length, zeroed, scope is not null)),
            DType.Int64 => new Storage<long>(Rent<long>(length, zeroed, scope is not null)),
            DType.Bool => new Storage<bool>(Rent<bool>(length, zeroed, scope is not null)),
            DType.UInt8 => new Storage<byte>(Rent<byte>(length, zeroed, scope is not null)),
            DType.Int32 => new Storage<int>(Rent<int>(length, zeroed, scope is not null)),
            DType.Float16 => new Storage<Half>(Rent<Half>(length, zeroed, scope is not null)),
            DType.BFloat16 => new Storage<BFloat16>(Rent<BFloat16>(length, zeroed, scope is not null)),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
        };
        scope?.Own(storage);
        return storage;
    }

    /// <summary>
    /// Working memory an op keeps beside its result (max pooling's argmax indices), of any unmanaged element type:
    /// pooled and released with the current <see cref="TensorScope"/> like a tensor's storage.
    /// </summary>
    public static Storage<T> Scratch<T>(int length) where T : unmanaged
    {
        var scope = TensorScope.Current;
        var storage = new Storage<T>(Rent<T>(length, zeroed: false, scope is not null));
        scope?.Own(storage);
        return storage;
    }

    private static T[] Rent<T>(int length, bool zeroed, bool pooled) where T : unmanaged
    {
        if (pooled && BufferPool<T>.TryRent(length) is { } array)
        {
            if (zeroed) Array.Clear(array);
            return array;
        }
        return zeroed ? new T[length] : GC.AllocateUninitializedArray<T>(length);
    }
}

internal sealed class Storage<T>(T[] data) : Storage where T : unmanaged
{
    private T[]? _data = data;

    public T[] Data => _data ?? throw new ObjectDisposedException("Tensor",
        "This tensor's memory was returned to the pool when the TensorScope that created it ended. " +
        "Keep results you need after the scope with scope.Keep(tensor), or read them (Item, ToArray) inside it.");

    public override DType DType => DTypeExtensions.Of<T>();

    public override int Length => Data.Length;

    public override Span<TView> Reinterpret<TView>() => System.Runtime.InteropServices.MemoryMarshal.Cast<T, TView>(Data.AsSpan());

    public override void Release()
    {
        if (_data is null) return;
        BufferPool<T>.Return(_data);
        _data = null;
    }
}

/// <summary>
/// Buffers of exact lengths kept for reuse: a training loop asks for the same sizes every step, so
/// after the first step every allocation inside a scope is served from here.
/// </summary>
internal static class BufferPool<T> where T : unmanaged
{
    private const long MaxPooledBytes = 1L << 30;
    private static readonly Dictionary<int, Stack<T[]>> FreeArrays = [];
    private static readonly Lock Sync = new();
    private static long s_pooledBytes;

    public static T[]? TryRent(int length)
    {
        lock (Sync)
        {
            if (!FreeArrays.TryGetValue(length, out var stack) || stack.Count == 0) return null;
            s_pooledBytes -= (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            return stack.Pop();
        }
    }

    public static void Return(T[] array)
    {
        long bytes = (long)array.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        lock (Sync)
        {
            // Past the cap the array is simply dropped for the GC: the pool is a cache, not an owner.
            if (s_pooledBytes + bytes > MaxPooledBytes) return;
            if (!FreeArrays.TryGetValue(array.Length, out var stack)) FreeArrays[array.Length] = stack = new Stack<T[]>();
            stack.Push(array);
            s_pooledBytes += bytes;
        }
    }
}
