using Nabla.Kernels;

namespace Nabla;

public sealed partial class Tensor
{
    private bool _wrappedNumber;

    /// <summary>Python's <c>...</c> in an index: <c>x[Tensor.Ellipsis, 0]</c>.</summary>
    public static TensorIndex Ellipsis => TensorIndex.Ellipsis;

    /// <summary>Python's <c>None</c> in an index (a new dim of size 1): <c>x[.., Tensor.NewAxis]</c>.</summary>
    public static TensorIndex NewAxis => TensorIndex.NewAxis;

    /// <summary>
    /// A number used where a tensor is expected (<c>x[mask] = 0</c>, <c>Tensor.Where(c, x, 0)</c>): a 0-d tensor that, as a
    /// Python number does in PyTorch, takes the dtype of the tensor it meets (an integer or bool tensor meeting a fractional
    /// value gives float32); alone it is float64, so no precision is lost before it meets one.
    /// </summary>
    public static implicit operator Tensor(double value)
    {
        var t = Scalar(value, DType.Float64);
        t._wrappedNumber = true;
        return t;
    }

    /// <summary>True for the 0-d tensor made from a number by the implicit conversion.</summary>
    internal bool IsWrappedNumber => _wrappedNumber;

    /// <summary>A wrapped number converted to the dtype it takes beside <paramref name="other"/>.</summary>
    internal Tensor AdaptTo(DType other)
    {
        double v = Item();
        return Scalar(v, other.IsFloatingPoint() ? other : v != Math.Floor(v) ? DType.Float32 : other == DType.Bool ? DType.Int64 : other);
    }

    /// <summary>The element at <paramref name="index"/> (one position per dim), converted to double.</summary>
    public double ItemAt(params int[] index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.Length != Rank) throw new ArgumentException($"ItemAt: {index.Length} indices given for a tensor of rank {Rank} ({ShapeUtil.Describe(this)}).");
        for (int i = 0; i < index.Length; i++)
        {
            if (index[i] < 0 || index[i] >= ShapeArray[i])
                throw ShapeUtil.IndexError($"ItemAt: index {index[i]} is out of range for dim {i} of size {ShapeArray[i]} ({ShapeUtil.Describe(this)}).");
        }

