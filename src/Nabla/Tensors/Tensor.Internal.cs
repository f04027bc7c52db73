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
        switch (DType)
        {
            case DType.Float32: Strided.Gather<float>(Data<float>(), ShapeArray, StridesArray, result.AsSpan<float>()); break;
            case DType.Float64: Strided.Gather<double>(Data<double>(), ShapeArray, StridesArray, result.AsSpan<double>()); break;
            default: Strided.Gather<long>(Data<long>(), ShapeArray, StridesArray, result.AsSpan<long>()); break;
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
        switch (DType)
        {
            case DType.Float32: Strided.Scatter<float>(c.AsSpan<float>(), Data<float>(), ShapeArray, StridesArray); break;
            case DType.Float64: Strided.Scatter<double>(c.AsSpan<double>(), Data<double>(), ShapeArray, StridesArray); break;
            default: Strided.Scatter<long>(c.AsSpan<long>(), Data<long>(), ShapeArray, StridesArray); break;
        }
    }

    /// <summary>The storage from this view's first element on, for kernels that walk it with this view's strides.</summary>
    internal Span<T> Data<T>() where T : unmanaged => ((Storage<T>)Storage).Data.AsSpan(Offset);

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

    private void RequireFloat(string op)
    {
        if (!DType.IsFloatingPoint())
            throw new NotSupportedException($"{op}: not defined for int64 tensors (shape {ShapeUtil.Format(ShapeArray)}); convert with .To(DType.Float32) first.");
    }
}
