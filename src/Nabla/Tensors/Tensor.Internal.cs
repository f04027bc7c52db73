using Nabla.Kernels;

namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>This tensor if contiguous, else a contiguous copy; never recorded in the graph.</summary>
    internal Tensor Materialize() => IsContiguous ? this : Copy();

    /// <summary>A contiguous copy with fresh storage; never recorded in the graph.</summary>
    internal Tensor Copy()
    {
        var result = Empty((int[])ShapeArray.Clone(), DType);
        switch (DType.ElementSize())
        {
            case 1: Strided.Gather<byte>(Raw<byte>(), ShapeArray, StridesArray, result.RawSpan<byte>()); break;
            case 2: Strided.Gather<ushort>(Raw<ushort>(), ShapeArray, StridesArray, result.RawSpan<ushort>()); break;
            case 4: Strided.Gather<int>(Raw<int>(), ShapeArray, StridesArray, result.RawSpan<int>()); break;
            default: Strided.Gather<long>(Raw<long>(), ShapeArray, StridesArray, result.RawSpan<long>()); break;
        }
        return result;
    }

    /// <summary>A view over the same storage; never recorded in the graph.</summary>
    internal Tensor ViewRaw(int[] shape, int[] strides, int offset) => new(Storage, shape, strides, offset);

    internal Tensor NarrowView(int dim, int start, int length)
    {
        var shape = (int[])ShapeArray.Clone();
        shape[dim] = length;
        return ViewRaw(shape, (int[])StridesArray.Clone(), Offset + start * StridesArray[dim]);
    }

    /// <summary>Writes <paramref name="src"/> (same shape and dtype) into this view element by element.</summary>
    internal void CopyFromUnchecked(Tensor src)
    {
        if (src.DType != DType) throw new InvalidOperationException($"copy: dtype mismatch {src.DType.Name()} into {DType.Name()}.");
        var c = src.Materialize();
        switch (DType.ElementSize())
        {
            case 1: Strided.Scatter<byte>(c.RawSpan<byte>(), Raw<byte>(), ShapeArray, StridesArray); break;
            case 2: Strided.Scatter<ushort>(c.RawSpan<ushort>(), Raw<ushort>(), ShapeArray, StridesArray); break;
            case 4: Strided.Scatter<int>(c.RawSpan<int>(), Raw<int>(), ShapeArray, StridesArray); break;
            default: Strided.Scatter<long>(c.RawSpan<long>(), Raw<long>(), ShapeArray, StridesArray); break;
        }
    }

    /// <summary>The storage from this view's first element on, for kernels that walk it with this view's strides.</summary>
    internal Span<T> Data<T>() where T : unmanaged => ((Storage<T>)Storage).Data.AsSpan(Offset);

    /// <summary>
    /// The storage from this view's first element on, its bits seen as <typeparamref name="T"/> of the dtype's element
    /// size: for layout kernels that move elements without reading them.
    /// </summary>
    internal Span<T> Raw<T>() where T : unmanaged => Storage.Reinterpret<T>()[Offset..];

    /// <summary>The elements of a contiguous tensor, their bits seen as <typeparamref name="T"/> of the dtype's element size.</summary>
    internal Span<T> RawSpan<T>() where T : unmanaged
    {
        if (!IsContiguous) throw new InvalidOperationException("RawSpan: the tensor is not contiguous.");
        return Storage.Reinterpret<T>().Slice(Offset, Numel);
    }

    /// <summary>The elements of a contiguous tensor as a span (no copy).</summary>
    internal Span<T> AsSpan<T>() where T : unmanaged
    {
        if (!IsContiguous) throw new InvalidOperationException("AsSpan: the tensor is not contiguous.");
        return ((Storage<T>)Storage).Data.AsSpan(Offset, Numel);
    }

    /// <summary>The elements in row-major order: this tensor's own memory when contiguous, else a contiguous copy's.</summary>
    internal ReadOnlySpan<T> ReadContiguous<T>() where T : unmanaged => Materialize().AsSpan<T>();

    /// <summary>
    /// Attaches a graph node to a freshly computed result when grad mode is on and an input requires grad. With grad
    /// mode off it tells a checkpointed forward pass which tensors requiring grad the block reads.
    /// </summary>
    internal static Tensor Record(Tensor result, OpKind op, Tensor[] inputs)
    {
        if (Autograd.IsAnomalyEnabled) Autograd.CheckForward(result, op, inputs);
        if (!Autograd.IsGradEnabled)
        {
            CheckpointFunction.Capture.Note(inputs);
            return result;
        }
        foreach (var input in inputs)
        {
            if (input.ViewBase is not null) input.RefreshView();
        }
        foreach (var input in inputs)
        {
            if (!input.RequiresGrad) continue;
            result.Node = new Node(op, inputs, result);
            result._requiresGrad = true;
            return result;
        }
        return result;
    }

    internal static Tensor Record(Tensor result, OpKind op, Tensor input)
    {
        if (ReferenceEquals(result.Storage, input.Storage)) result.MarkViewOf(input);
        if (Autograd.IsAnomalyEnabled) Autograd.CheckForward(result, op, [input]);
        if (!Autograd.IsGradEnabled)
        {
            CheckpointFunction.Capture.Note(input);
            return result;
        }
        if (input.ViewBase is not null) input.RefreshView();
        if (!input.RequiresGrad) return result;
        result.Node = new Node(op, [input], result);
        result._requiresGrad = true;
        return result;
    }

    internal static Tensor Record(Tensor result, OpKind op, Tensor a, Tensor b)
    {
        if (Autograd.IsAnomalyEnabled) Autograd.CheckForward(result, op, [a, b]);
        if (!Autograd.IsGradEnabled)
        {
            CheckpointFunction.Capture.Note(a);
            CheckpointFunction.Capture.Note(b);
            return result;
        }
        if (a.ViewBase is not null) a.RefreshView();
        if (b.ViewBase is not null) b.RefreshView();
        if (!(a.RequiresGrad || b.RequiresGrad)) return result;
        result.Node = new Node(op, [a, b], result);
        result._requiresGrad = true;
        return result;
    }

    /// <summary>Records a primitive without arguments (its one shared instance).</summary>
    internal static Tensor Record<TKind>(Tensor result, Tensor input) where TKind : OpKind, new() =>
        Record(result, Shared<TKind>.Instance, input);

    /// <summary>Records a primitive without arguments (its one shared instance).</summary>
    internal static Tensor Record<TKind>(Tensor result, Tensor a, Tensor b) where TKind : OpKind, new() =>
        Record(result, Shared<TKind>.Instance, a, b);

    /// <summary>Records a primitive without arguments (its one shared instance).</summary>
    internal static Tensor Record<TKind>(Tensor result, Tensor[] inputs) where TKind : OpKind, new() =>
        Record(result, Shared<TKind>.Instance, inputs);

    internal void BumpVersion() => Storage.Version++;

    private void RequireFloat(string op) => AsInputOf(op, UnaryDTypeRule.FloatOnly);

    /// <summary>
    /// This tensor as the input of the elementwise function <paramref name="op"/>: converted to the dtype that the
    /// function's rule gives for this dtype (<see cref="DTypeExtensions.UnaryResultType"/>; this tensor itself when it
    /// already has it), or an exception naming the op, the shape and the dtype where PyTorch refuses the dtype.
    /// </summary>
    internal Tensor AsInputOf(string op, UnaryDTypeRule rule)
    {
        RequireComputable(op);
        var dtype = DType.UnaryResultType(rule)
            ?? throw new NotSupportedException(rule == UnaryDTypeRule.Rounding
                ? $"{op}: not defined for {DType.Name()} tensors (shape {ShapeUtil.Format(ShapeArray)}), as in PyTorch; convert with .To(DType.Int64) or .To(DType.Float32) first."
                : $"{op}: not defined for {DType.Name()} tensors (shape {ShapeUtil.Format(ShapeArray)}); convert with .To(DType.Float32) first.");
        return To(dtype);
    }

    /// <summary>Refuses float16 and bfloat16 tensors, which are stored and converted but not computed on.</summary>
    internal void RequireComputable(string op)
    {
        if (DType.IsStorageOnly())
            throw new NotSupportedException($"{op}: not defined for {DType.Name()} tensors (shape {ShapeUtil.Format(ShapeArray)}); {DType.Name()} is a storage dtype, convert with .To(DType.Float32) first.");
    }
}
