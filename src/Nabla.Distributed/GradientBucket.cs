using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Nabla.Distributed;

/// <summary>
/// A few parameters' gradients laid end to end in one pinned buffer, all-reduced as one message: fewer, larger
/// messages amortise MPI's per-call latency. The buffer lives on the pinned-object heap, so MPI may keep its address
/// while a non-blocking all-reduce runs.
/// </summary>
internal sealed unsafe class GradientBucket
{
    private readonly byte[] _buffer;
    private readonly byte* _data;
    private int _pending;
    private nint _request;

    public GradientBucket(Tensor[] parameters, DType dtype)
    {
        Parameters = parameters;
        DType = dtype;
        Offsets = new int[parameters.Length];
        int elements = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            Offsets[i] = elements;
            elements = checked(elements + parameters[i].Numel);
        }
        Elements = elements;
        _buffer = GC.AllocateArray<byte>(checked(elements * dtype.ElementSize()), pinned: true);
        _data = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_buffer, 0);
        Ready = new bool[parameters.Length];
        _pending = parameters.Length;
    }

    /// <summary>The parameters whose gradients the bucket carries, in the order they were assigned (reverse model order).</summary>
    public Tensor[] Parameters { get; }

    /// <summary>Where each parameter's gradient starts in the buffer, in elements.</summary>
    public int[] Offsets { get; }

    public DType DType { get; }

    public int Elements { get; }

    public int Bytes => _buffer.Length;

    /// <summary>Which parameters' gradients of the current backward pass are in the buffer.</summary>
    public bool[] Ready { get; }

    public bool IsFull => _pending == 0;

    public bool IsStarted { get; private set; }

    /// <summary>Copies parameter <paramref name="slot"/>'s accumulated gradient (zeros when it has none) into the buffer; true when the bucket is then full.</summary>
    public bool Add(int slot)
    {
        var grad = Parameters[slot].Grad;
        var target = Slice(slot);
        if (grad is null) target.Clear();
        else if (grad.IsContiguous && grad.DType == DType) ProcessGroup.Bytes(grad).CopyTo(target);
        else if (DType == DType.Float32) grad.To(DType.Float32).ToArray<float>().AsSpan().CopyTo(MemoryMarshal.Cast<byte, float>(target));
        else grad.To(DType.Float64).ToArray<double>().AsSpan().CopyTo(MemoryMarshal.Cast<byte, double>(target));
        Ready[slot] = true;
        return --_pending == 0;
    }

    public void Start(ProcessGroup group)
    {
        _request = group.StartAllReduceSum(_data, Elements, DType, Bytes);
        IsStarted = true;
    }

    /// <summary>Lets MPI move the all-reduce on while backward continues.</summary>
    public void Progress(ProcessGroup group)
    {
        if (_request != 0) group.Test(ref _request);
    }

    /// <summary>Waits for the all-reduce, writes the sums times <paramref name="scale"/> into the gradients (of the parameters that have one), and readies the bucket for the next pass.</summary>
    public void Finish(ProcessGroup group, double scale)
    {
        group.Wait(ref _request, "AllReduce (gradients)");
        for (int i = 0; i < Parameters.Length; i++)
        {
            var grad = Parameters[i].Grad;
            if (grad is null) continue;
            var source = Slice(i);
            if (grad.IsContiguous && grad.DType == DType)
            {
                var target = ProcessGroup.Bytes(grad);
                if (DType == DType.Float32) TensorPrimitives.Multiply(MemoryMarshal.Cast<byte, float>(source), (float)scale, MemoryMarshal.Cast<byte, float>(target));
                else TensorPrimitives.Multiply(MemoryMarshal.Cast<byte, double>(source), scale, MemoryMarshal.Cast<byte, double>(target));
                grad.Storage.Version++;
            }
            else
            {
                var shape = grad.Shape.ToArray();
                var sum = DType == DType.Float32
                    ? Tensor.FromArray(MemoryMarshal.Cast<byte, float>(source).ToArray(), shape)
                    : Tensor.FromArray(MemoryMarshal.Cast<byte, double>(source).ToArray(), shape);
                using (Autograd.NoGrad()) grad.CopyFrom(sum * scale);
            }
        }
        Reset();
    }

    /// <summary>Forgets the gradients of an unfinished pass.</summary>
    public void Reset()
    {
        Array.Clear(Ready);
        _pending = Parameters.Length;
        IsStarted = false;
    }

    private Span<byte> Slice(int slot)
    {
        int size = DType.ElementSize();
        return _buffer.AsSpan(Offsets[slot] * size, Parameters[slot].Numel * size);
    }
}
