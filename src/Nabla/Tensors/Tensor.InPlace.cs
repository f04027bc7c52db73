using System.Numerics.Tensors;

namespace Nabla;

public sealed partial class Tensor
{
    private void CheckInPlace(string op, Tensor? other = null)
    {
        if (Autograd.IsGradEnabled && (RequiresGrad || (other?.RequiresGrad ?? false)))
        {
            throw new InvalidOperationException(
                $"{op}: in-place operations are not recorded in the graph; a tensor that requires grad ({ShapeUtil.Describe(this)}) " +
                "can only be modified inside `using (Autograd.NoGrad())`, e.g. for a parameter update.");
        }

        if (other is not null)
        {
            var shape = ShapeUtil.BroadcastShapes(op, ShapeArray, other.ShapeArray);
            if (!ShapeUtil.SameShape(shape, ShapeArray))
                throw new ArgumentException($"{op}: {ShapeUtil.Describe(other)} cannot be broadcast into the in-place target {ShapeUtil.Describe(this)}.");
        }
        for (int i = 0; i < Rank; i++)
        {
            if (StridesArray[i] == 0 && ShapeArray[i] > 1)
                throw new InvalidOperationException($"{op}: the target {ShapeUtil.Describe(this)} is an expanded view whose elements share memory; call Contiguous() first.");
        }
    }

    private Tensor Assign(Tensor value)
    {
        CopyFromUnchecked(value.DType == DType ? value : Dispatch.Elementwise.Cast(value, DType));
        BumpVersion();
        return this;
    }

    /// <summary>this += alpha · other, in place (like <c>add_</c>).</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1)
    {
        CheckInPlace("AddInPlace", other);
        if (IsContiguous && other.IsContiguous && other.DType == DType && ShapeUtil.SameShape(ShapeArray, other.ShapeArray))
        {
            switch (Storage, other.Storage)
            {
                case (Storage<float> d, Storage<float> s):
                    var df = d.Data.AsSpan(Offset, Numel);
                    TensorPrimitives.MultiplyAdd(s.Data.AsSpan(other.Offset, df.Length), (float)alpha, df, df);
                    BumpVersion();
                    return this;
                case (Storage<double> d, Storage<double> s):
                    var dd = d.Data.AsSpan(Offset, Numel);
                    TensorPrimitives.MultiplyAdd(s.Data.AsSpan(other.Offset, dd.Length), alpha, dd, dd);
                    BumpVersion();
                    return this;
            }
        }
        using (Autograd.NoGrad())
            return Assign(alpha == 1 ? Detach() + other.Detach() : Detach() + other.Detach() * alpha);
    }

    /// <summary>this −= other, in place.</summary>
    public Tensor SubInPlace(Tensor other) => AddInPlace(other, -1);

    /// <summary>this ·= s, in place (like <c>mul_</c>).</summary>
    public Tensor MulInPlace(double s)
    {
        CheckInPlace("MulInPlace");
        if (IsContiguous)
        {
            switch (Storage)
            {
                case Storage<float> d: var f = d.Data.AsSpan(Offset, Numel); TensorPrimitives.Multiply(f, (float)s, f); BumpVersion(); return this;
                case Storage<double> d: var g = d.Data.AsSpan(Offset, Numel); TensorPrimitives.Multiply(g, s, g); BumpVersion(); return this;
            }
        }
        using (Autograd.NoGrad())
            return Assign(Detach() * s);
    }

    /// <summary>this ·= other elementwise, in place.</summary>
    public Tensor MulInPlace(Tensor other)
    {
        CheckInPlace("MulInPlace", other);
        using (Autograd.NoGrad())
            return Assign(Detach() * other.Detach());
    }

    /// <summary>Copies <paramref name="source"/> (broadcast, converted to this dtype) into this tensor (like <c>copy_</c>).</summary>
    public Tensor CopyFrom(Tensor source)
    {
        CheckInPlace("CopyFrom", source);
        using (Autograd.NoGrad())
            return Assign(ShapeUtil.SameShape(source.ShapeArray, ShapeArray) ? source.Detach() : source.Detach().Expand(ShapeArray));
    }

    /// <summary>Sets every element to <paramref name="value"/> (like <c>fill_</c>).</summary>
    public Tensor Fill(double value)
    {
        CheckInPlace("Fill");
        return Assign(Full(ShapeArray, value, DType));
    }

    /// <summary>Sets every element to zero (like <c>zero_</c>).</summary>
    public Tensor Zero() => Fill(0);
}
