using System.Numerics.Tensors;
using Nabla.Kernels;

namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>Checks that <paramref name="other"/> broadcasts into this tensor and that this tensor's elements do not share memory.</summary>
    private void CheckInPlace(string op, Tensor? other = null)
    {
        if (other is not null)
        {
            var shape = ShapeUtil.BroadcastShapes(op, ShapeArray, other.ShapeArray);
            if (!ShapeUtil.SameShape(shape, ShapeArray))
                throw new ArgumentException($"{op}: {ShapeUtil.Describe(other)} cannot be broadcast into the in-place target {ShapeUtil.Describe(this)}.");
        }
        CheckWritable(op);
    }

    private Tensor Assign(Tensor value)
    {
        CopyFromUnchecked(value.DType == DType ? value : Dispatch.Elementwise.Cast(value, DType));
        BumpVersion();
        return this;
    }

    /// <summary>
    /// this += alpha · other, in place (like <c>add_</c>). With grad mode on and a tensor that requires grad involved,
    /// the write is recorded as PyTorch records it (see <see cref="CopyFrom"/>); otherwise it is a plain update.
    /// </summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1)
    {
        ArgumentNullException.ThrowIfNull(other);
        CheckInPlace("AddInPlace", other);
        if (RecordsInPlace(other)) return AddInPlaceRecorded(other, alpha);
        // The gradient sums of the backward pass (into a whole buffer or a slice of it): one pass, no temporary.
        if (alpha == 1 && other.DType == DType && !ReferenceEquals(Storage, other.Storage)
            && Dispatch.Elementwise.TryBinaryInPlace<AddOperator<float>, AddOperator<double>>(this, other))
        {
            BumpVersion();
            return this;
        }
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
        if (RecordsInPlace(null)) return MulInPlaceRecorded(s);
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

    /// <summary>this /= s, in place (like <c>div_</c>).</summary>
    public Tensor DivInPlace(double s) => DivInPlace(ScalarLike(s));

    /// <summary>this /= other elementwise, broadcast into this tensor, in place (like <c>div_</c>).</summary>
    public Tensor DivInPlace(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        CheckInPlace("DivInPlace", other);
        if (RecordsInPlace(other)) return WriteRecorded("DivInPlace", current => (other.RequiresGrad ? current.Clone() : current) / other);
        using (Autograd.NoGrad())
            return Assign(Detach() / other.Detach());
    }

    /// <summary>this ·= other elementwise, in place.</summary>
    public Tensor MulInPlace(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        CheckInPlace("MulInPlace", other);
        if (RecordsInPlace(other)) return MulInPlaceRecorded(other);
        using (Autograd.NoGrad())
            return Assign(Detach() * other.Detach());
    }

    /// <summary>
    /// Copies <paramref name="source"/> (broadcast, converted to this dtype) into this tensor (like <c>copy_</c>). With
    /// grad mode on and a tensor that requires grad involved, the write is recorded as in PyTorch: this tensor's history
    /// is rebased onto the write (earlier ops keep the history they saw), a view's write rebases its base
    /// (<c>CopySlices</c>: the old base outside the view, the source inside) and the view then sees its gradient
    /// through the base. A leaf that requires grad, or a view of one, cannot be written outside
    /// <see cref="Autograd.NoGrad"/>.
    /// </summary>
    public Tensor CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        CheckInPlace("CopyFrom", source);
        if (RecordsInPlace(source)) return CopyFromRecorded(source);
        using (Autograd.NoGrad())
            return Assign(ShapeUtil.SameShape(source.ShapeArray, ShapeArray) ? source.Detach() : source.Detach().Expand(ShapeArray));
    }

    /// <summary>Sets every element to <paramref name="value"/> (like <c>fill_</c>).</summary>
    public Tensor Fill(double value)
    {
        CheckInPlace("Fill");
        if (RecordsInPlace(null)) return FillRecorded(value);
        if (IsContiguous)
        {
            switch (Storage)
            {
                case Storage<float> f:
                    f.Data.AsSpan(Offset, Numel).Fill((float)value);
                    BumpVersion();
                    return this;
                case Storage<double> d:
                    d.Data.AsSpan(Offset, Numel).Fill(value);
                    BumpVersion();
                    return this;
            }
        }
        return Assign(Full(ShapeArray, value, DType));
    }

    /// <summary>Sets every element to the value of the one-element tensor <paramref name="value"/> (like <c>fill_</c> with a 0-d tensor).</summary>
    public Tensor Fill(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Numel != 1)
            throw new ArgumentException($"Fill: the value must be a tensor of one element, got {ShapeUtil.Describe(value)} (target {ShapeUtil.Describe(this)}).", nameof(value));
        return value.RequiresGrad && Autograd.IsGradEnabled ? CopyFrom(value.Reshape([])) : Fill(value.Item());
    }

    /// <summary>Sets every element to zero (like <c>zero_</c>).</summary>
    public Tensor Zero() => Fill(0);

    private Tensor AddInPlaceRecorded(Tensor other, double alpha) =>
        WriteRecorded("AddInPlace", current => alpha == 1 ? current + other : current + (other * alpha));

    private Tensor MulInPlaceRecorded(double s) => WriteRecorded("MulInPlace", current => current * s);

    // The product's derivative for the other factor reads this tensor's old value, which the write overwrites: it reads a copy.
    private Tensor MulInPlaceRecorded(Tensor other) =>
        WriteRecorded("MulInPlace", current => (other.RequiresGrad ? current.Clone() : current) * other);

    private Tensor CopyFromRecorded(Tensor source) =>
        WriteRecorded("CopyFrom", current => source.To(current.DType).Expand(current.ShapeArray));

    private Tensor FillRecorded(double value) => WriteRecorded("Fill", current => Full(current.ShapeArray, value, current.DType));
}
