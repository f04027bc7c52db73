using Nabla.Ops;

namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>This tensor if contiguous, else a contiguous copy; never recorded in the graph.</summary>
    internal Tensor Materialize() => IsContiguous ? this : Copy();

    /// <summary>A contiguous copy with fresh storage; never recorded in the graph.</summary>
    internal Tensor Copy()
    {
        var result = Empty((int[])_shape.Clone(), DType);
        switch (Storage)
        {
            case Storage<float> s: Strided.CopyTo(s.Data, Offset, _shape, _strides, ((Storage<float>)result.Storage).Data); break;
            case Storage<double> s: Strided.CopyTo(s.Data, Offset, _shape, _strides, ((Storage<double>)result.Storage).Data); break;
            case Storage<long> s: Strided.CopyTo(s.Data, Offset, _shape, _strides, ((Storage<long>)result.Storage).Data); break;
        }
        return result;
    }

    /// <summary>A view over the same storage; never recorded in the graph.</summary>
    internal Tensor ViewRaw(int[] shape, int[] strides, int offset) => new(Storage, shape, strides, offset);

    internal Tensor NarrowView(int dim, int start, int length)
    {
        var shape = (int[])_shape.Clone();
        shape[dim] = length;
        return ViewRaw(shape, (int[])_strides.Clone(), Offset + start * _strides[dim]);
    }

    /// <summary>Writes <paramref name="src"/> (same shape and dtype) into this view element by element.</summary>
    internal void CopyFromUnchecked(Tensor src)
    {
        var c = src.Materialize();
        switch (Storage, c.Storage)
        {
            case (Storage<float> d, Storage<float> s): Strided.CopyFrom<float>(s.Data.AsSpan(c.Offset, c.Numel), d.Data, Offset, _shape, _strides); break;
            case (Storage<double> d, Storage<double> s): Strided.CopyFrom<double>(s.Data.AsSpan(c.Offset, c.Numel), d.Data, Offset, _shape, _strides); break;
            case (Storage<long> d, Storage<long> s): Strided.CopyFrom<long>(s.Data.AsSpan(c.Offset, c.Numel), d.Data, Offset, _shape, _strides); break;
            default: throw new InvalidOperationException($"copy: dtype mismatch {src.DType.Name()} into {DType.Name()}.");
        }
    }

    internal void SetFromDoubleOrLong(int index, Tensor source, int sourceIndex)
    {
        switch (Storage, source.Storage)
        {
            case (Storage<float> d, Storage<float> s): d.Data[index] = s.Data[sourceIndex]; break;
            case (Storage<double> d, Storage<double> s): d.Data[index] = s.Data[sourceIndex]; break;
            case (Storage<long> d, Storage<long> s): d.Data[index] = s.Data[sourceIndex]; break;
        }
    }

    internal void AddFrom(int index, Tensor source, int sourceIndex)
    {
        switch (Storage, source.Storage)
        {
            case (Storage<float> d, Storage<float> s): d.Data[index] += s.Data[sourceIndex]; break;
            case (Storage<double> d, Storage<double> s): d.Data[index] += s.Data[sourceIndex]; break;
            case (Storage<long> d, Storage<long> s): d.Data[index] += s.Data[sourceIndex]; break;
        }
    }

    /// <summary>Attaches a graph node to a freshly computed result when grad mode is on and an input requires grad.</summary>
    internal static Tensor Record(Tensor result, OpKind op, Tensor[] inputs, OpArgs? args = null)
    {
        if (!Autograd.IsGradEnabled) return result;
        foreach (var input in inputs)
        {
            if (!input.RequiresGrad) continue;
            result.Node = new Node(op, inputs, args, result);
            result._requiresGrad = true;
            return result;
        }
        return result;
    }

    internal static Tensor Record(Tensor result, OpKind op, Tensor input, OpArgs? args = null)
    {
        if (!Autograd.IsGradEnabled || !input.RequiresGrad) return result;
        result.Node = new Node(op, [input], args, result);
        result._requiresGrad = true;
        return result;
    }

    internal static Tensor Record(Tensor result, OpKind op, Tensor a, Tensor b, OpArgs? args = null)
    {
        if (!Autograd.IsGradEnabled || !(a.RequiresGrad || b.RequiresGrad)) return result;
        result.Node = new Node(op, [a, b], args, result);
        result._requiresGrad = true;
        return result;
    }

    internal void BumpVersion() => Storage.Version++;

    private void RequireFloat(string op)
    {
        if (!DType.IsFloatingPoint())
            throw new NotSupportedException($"{op}: not defined for int64 tensors (shape {ShapeUtil.Format(_shape)}); convert with .To(DType.Float32) first.");
    }
}