        return GetAsDouble(StorageIndex(index));
    }

    /// <summary>
    /// PyTorch's indexing. Integers, slices (<c>1..3</c>, <c>^1</c>, <see cref="TensorIndex.Slice"/> with a step),
    /// <see cref="Ellipsis"/> and <see cref="NewAxis"/> give a view that shares this tensor's memory; index tensors
    /// (int64 positions, broadcast together) give a copy, their dims placed first when a slice separates them and in
    /// place otherwise. Both are differentiable. Setting writes the value (broadcast, converted to this dtype) into
    /// the indexed elements in place, recorded by autograd as PyTorch records it.
    /// </summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[params TensorIndex[] indices]
    {
        get
        {
            var (view, advanced) = IndexBasic("Indexer", indices);
            return advanced is null ? view : AdvancedGather("Indexer", view, advanced);
        }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            var (view, advanced) = IndexBasic("Indexer", indices);
            var v = value.DType == DType ? value : value.IsWrappedNumber ? Scalar(value.Item(), DType) : value.To(DType);
            if (advanced is null)
            {
                view.CopyFrom(StripLeadingOnes(v, view.Rank));
            }
            else
            {
                view.PutAdvancedInPlace("Indexer", advanced, v, accumulate: false);
            }
        }
    }

    /// <summary>Drops leading size-1 dims of <paramref name="value"/> beyond <paramref name="rank"/>, as PyTorch's assignment does.</summary>
    private static Tensor StripLeadingOnes(Tensor value, int rank)
    {
        int drop = 0;
        while (value.Rank - drop > rank && value.ShapeArray[drop] == 1) drop++;
        return drop == 0 ? value : value.Reshape(value.ShapeArray[drop..]);
    }

    /// <summary>One index tensor of an index, at dim <paramref name="Dim"/> of the basic view (dim <paramref name="SourceDim"/> of the indexed tensor).</summary>
    private readonly record struct AdvancedIndex(int Dim, int SourceDim, Tensor Index);

    /// <summary>
    /// Applies the integers, slices, ellipsis and new axes of an index as one view (recorded as <see cref="OpKind.AsStrided"/>),
    /// and lists the index tensors with the view dims they index.
    /// </summary>
    private (Tensor View, List<AdvancedIndex>? Advanced) IndexBasic(string op, TensorIndex[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int consumed = 0, ellipses = 0;
        foreach (var ix in indices)
        {
            if (ix is null) throw new ArgumentNullException(nameof(indices), $"{op}: an index entry is null; use TensorIndex.NewAxis for a new dim.");
            switch (ix.Kind)
            {
                case TensorIndexKind.Integer or TensorIndexKind.Slice: consumed++; break;
                case TensorIndexKind.Tensor: consumed += IsMask(ix.Tensor!) ? ix.Tensor!.Rank : 1; break;
                case TensorIndexKind.Ellipsis: ellipses++; break;
            }
        }
        if (ellipses > 1) throw ShapeUtil.IndexError($"{op}: an index can only have a single ellipsis ('...'), got [{Format(indices)}].");
        if (consumed > Rank)
            throw ShapeUtil.IndexError($"{op}: too many indices for a tensor of dimension {Rank}: [{Format(indices)}] indexes {consumed} dims of {ShapeUtil.Describe(this)}.");

        var shape = new List<int>(Rank + 2);
        var strides = new List<int>(Rank + 2);
        var logical = new List<int>(Rank + 2);
        var contiguous = Strided.ContiguousStrides(ShapeArray);
        int offset = Offset, logicalOffset = 0, d = 0;
        List<AdvancedIndex>? advanced = null;

        void Keep(int dim)
        {
            shape.Add(ShapeArray[dim]);
            strides.Add(StridesArray[dim]);
            logical.Add(contiguous[dim]);
        }

        foreach (var ix in indices)
        {
            switch (ix.Kind)
            {
                case TensorIndexKind.Integer:
                    {
                        int n = ShapeArray[d];
                        int i = ix.Resolve(n);
                        if (i < 0) throw ShapeUtil.IndexError($"{op}: index {ix} is out of range for dim {d} of size {n} ({ShapeUtil.Describe(this)}).");
                        offset += i * StridesArray[d];
                        logicalOffset += i * contiguous[d];
                        d++;
                        break;
                    }
                case TensorIndexKind.Slice:
                    {
                        var (start, length) = ix.ResolveSlice(ShapeArray[d]);
                        shape.Add(length);
                        strides.Add(StridesArray[d] * ix.Step);
                        logical.Add(contiguous[d] * ix.Step);
                        if (length > 0)
                        {
                            offset += start * StridesArray[d];
                            logicalOffset += start * contiguous[d];
                        }
                        d++;
                        break;
                    }
                case TensorIndexKind.NewAxis:
                    shape.Add(1);
                    strides.Add(0);
                    logical.Add(0);
                    break;
                case TensorIndexKind.Ellipsis:
                    for (int k = Rank - consumed; k > 0; k--) Keep(d++);
                    break;
                default:
                    {
                        var t = ix.Tensor!;
                        if (IsMask(t))
                        {
                            for (int k = 0; k < t.Rank; k++)
                            {
                                if (t.ShapeArray[k] != ShapeArray[d + k])
                                    throw ShapeUtil.IndexError($"{op}: the shape of the mask {ShapeUtil.Describe(t)} does not match the shape of the indexed tensor {ShapeUtil.Describe(this)} at dim {d + k}.");
                            }
                            var positions = t.NonzeroAsTuple();
                            for (int k = 0; k < t.Rank; k++)
                            {
                                (advanced ??= []).Add(new AdvancedIndex(shape.Count, d, positions[k]));
                                Keep(d++);
                            }
                            break;
                        }
                        if (t.DType.IsFloatingPoint())
                            throw ShapeUtil.IndexError($"{op}: tensors used as indices must be int64 (positions) or bool (masks), got {ShapeUtil.Describe(t)}.");
                        (advanced ??= []).Add(new AdvancedIndex(shape.Count, d, t));
                        Keep(d++);
                        break;
                    }
            }
        }
        while (d < Rank) Keep(d++);

        var view = ViewRaw(shape.ToArray(), strides.ToArray(), offset);
        return (Record(view, new OpKind.AsStrided(shape.ToArray(), logical.ToArray(), logicalOffset), this), advanced);
    }

    private static bool IsMask(Tensor t) => t.DType == DType.Bool;

    private static string Format(TensorIndex[] indices) => string.Join(", ", indices.Select(i => i?.ToString() ?? "null"));

    /// <summary>
    /// The layout of an advanced index over a view: the view's indexed dims moved first and flattened into one, the
    /// flat position of every index combination (the index tensors broadcast to <see cref="Broadcast"/>), and where
    /// the broadcast dims go in the result.
    /// </summary>
    private sealed class AdvancedPlan
    {
        public required int[] Perm;
        public required int[] FlatShape;
        public required int[] Broadcast;
        public required int[] RestShape;
        public required int[] RestStrides;
        public required long[] Linear;
        public required long[] StorageRows;
        public required int[] ResultShape;

        /// <summary>From the (broadcast, rest) layout to the result's, or null when they are the same.</summary>
        public int[]? ToResult;

        /// <summary>The result's layout to (broadcast, rest), or null when they are the same.</summary>
        public int[]? FromResult;

        public static AdvancedPlan Create(string op, Tensor view, List<AdvancedIndex> advanced)
        {
            int k = advanced.Count;
            var dims = advanced.Select(a => a.Dim).ToArray();
            var broadcast = Array.Empty<int>();
            foreach (var a in advanced)
            {
                broadcast = ShapeUtil.TryBroadcast(broadcast, a.Index.ShapeArray, out _) ?? throw ShapeUtil.IndexError(
                    $"{op}: shape mismatch: indexing tensors could not be broadcast together with shapes {string.Join(", ", advanced.Select(x => ShapeUtil.Format(x.Index.ShapeArray)))}.");
            }
            int count = ShapeUtil.Numel(broadcast);
            var linear = new long[count];
            var rows = new long[count];
            long after = 1;
            for (int j = k - 1; j >= 0; j--)
            {
                var a = advanced[j];
                int size = view.ShapeArray[a.Dim];
                long[] idx;
                using (Autograd.NoGrad()) idx = a.Index.Detach().To(DType.Int64).Expand(broadcast).ToArray<long>();
                for (int b = 0; b < count; b++)
                {
                    long i = idx[b];
                    if (i < -size || i >= size)
                        throw ShapeUtil.IndexError($"{op}: index {i} is out of range for dim {a.SourceDim} of size {size} (indexing {ShapeUtil.Describe(view)} with {ShapeUtil.Describe(a.Index)}).");
                    if (i < 0) i += size;
                    linear[b] += i * after;
                    rows[b] += i * view.StridesArray[a.Dim];
                }
                after *= size;
            }

            var rest = Enumerable.Range(0, view.Rank).Where(d => !dims.Contains(d)).ToArray();
            var restShape = rest.Select(d => view.ShapeArray[d]).ToArray();
            bool adjacent = dims[^1] - dims[0] == k - 1;
            int first = adjacent ? dims[0] : 0;
            var resultShape = restShape[..first].Concat(broadcast).Concat(restShape[first..]).ToArray();
            int[]? toResult = null, fromResult = null;
            if (first > 0)
            {
                int nb = broadcast.Length;
                toResult = Enumerable.Range(nb, first).Concat(Enumerable.Range(0, nb)).Concat(Enumerable.Range(nb + first, restShape.Length - first)).ToArray();
                fromResult = new int[toResult.Length];
                for (int i = 0; i < toResult.Length; i++) fromResult[toResult[i]] = i;
            }
            return new AdvancedPlan
            {
                Perm = dims.Concat(rest).ToArray(),
                FlatShape = new[] { checked((int)after) }.Concat(restShape).ToArray(),
                Broadcast = broadcast,
                RestShape = restShape,
                RestStrides = rest.Select(d => view.StridesArray[d]).ToArray(),
                Linear = linear,
                StorageRows = rows,
                ResultShape = resultShape,
                ToResult = toResult,
                FromResult = fromResult,
            };
        }

        /// <summary>The view with its indexed dims first, flattened: (positions, rest...).</summary>
        public Tensor Flat(Tensor view) => PermuteUnlessIdentity(view, Perm).Reshape(FlatShape);

        /// <summary>The values broadcast to the result's shape and laid out as (index combinations, rest...).</summary>
        public Tensor Rows(string op, Tensor values)
        {
            var shape = ShapeUtil.TryBroadcast(values.ShapeArray, ResultShape, out _);
            if (shape is null || !ShapeUtil.SameShape(shape, ResultShape))
                throw new ArgumentException($"{op}: shape mismatch: value tensor of shape {ShapeUtil.Describe(values)} cannot be broadcast to indexing result of shape {ShapeUtil.Format(ResultShape)}.");
            var v = values.Expand(ResultShape);
            if (FromResult is not null) v = v.Permute(FromResult);
            return v.Reshape(new[] { Linear.Length }.Concat(RestShape).ToArray());
        }
    }

    private static Tensor PermuteUnlessIdentity(Tensor t, int[] perm)
    {
        for (int i = 0; i < perm.Length; i++)
        {
            if (perm[i] != i) return t.Permute(perm);
        }
        return t;
    }

    /// <summary>The elements of <paramref name="view"/> at an advanced index: a copy, differentiable through IndexSelect.</summary>
    private static Tensor AdvancedGather(string op, Tensor view, List<AdvancedIndex> advanced)
    {
        var plan = AdvancedPlan.Create(op, view, advanced);
        var selected = plan.Flat(view).IndexSelect(0, FromArray(plan.Linear));
        var result = selected.Reshape(plan.Broadcast.Concat(plan.RestShape).ToArray());
        return plan.ToResult is null ? result : result.Permute(plan.ToResult);
    }

    /// <summary>
    /// <paramref name="view"/> with <paramref name="values"/> written (or added) at an advanced index, out of place and
    /// differentiable: IndexAdd for accumulation; otherwise the last write to each position wins, as in PyTorch's CPU
    /// kernel, and the overwritten positions receive no gradient.
    /// </summary>
    private static Tensor AdvancedPut(string op, Tensor view, List<AdvancedIndex> advanced, Tensor values, bool accumulate)
    {
        var plan = AdvancedPlan.Create(op, view, advanced);
        var flat = plan.Flat(view);
        var rows = plan.Rows(op, values);
        Tensor put;
        if (accumulate)
        {
            put = flat.IndexAdd(0, FromArray(plan.Linear), rows);
        }
        else
        {
            var (unique, last) = LastWriters(plan.Linear);
            var placed = ZerosLike(flat).IndexAdd(0, FromArray(unique), rows.IndexSelect(0, FromArray(last)));
            var maskShape = Enumerable.Repeat(1, flat.Rank).ToArray();
            maskShape[0] = flat.ShapeArray[0];
            var mask = ZerosInternal(maskShape, DType.Int64);
            var m = mask.AsSpan<long>();
            foreach (long r in unique) m[(int)r] = 1;
            put = Where(mask, placed, flat);
        }
        var permuted = put.Reshape(plan.Perm.Select(d => view.ShapeArray[d]).ToArray());
        var inverse = new int[plan.Perm.Length];
        for (int i = 0; i < inverse.Length; i++) inverse[plan.Perm[i]] = i;
        return PermuteUnlessIdentity(permuted, inverse);
    }

    /// <summary>The distinct positions in <paramref name="linear"/> and, for each, the last entry that names it.</summary>
    private static (long[] Unique, long[] Last) LastWriters(long[] linear)
    {
        var last = new Dictionary<long, long>();
        for (int i = 0; i < linear.Length; i++) last[linear[i]] = i;
        var unique = new long[last.Count];
        var at = new long[last.Count];
        int n = 0;
        foreach (var (position, entry) in last)
        {
            unique[n] = position;
            at[n++] = entry;
        }
        return (unique, at);
    }

    /// <summary>Writes (or adds) <paramref name="values"/> at an advanced index of this view, in place.</summary>
    private void PutAdvancedInPlace(string op, List<AdvancedIndex> advanced, Tensor values, bool accumulate)
    {
        CheckWritable(op);
        if (RecordsInPlace(values))
        {
            WriteRecorded(op, current => AdvancedPut(op, current, advanced, values, accumulate));
            return;
        }
        var plan = AdvancedPlan.Create(op, this, advanced);
        Tensor rows;
        using (Autograd.NoGrad()) rows = plan.Rows(op, values.Detach()).Materialize();
        switch (DType)
        {
            case DType.Float32: StridedIndexingKernels.PutRows(rows.AsSpan<float>(), plan.StorageRows, plan.RestShape, plan.RestStrides, Data<float>(), accumulate); break;
            case DType.Float64: StridedIndexingKernels.PutRows(rows.AsSpan<double>(), plan.StorageRows, plan.RestShape, plan.RestStrides, Data<double>(), accumulate); break;
            default: StridedIndexingKernels.PutRows(rows.AsSpan<long>(), plan.StorageRows, plan.RestShape, plan.RestStrides, Data<long>(), accumulate); break;
        }
        BumpVersion();
    }

    /// <summary>Fails for a target whose elements share memory (an expanded view).</summary>
    private void CheckWritable(string op)
    {
        for (int i = 0; i < Rank; i++)
        {
            if (StridesArray[i] == 0 && ShapeArray[i] > 1)
                throw new InvalidOperationException($"{op}: the target {ShapeUtil.Describe(this)} is an expanded view whose elements share memory; call Contiguous() first.");
        }
    }

    private (Tensor View, List<AdvancedIndex> Advanced) IndexTensors(string op, Tensor?[] indices, Tensor values)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(values);
        if (values.DType != DType && !values.IsWrappedNumber)
            throw new ArgumentException($"{op}: the values {ShapeUtil.Describe(values)} must have the dtype of the input {ShapeUtil.Describe(this)}.", nameof(values));
        var entries = indices.Select(t => t is null ? TensorIndex.All : TensorIndex.FromTensor(t)).ToArray();
        var (view, advanced) = IndexBasic(op, entries);
        if (advanced is null) throw new ArgumentException($"{op}: at least one index tensor is required, got [{string.Join(", ", indices.Select(t => t is null ? "null" : ShapeUtil.Describe(t)))}].", nameof(indices));
        return (view, advanced);
    }

    /// <summary>
    /// A copy of this tensor with <paramref name="values"/> (broadcast) written at the positions the index tensors name
    /// in the leading dims (null entries take a whole dim), or added there when <paramref name="accumulate"/> (as
    /// <c>torch.index_put</c>). Without accumulation a repeated position keeps the last value.
    /// </summary>
    public Tensor IndexPut(Tensor?[] indices, Tensor values, bool accumulate = false)
    {
        var (view, advanced) = IndexTensors("IndexPut", indices, values);
        var v = values.DType == DType ? values : Scalar(values.Item(), DType);
        return AdvancedPut("IndexPut", view, advanced, v, accumulate);
    }

    /// <summary>The in-place form of <see cref="IndexPut"/> (<c>index_put_</c>); recorded by autograd.</summary>
    public Tensor IndexPutInPlace(Tensor?[] indices, Tensor values, bool accumulate = false)
    {
        var (view, advanced) = IndexTensors("IndexPutInPlace", indices, values);
        var v = values.DType == DType ? values : Scalar(values.Item(), DType);
        view.PutAdvancedInPlace("IndexPutInPlace", advanced, v, accumulate);
        return this;
    }

    private TensorIndex[] AlongDim(string op, int dim, Tensor index, out int d)
    {
        ArgumentNullException.ThrowIfNull(index);
        d = ShapeUtil.NormalizeDim(op, dim, Math.Max(Rank, 1));
        if (index.Rank > 1) throw new ArgumentException($"{op}: the index must be 0-D or 1-D, got {ShapeUtil.Describe(index)}.", nameof(index));
        if (index.DType != DType.Int64) throw new ArgumentException($"{op}: the index must be int64, got {ShapeUtil.Describe(index)}.", nameof(index));
        var entries = new TensorIndex[d + 1];
        for (int i = 0; i < d; i++) entries[i] = TensorIndex.All;
        entries[d] = index.Reshape(-1);
        return entries;
    }

    /// <summary>A copy of this tensor with the slices at <paramref name="index"/> along <paramref name="dim"/> set to <paramref name="value"/> (as <c>index_fill</c>).</summary>
    public Tensor IndexFill(int dim, Tensor index, double value)
    {
        var (view, advanced) = IndexBasic("IndexFill", AlongDim("IndexFill", dim, index, out _));
        return AdvancedPut("IndexFill", view, advanced!, Scalar(value, DType), accumulate: false);
    }

    /// <summary>The in-place form of <see cref="IndexFill"/> (<c>index_fill_</c>).</summary>
    public Tensor IndexFillInPlace(int dim, Tensor index, double value)
    {
        var (view, advanced) = IndexBasic("IndexFillInPlace", AlongDim("IndexFillInPlace", dim, index, out _));
        view.PutAdvancedInPlace("IndexFillInPlace", advanced!, Scalar(value, DType), accumulate: false);
        return this;
    }

    /// <summary>The elements of this tensor, seen as 1-D, at <paramref name="index"/> (negative counts from the end); the result has the index's shape (as <c>torch.take</c>).</summary>
    public Tensor Take(Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.DType != DType.Int64) throw new ArgumentException($"Take: the index must be int64, got {ShapeUtil.Describe(index)}.", nameof(index));
        var positions = index.ToArray<long>();
        for (int i = 0; i < positions.Length; i++)
        {
            long p = positions[i];
            if (p < -Numel || p >= Numel)
                throw ShapeUtil.IndexError($"Take: index {p} is out of range for a tensor of {Numel} elements ({ShapeUtil.Describe(this)}).");
            if (p < 0) positions[i] = p + Numel;
        }
        return Reshape(-1).IndexSelect(0, FromArray(positions)).Reshape(index.ShapeArray);
    }

    /// <summary>The positions of the nonzero elements, one row of coordinates each in row-major order: an (N, rank) int64 tensor (as <c>torch.nonzero</c>).</summary>
    public Tensor Nonzero()
    {
        var flat = NonzeroFlat();
        var coords = new long[flat.Count * Rank];
        for (int n = 0; n < flat.Count; n++)
        {
            long rem = flat[n];
            for (int d = Rank - 1; d >= 0; d--)
            {
                coords[(n * Rank) + d] = rem % ShapeArray[d];
                rem /= ShapeArray[d];
            }
        }
        return FromArray(coords, flat.Count, Rank);
    }

    /// <summary>The positions of the nonzero elements as one 1-D int64 tensor per dim (<c>torch.nonzero(as_tuple=True)</c>); a 0-d tensor counts as 1-D.</summary>
    public Tensor[] NonzeroAsTuple()
    {
        if (Rank == 0) return [Reshape(1).NonzeroAsTuple()[0]];
        var all = Nonzero();
        var result = new Tensor[Rank];
        for (int d = 0; d < Rank; d++) result[d] = all.Narrow(1, d, 1).Reshape(-1).Contiguous();
        return result;
    }

    /// <summary>The same as <see cref="Nonzero()"/> (as <c>torch.argwhere</c>).</summary>
    public Tensor Argwhere() => Nonzero();

    private List<long> NonzeroFlat()
    {
        var values = ToDoubleArray();
        var flat = new List<long>();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] != 0) flat.Add(i);
        }
        return flat;
    }

    private int[] MaskShape(string op, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var shape = ShapeUtil.BroadcastShapes(op, mask.ShapeArray, ShapeArray);
        if (!ShapeUtil.SameShape(shape, ShapeArray))
            throw new ArgumentException($"{op}: the mask {ShapeUtil.Describe(mask)} must broadcast to the input's shape {ShapeUtil.Describe(this)}.", nameof(mask));
        return shape;
    }

    /// <summary>
    /// The elements where <paramref name="mask"/> is true (nonzero), mask and input broadcast together, as a 1-D
    /// tensor in row-major order (as <c>torch.masked_select</c>); differentiable.
    /// </summary>
    public Tensor MaskedSelect(Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var shape = ShapeUtil.BroadcastShapes("MaskedSelect", mask.ShapeArray, ShapeArray);
        var positions = mask.Expand(shape).NonzeroFlat();
        return Expand(shape).Reshape(-1).IndexSelect(0, FromArray(positions.ToArray()));
    }

    /// <summary>
    /// A copy of this tensor with the elements where <paramref name="mask"/> is true replaced, in row-major order, by the
    /// leading elements of <paramref name="source"/> (as <c>masked_scatter</c>); differentiable in both.
    /// </summary>
    public Tensor MaskedScatter(Tensor mask, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var shape = MaskShape("MaskedScatter", mask);
        if (source.DType != DType)
            throw new ArgumentException($"MaskedScatter: the source {ShapeUtil.Describe(source)} must have the input's dtype ({ShapeUtil.Describe(this)}).", nameof(source));
        var positions = mask.Expand(shape).NonzeroFlat().ToArray();
        if (source.Numel < positions.Length)
            throw new ArgumentException($"MaskedScatter: the mask {ShapeUtil.Describe(mask)} selects {positions.Length} elements but the source {ShapeUtil.Describe(source)} has only {source.Numel}.", nameof(source));
        var values = source.Reshape(-1).Narrow(0, 0, positions.Length);
        return PutFlat(positions, values);
    }

    /// <summary>The in-place form of <see cref="MaskedScatter"/> (<c>masked_scatter_</c>).</summary>
    public Tensor MaskedScatterInPlace(Tensor mask, Tensor source)
    {
        if (RecordsInPlace(source)) return WriteRecorded("MaskedScatterInPlace", current => current.MaskedScatter(mask, source));
        CheckWritable("MaskedScatterInPlace");
        using (Autograd.NoGrad()) return Assign(Detach().MaskedScatter(mask, source.Detach()));
    }

    /// <summary>The in-place form of <see cref="MaskedFill"/> (<c>masked_fill_</c>).</summary>
    public Tensor MaskedFillInPlace(Tensor mask, double value)
    {
        if (RecordsInPlace(null)) return WriteRecorded("MaskedFillInPlace", current => current.MaskedFill(mask, value));
        CheckWritable("MaskedFillInPlace");
        using (Autograd.NoGrad()) return Assign(Detach().MaskedFill(mask, value));
    }

    /// <summary>This tensor with <paramref name="values"/> (1-D, one per position) written at the row-major positions, out of place and differentiable.</summary>
    private Tensor PutFlat(long[] positions, Tensor values, bool accumulate = false)
    {
        var flat = Reshape(-1);
        var index = new List<AdvancedIndex> { new(0, 0, FromArray(positions)) };
        return AdvancedPut("PutFlat", flat, index, values, accumulate).Reshape(ShapeArray);
    }

    /// <summary>The row-major positions of this tensor that a scatter along <paramref name="d"/> by <paramref name="index"/> writes, in the index's order.</summary>
    private long[] ScatterPositions(string op, int d, Tensor index)
    {
        if (index.DType != DType.Int64) throw new ArgumentException($"{op}: the index must be int64, got {ShapeUtil.Describe(index)}.", nameof(index));
        CheckGatherShapes(op, d, index, null);
        var idx = index.ToArray<long>();
        var strides = Strided.ContiguousStrides(ShapeArray);
        var positions = new long[idx.Length];
        Span<int> pos = stackalloc int[Rank];
        for (int flat = 0; flat < idx.Length; flat++)
        {
            long i = idx[flat];
            if (i < 0 || i >= ShapeArray[d])
                throw ShapeUtil.IndexError($"{op}: index {i} is out of range for dim {d} of size {ShapeArray[d]} (input {ShapeUtil.Describe(this)}).");
            long p = 0;
            for (int k = 0; k < Rank; k++) p += (k == d ? i : pos[k]) * strides[k];
            positions[flat] = p;
            for (int k = Rank - 1; k >= 0 && ++pos[k] == index.ShapeArray[k]; k--) pos[k] = 0;
        }
        return positions;
    }

    /// <summary>
    /// A copy of this tensor with src[i][j] written at [i][index[i][j]] for dim 1 (generally: the index replaces the
    /// coordinate along <paramref name="dim"/>), as <c>torch.scatter</c>. <paramref name="reduce"/> "add" adds instead
    /// of writing and "multiply" multiplies (that form, as in PyTorch, has no derivative).
    /// </summary>
    public Tensor Scatter(int dim, Tensor index, Tensor src, string? reduce = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(src);
        int d = ShapeUtil.NormalizeDim("Scatter", dim, Math.Max(Rank, 1));
        if (src.DType != DType) throw new ArgumentException($"Scatter: the source {ShapeUtil.Describe(src)} must have the input's dtype ({ShapeUtil.Describe(this)}).", nameof(src));
        if (src.Rank != index.Rank)
            throw new ArgumentException($"Scatter: the index {ShapeUtil.Describe(index)} and the source {ShapeUtil.Describe(src)} must have the same rank.", nameof(src));
        for (int k = 0; k < index.Rank; k++)
        {
            if (index.ShapeArray[k] > src.ShapeArray[k])
                throw new ArgumentException($"Scatter: the index {ShapeUtil.Describe(index)} is larger than the source {ShapeUtil.Describe(src)} in dim {k}.", nameof(index));
        }
        var positions = ScatterPositions("Scatter", d, index);
        var values = src;
        for (int k = 0; k < index.Rank; k++) values = values.Narrow(k, 0, index.ShapeArray[k]);
        return ScatterValues("Scatter", positions, values.Reshape(-1), reduce);
    }

    /// <summary>A copy of this tensor with <paramref name="value"/> written at [i][index[i][j]] for dim 1 (as <c>torch.scatter</c> with a value).</summary>
    public Tensor Scatter(int dim, Tensor index, double value, string? reduce = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        int d = ShapeUtil.NormalizeDim("Scatter", dim, Math.Max(Rank, 1));
        var positions = ScatterPositions("Scatter", d, index);
        return ScatterValues("Scatter", positions, Full([positions.Length], value, DType), reduce);
    }

    private Tensor ScatterValues(string op, long[] positions, Tensor values, string? reduce)
    {
        switch (reduce)
        {
            case null: return PutFlat(positions, values);
            case "add": return PutFlat(positions, values, accumulate: true);
            case "multiply":
                {
                    if (Autograd.IsGradEnabled && (RequiresGrad || values.RequiresGrad))
                        throw new NotSupportedException($"{op}: the derivative of scatter with reduce \"multiply\" is not implemented (nor in PyTorch); compute it under Autograd.NoGrad() or without grad.");
                    var result = ToDoubleArray();
                    var v = values.ToDoubleArray();
                    for (int i = 0; i < positions.Length; i++) result[positions[i]] *= v[i];
                    return FromArray(result, ShapeArray).To(DType);
                }
            default:
                throw new ArgumentException($"{op}: reduce must be \"add\" or \"multiply\", got \"{reduce}\".", nameof(reduce));
        }
    }

    /// <summary>The in-place form of <see cref="Scatter(int, Tensor, Tensor, string?)"/> (<c>scatter_</c>).</summary>
    public Tensor ScatterInPlace(int dim, Tensor index, Tensor src, string? reduce = null)
    {
        if (RecordsInPlace(src)) return WriteRecorded("ScatterInPlace", current => current.Scatter(dim, index, src, reduce));
        CheckWritable("ScatterInPlace");
        using (Autograd.NoGrad()) return Assign(Detach().Scatter(dim, index, src.Detach(), reduce));
    }

    /// <summary>The in-place form of <see cref="Scatter(int, Tensor, double, string?)"/> (<c>scatter_</c> with a value).</summary>
    public Tensor ScatterInPlace(int dim, Tensor index, double value, string? reduce = null)
    {
        if (RecordsInPlace(null)) return WriteRecorded("ScatterInPlace", current => current.Scatter(dim, index, value, reduce));
        CheckWritable("ScatterInPlace");
        using (Autograd.NoGrad()) return Assign(Detach().Scatter(dim, index, value, reduce));
    }

    private void CheckStridedLayout(string op, int[] size, int[] stride, int storageOffset)
    {
        ArgumentNullException.ThrowIfNull(size);
        ArgumentNullException.ThrowIfNull(stride);
        if (size.Length != stride.Length)
            throw new ArgumentException($"{op}: size {ShapeUtil.Format(size)} and stride {ShapeUtil.Format(stride)} must have the same length.");
        long last = storageOffset;
        bool empty = false;
        for (int i = 0; i < size.Length; i++)
        {
            if (size[i] < 0 || stride[i] < 0)
                throw new ArgumentException($"{op}: sizes and strides must be non-negative, got size {ShapeUtil.Format(size)}, stride {ShapeUtil.Format(stride)}.");
            if (size[i] == 0) empty = true;
            else last += (long)(size[i] - 1) * stride[i];
        }
        if (storageOffset < 0 || (!empty && last >= Numel))
            throw new ArgumentException($"{op}: size {ShapeUtil.Format(size)}, stride {ShapeUtil.Format(stride)} and offset {storageOffset} reach element {last}, outside the input {ShapeUtil.Describe(this)} of {Numel} elements.");
    }

    /// <summary>
    /// A view with the given size and strides over this tensor's elements in row-major order, starting at element
    /// <paramref name="storageOffset"/> of this tensor. For a contiguous tensor that starts its storage this is
    /// PyTorch's <c>as_strided</c>; unlike PyTorch, strides and offset always count this tensor's own elements (never
    /// the storage beneath a view), and a non-contiguous tensor is copied first. Differentiable; overlapping views
    /// accumulate their gradients.
    /// </summary>
    public Tensor AsStrided(int[] size, int[] stride, int storageOffset = 0)
    {
        CheckStridedLayout("AsStrided", size, stride, storageOffset);
        return AsStridedOp((int[])size.Clone(), (int[])stride.Clone(), storageOffset);
    }

    internal Tensor AsStridedOp(int[] shape, int[] strides, int offset)
    {
        var source = Materialize();
        var view = source.ViewRaw((int[])shape.Clone(), (int[])strides.Clone(), source.Offset + offset);
        return Record(view, new OpKind.AsStrided(shape, strides, offset), this);
    }

    /// <summary>
    /// A copy of this tensor with <paramref name="src"/> written into the elements that <see cref="AsStrided"/> with the
    /// same arguments would view (as <c>torch.as_strided_scatter</c>; the view must not overlap itself).
    /// </summary>
    public Tensor AsStridedScatter(Tensor src, int[] size, int[] stride, int storageOffset = 0)
    {
        ArgumentNullException.ThrowIfNull(src);
        CheckStridedLayout("AsStridedScatter", size, stride, storageOffset);
        if (!ShapeUtil.SameShape(src.ShapeArray, size) || src.DType != DType)
            throw new ArgumentException($"AsStridedScatter: the source must be {ShapeUtil.Format(size)} {DType.Name()}, got {ShapeUtil.Describe(src)}.", nameof(src));
        var placed = AsStridedScatterZeros(src, ShapeArray, (int[])size.Clone(), (int[])stride.Clone(), storageOffset);
        return Where(RegionMask(ShapeArray, size, stride, storageOffset), placed, this);
    }

    /// <summary>Zeros of <paramref name="inputShape"/> with <paramref name="src"/> added at the strided positions: the adjoint of AsStrided.</summary>
    internal static Tensor AsStridedScatterZeros(Tensor src, int[] inputShape, int[] shape, int[] strides, int offset)
    {
        var source = src.Materialize();
        var result = ZerosInternal((int[])inputShape.Clone(), src.DType);
        switch (src.DType)
        {
            case DType.Float32: StridedIndexingKernels.ScatterAdd(source.AsSpan<float>(), shape, strides, offset, result.AsSpan<float>()); break;
            case DType.Float64: StridedIndexingKernels.ScatterAdd(source.AsSpan<double>(), shape, strides, offset, result.AsSpan<double>()); break;
            default: StridedIndexingKernels.ScatterAdd(source.AsSpan<long>(), shape, strides, offset, result.AsSpan<long>()); break;
        }
        return Record(result, new OpKind.AsStridedScatter((int[])inputShape.Clone(), shape, strides, offset), src);
    }

    /// <summary>An int64 tensor of <paramref name="inputShape"/>: 1 at the strided positions, 0 elsewhere.</summary>
    internal static Tensor RegionMask(int[] inputShape, int[] shape, int[] strides, int offset)
    {
        var mask = ZerosInternal((int[])inputShape.Clone(), DType.Int64);
        StridedIndexingKernels.Mark(shape, strides, offset, mask.AsSpan<long>());
        return mask;
    }
}
