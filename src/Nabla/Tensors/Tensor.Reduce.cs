using Nabla.Dispatch;
using Nabla.Kernels;

namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>A reduction primitive over <paramref name="dims"/> (null: all), computed by the reducers named.</summary>
    private Tensor ReduceOver<TF, TD, TL>(Func<int[], OpKind> op, string name, int[]? dims, bool keepDim)
        where TF : IReducer<float> where TD : IReducer<double> where TL : IReducer<long>
    {
        RequireComputable(name);
        if (DType is DType.Bool or DType.UInt8 or DType.Int32)
        {
            // As in PyTorch, a sum of these dtypes is int64; a max or min keeps the dtype.
            var wide = To(DType.Int64).ReduceOver<TF, TD, TL>(op, name, dims, keepDim);
            return name == "Sum" ? wide : wide.To(DType);
        }
        var d = ShapeUtil.NormalizeDims(name, dims, Rank);
        var kept = Reduction.Reduce<TF, TD, TL>(name, this, d);
        var result = Record(kept, op(d), this);
        return keepDim ? result : result.SqueezeDims(d);
    }

    private Tensor SumOver(int[]? dims, bool keepDim) =>
        ReduceOver<SumReducer<float>, SumReducer<double>, SumReducer<long>>(static d => new OpKind.Sum(d), "Sum", dims, keepDim);

    private Tensor MaxOver(int[]? dims, bool keepDim) =>
        ReduceOver<MaxReducer<float>, MaxReducer<double>, MaxReducer<long>>(static d => new OpKind.Max(d), "Max", dims, keepDim);

    private Tensor MinOver(int[]? dims, bool keepDim) =>
        ReduceOver<MinReducer<float>, MinReducer<double>, MinReducer<long>>(static d => new OpKind.Min(d), "Min", dims, keepDim);

    /// <summary>The sum of all elements (a 0-dim tensor).</summary>
    public Tensor Sum() => SumOver(null, false);
    /// <summary>The sum over <paramref name="dim"/>.</summary>
    public Tensor Sum(int dim, bool keepDim = false) => SumOver([dim], keepDim);
    /// <summary>The sum over <paramref name="dims"/> (null: all).</summary>
    public Tensor Sum(int[]? dims, bool keepDim = false) => SumOver(dims, keepDim);

    /// <summary>The mean of all elements.</summary>
    public Tensor Mean() => Mean(null);
    /// <summary>The mean over <paramref name="dim"/>.</summary>
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);
    /// <summary>The mean over <paramref name="dims"/> (null: all).</summary>
    public Tensor Mean(int[]? dims, bool keepDim = false)
    {
        RequireFloat("Mean");
        return Sum(dims, keepDim) / CountOver(dims);
    }

    /// <summary>The variance over <paramref name="dims"/> (null: all) with Bessel's correction by default: Σ(x − x̄)² / (N − correction).</summary>
    public Tensor Var(int[]? dims = null, bool keepDim = false, int correction = 1)
    {
        RequireFloat("Var");
        var centered = this - Mean(dims, keepDim: true);
        return (centered * centered).Sum(dims, keepDim) / Math.Max(CountOver(dims) - correction, 0);
    }

    /// <summary>The variance over one dim.</summary>
    public Tensor Var(int dim, bool keepDim = false, int correction = 1) => Var([dim], keepDim, correction);

    /// <summary>The standard deviation: √Var, with the gradient 0 where the variance is 0, as in PyTorch.</summary>
    public Tensor Std(int[]? dims = null, bool keepDim = false, int correction = 1)
    {
        var variance = Var(dims, keepDim, correction);
        // √ has an infinite slope at 0: the root sees 1 where the variance is 0, and its zero gradient stays 0.
        var constant = variance.Eq(0.0);
        return Where(constant, ScalarLike(0), Where(constant, ScalarLike(1), variance).Sqrt());
    }

    private int CountOver(int[]? dims)
    {
        int n = 1;
        foreach (int d in ShapeUtil.NormalizeDims("Mean", dims, Rank)) n *= ShapeArray[d];
        return n;
    }

    /// <summary>The maximum of all elements.</summary>
    public Tensor Max() => MaxOver(null, false);
    /// <summary>The maximum over <paramref name="dim"/> (values only; see <see cref="MaxWithIndices"/>).</summary>
    public Tensor Max(int dim, bool keepDim = false) => MaxOver([dim], keepDim);
    /// <summary>The minimum of all elements.</summary>
    public Tensor Min() => MinOver(null, false);
    /// <summary>The minimum over <paramref name="dim"/>.</summary>
    public Tensor Min(int dim, bool keepDim = false) => MinOver([dim], keepDim);
    /// <summary>The maximum over <paramref name="dims"/>; ties share the gradient evenly, like <c>torch.amax</c>.</summary>
    public Tensor Amax(int[]? dims = null, bool keepDim = false) => MaxOver(dims, keepDim);
    /// <summary>The minimum over <paramref name="dims"/>; ties share the gradient evenly, like <c>torch.amin</c>.</summary>
    public Tensor Amin(int[]? dims = null, bool keepDim = false) => MinOver(dims, keepDim);

    /// <summary>The maximum over <paramref name="dim"/> and the index of its first occurrence.</summary>
    public (Tensor Values, Tensor Indices) MaxWithIndices(int dim, bool keepDim = false) => (Max(dim, keepDim), Argmax(dim, keepDim));

    /// <summary>The minimum over <paramref name="dim"/> and the index of its first occurrence.</summary>
    public (Tensor Values, Tensor Indices) MinWithIndices(int dim, bool keepDim = false) => (Min(dim, keepDim), Argmin(dim, keepDim));

    /// <summary>The index of the first maximum over <paramref name="dim"/>, or of the flattened tensor when dim is null (int64).</summary>
    public Tensor Argmax(int? dim = null, bool keepDim = false) => ArgExtreme(dim, keepDim, max: true);

    /// <summary>The index of the first minimum over <paramref name="dim"/>, or of the flattened tensor when dim is null (int64).</summary>
    public Tensor Argmin(int? dim = null, bool keepDim = false) => ArgExtreme(dim, keepDim, max: false);

    private Tensor ArgExtreme(int? dim, bool keepDim, bool max)
    {
        if (dim is null)
        {
            var flat = Reduction.ArgExtreme(Detach().Reshape(-1), 0, max);
            return keepDim ? flat.ViewRaw(Enumerable.Repeat(1, Rank).ToArray(), new int[Rank], flat.Offset) : flat.ViewRaw([], [], flat.Offset);
        }
        int d = ShapeUtil.NormalizeDim(max ? "Argmax" : "Argmin", dim.Value, Rank);
        var result = Reduction.ArgExtreme(Rank == 0 ? Detach().Reshape(1) : this, Rank == 0 ? 0 : d, max);
        if (Rank == 0) return result.ViewRaw([], [], 0);
        return keepDim ? result : result.SqueezeDims([d]);
    }

    /// <summary>log Σ exp(x) over <paramref name="dims"/>, computed stably by shifting by the maximum; a bool or integer tensor is taken as float32, as in PyTorch.</summary>
    public Tensor LogSumExp(int[]? dims = null, bool keepDim = false)
    {
        if (!DType.IsFloatingPoint()) return AsInputOf("LogSumExp", UnaryDTypeRule.IntToFloat).LogSumExp(dims, keepDim);
        RequireComputable("LogSumExp");
        Tensor shift;
        using (Autograd.NoGrad())
        {
            shift = Amax(dims, keepDim: true);
            shift = Where(shift.Abs().Eq(double.PositiveInfinity), ZerosLike(shift), shift);
        }
        var result = (this - shift).Exp().Sum(dims, keepDim: true).Log() + shift;
        return keepDim ? result : result.SqueezeDims(ShapeUtil.NormalizeDims("LogSumExp", dims, Rank));
    }

    /// <summary>log Σ exp(x) over one dim.</summary>
    public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    /// <summary>Softmax along <paramref name="dim"/>: e^(xᵢ) / Σⱼ e^(xⱼ).</summary>
    public Tensor Softmax(int dim = -1) => SoftmaxImpl(dim, log: false);

    /// <summary>Log-softmax along <paramref name="dim"/>: xᵢ − log Σⱼ e^(xⱼ).</summary>
    public Tensor LogSoftmax(int dim = -1) => SoftmaxImpl(dim, log: true);

    private Tensor SoftmaxImpl(int dim, bool log)
    {
        string name = log ? "LogSoftmax" : "Softmax";
        RequireFloat(name);
        int d = ShapeUtil.NormalizeDim(name, dim, Rank);
        Tensor result;
        if (Rank == 0 || d == Rank - 1)
        {
            result = Reduction.SoftmaxLastDim(this, log);
        }
        else
        {
            var moved = Detach().Transpose(d, -1);
            result = Reduction.SoftmaxLastDim(moved, log).Transpose(d, -1).Materialize();
        }
        return Record(result, log ? new OpKind.LogSoftmax(d) : new OpKind.Softmax(d), this);
    }

    /// <summary>Reduces a broadcast gradient back to <paramref name="shape"/> by summing the broadcast dims.</summary>
    internal Tensor SumToShape(int[] shape)
    {
        int lead = Rank - shape.Length;
        var dims = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (i < lead || (shape[i - lead] == 1 && ShapeArray[i] != 1)) dims.Add(i);
        var summed = dims.Count == 0 ? this : Sum(dims.ToArray(), keepDim: true);
        return ShapeUtil.SameShape(summed.ShapeArray, shape) ? summed : summed.Reshape(shape);
    }
}
