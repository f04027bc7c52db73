using Nabla.Dispatch;
using Nabla.Kernels;

namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>
    /// The same elements with a new shape (one entry may be −1 and is inferred). A view when the
    /// tensor is contiguous, otherwise a copy.
    /// </summary>
    public Tensor Reshape(params int[] shape)
    {
        var s = InferShape("Reshape", shape);
        if (ShapeUtil.SameShape(s, ShapeArray)) return this;
        var source = Materialize();
        var view = source.ViewRaw(s, Strided.ContiguousStrides(s), source.Offset);
        return Record<OpKind.Reshape>(view, this);
    }

    /// <summary>Alias of <see cref="Reshape"/>, named as in PyTorch.</summary>
    public Tensor View(params int[] shape) => Reshape(shape);

    /// <summary>
    /// The whole tensor as a view that is a node of its own in the graph (recorded as a reshape to its own shape):
    /// differentiating with respect to it counts only the paths through it, not those that reach the tensor otherwise.
    /// </summary>
    internal Tensor Alias() => Record<OpKind.Reshape>(ViewRaw(ShapeArray, StridesArray, Offset), this);

    private int[] InferShape(string op, int[] shape)
    {
        var s = (int[])shape.Clone();
        int inferred = -1, known = 1;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == -1)
            {
                if (inferred >= 0) throw new ArgumentException($"{op}: only one dimension can be inferred, got {ShapeUtil.Format(shape)}.");
                inferred = i;
            }
            else if (s[i] < 0)
            {
                throw new ArgumentException($"{op}: invalid dimension {s[i]} in {ShapeUtil.Format(shape)}.");
            }
            else
            {
                known *= s[i];
            }
        }
        int n = Numel;
        if (inferred >= 0)
        {
            if (known == 0 || n % known != 0)
                throw new ArgumentException($"{op}: shape {ShapeUtil.Format(shape)} is invalid for input {ShapeUtil.Describe(this)} of {n} elements.");
            s[inferred] = n / known;
        }
        else if (known != n)
        {
            throw new ArgumentException($"{op}: shape {ShapeUtil.Format(shape)} is invalid for input {ShapeUtil.Describe(this)} of {n} elements.");
        }

        return s;
    }

    /// <summary>Flattens dims <paramref name="startDim"/>..<paramref name="endDim"/> into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = ShapeUtil.NormalizeDim("Flatten", startDim, Rank), e = ShapeUtil.NormalizeDim("Flatten", endDim, Rank);
        if (s > e) throw new ArgumentException($"Flatten: startDim {startDim} comes after endDim {endDim} for a tensor of rank {Rank}.");
        var shape = new List<int>();
        for (int i = 0; i < s; i++) shape.Add(ShapeArray[i]);
        int merged = 1;
        for (int i = s; i <= e; i++) merged *= ShapeArray[i];
        shape.Add(merged);
        for (int i = e + 1; i < Rank; i++) shape.Add(ShapeArray[i]);
        return Reshape(shape.ToArray());
    }

    /// <summary>
    /// Splits dim <paramref name="dim"/> into <paramref name="sizes"/>, the inverse of <see cref="Flatten"/>, as
    /// <c>torch.Tensor.unflatten</c>: (N, 12) with sizes (3, 4) is (N, 3, 4). One size may be −1, inferred from the rest.
    /// </summary>
    /// <param name="dim">The dim to split (negative counts from the end).</param>
    /// <param name="sizes">The sizes it is split into; their product is the dim's size.</param>
    public Tensor Unflatten(int dim, params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length == 0) throw new ArgumentException($"Unflatten: sizes must be non-empty (input {ShapeUtil.Describe(this)}).", nameof(sizes));
        int d = ShapeUtil.NormalizeDim("Unflatten", dim, Rank);
        int inferred = Array.IndexOf(sizes, -1);
        if (sizes.Count(s => s == -1) > 1 || sizes.Any(s => s < -1))
            throw new ArgumentException($"Unflatten: sizes {ShapeUtil.Format(sizes)} may hold one -1 and otherwise non-negative sizes (input {ShapeUtil.Describe(this)}).", nameof(sizes));
        long known = sizes.Where(s => s != -1).Aggregate(1L, (a, b) => a * b);
        int n = ShapeArray[d];
        var resolved = (int[])sizes.Clone();
        if (inferred >= 0 && known != 0 && n % known == 0) resolved[inferred] = (int)(n / known);
        if (resolved.Aggregate(1L, (a, b) => a * b) != n || (inferred >= 0 && known == 0))
            throw new ArgumentException($"Unflatten: sizes {ShapeUtil.Format(sizes)} don't multiply up to the size of dim {dim} ({n}) of the input {ShapeUtil.Describe(this)}.", nameof(sizes));
        return Reshape([.. ShapeArray[..d], .. resolved, .. ShapeArray[(d + 1)..]]);
    }

    /// <summary>Removes dim <paramref name="dim"/> if it has size 1 (PyTorch leaves other sizes alone), or every size-1 dim when null.</summary>
    public Tensor Squeeze(int? dim = null)
    {
        if (dim is null) return Reshape(ShapeArray.Where(d => d != 1).ToArray());
        if (Rank == 0) return this;
        int d = ShapeUtil.NormalizeDim("Squeeze", dim.Value, Rank);
        return ShapeArray[d] == 1 ? SqueezeDims([d]) : this;
    }

    internal Tensor SqueezeDims(int[] sortedDims)
    {
        if (sortedDims.Length == 0) return this;
        var shape = new List<int>(Rank);
        for (int i = 0, j = 0; i < Rank; i++)
        {
            if (j < sortedDims.Length && sortedDims[j] == i) { j++; continue; }
            shape.Add(ShapeArray[i]);
        }
        return Reshape(shape.ToArray());
    }

    /// <summary>Inserts a size-1 dim at <paramref name="dim"/> (negative counts from the end of the result).</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = ShapeUtil.NormalizeDim("Unsqueeze", dim, Rank + 1);
        var shape = new int[Rank + 1];
        for (int i = 0, j = 0; i < shape.Length; i++) shape[i] = i == d ? 1 : ShapeArray[j++];
        return Reshape(shape);
    }

    /// <summary>Reorders dims: result dim i is input dim <paramref name="dims"/>[i]. Always a view.</summary>
    public Tensor Permute(params int[] dims)
    {
        if (dims.Length != Rank)
            throw new ArgumentException($"Permute: {dims.Length} dims given for a tensor of rank {Rank} ({ShapeUtil.Describe(this)}).");
        var d = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            d[i] = ShapeUtil.NormalizeDim("Permute", dims[i], Rank);
            if (seen[d[i]]) throw new ArgumentException($"Permute: dim {d[i]} repeated in [{string.Join(", ", dims)}].");
            seen[d[i]] = true;
        }
        var shape = new int[Rank];
        var strides = new int[Rank];
        for (int i = 0; i < Rank; i++) { shape[i] = ShapeArray[d[i]]; strides[i] = StridesArray[d[i]]; }
        return Record(ViewRaw(shape, strides, Offset), new OpKind.Permute(d), this);
    }

    /// <summary>Swaps two dims (a view).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        if (Rank < 2 && dim0 is 0 or -1 && dim1 is 0 or -1) return this;
        int a = ShapeUtil.NormalizeDim("Transpose", dim0, Rank), b = ShapeUtil.NormalizeDim("Transpose", dim1, Rank);
        if (a == b) return this;
        var dims = new int[Rank];
        for (int i = 0; i < Rank; i++) dims[i] = i;
        (dims[a], dims[b]) = (dims[b], dims[a]);
        return Permute(dims);
    }

    /// <summary>The transpose of a matrix (rank ≤ 2).</summary>
    public Tensor T
    {
        get
        {
            if (Rank > 2) throw new InvalidOperationException($"T: defined for tensors of rank ≤ 2, got {ShapeUtil.Describe(this)}; use Transpose or Permute.");
            return Rank < 2 ? this : Transpose(0, 1);
        }
    }

    /// <summary>
    /// A broadcast view with size-1 dims repeated to <paramref name="shape"/> (−1 keeps a size) and new
    /// leading dims added; no data is copied.
    /// </summary>
    public Tensor Expand(params int[] shape)
    {
        if (shape.Length < Rank)
            throw new ArgumentException($"Expand: target shape {ShapeUtil.Format(shape)} has fewer dims than the input {ShapeUtil.Describe(this)}.");
        int lead = shape.Length - Rank;
        var s = new int[shape.Length];
        var strides = new int[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            int target = shape[i];
            if (i < lead)
            {
                if (target < 0) throw new ArgumentException($"Expand: the new leading dim {i} cannot be {target} in {ShapeUtil.Format(shape)}.");
                s[i] = target;
                continue;
            }
            int current = ShapeArray[i - lead];
            if (target == -1) target = current;
            if (target != current && current != 1)
                throw new ArgumentException($"Expand: cannot expand {ShapeUtil.Describe(this)} to {ShapeUtil.Format(shape)} (dim {i}: {current} to {target}).");
            s[i] = target;
            strides[i] = current == target ? StridesArray[i - lead] : 0;
        }
        if (ShapeUtil.SameShape(s, ShapeArray)) return this;
        return Record<OpKind.Expand>(ViewRaw(s, strides, Offset), this);
    }

    /// <summary>Expands to the shape of <paramref name="other"/>.</summary>
    public Tensor ExpandAs(Tensor other) => Expand(other.ShapeArray);

    /// <summary>The elements start..start+length−1 along <paramref name="dim"/> (a view).</summary>
    public Tensor Narrow(int dim, int start, int length)
    {
        int d = ShapeUtil.NormalizeDim("Narrow", dim, Rank);
        if (start < 0) start += ShapeArray[d];
        if (start < 0 || length < 0 || start + length > ShapeArray[d])
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: range start {start}, length {length} is outside dim {d} of size {ShapeArray[d]} ({ShapeUtil.Describe(this)}).");
        if (start == 0 && length == ShapeArray[d]) return this;
        return Record(NarrowView(d, start, length), new OpKind.Narrow(d, start, length), this);
    }

    /// <summary>Python-style slice [start, end) along <paramref name="dim"/>; negative bounds count from the end and are clamped.</summary>
    public Tensor Slice(int dim, int start, int end)
    {
        int d = ShapeUtil.NormalizeDim("Slice", dim, Rank);
        int n = ShapeArray[d];
        int s = Math.Clamp(start < 0 ? start + n : start, 0, n);
        int e = Math.Clamp(end < 0 ? end + n : end, 0, n);
        return Narrow(d, s, Math.Max(e - s, 0));
    }

    /// <summary>Zero padding of <paramref name="before"/> and <paramref name="after"/> elements along <paramref name="dim"/>.</summary>
    public Tensor Pad(int dim, int before, int after)
    {
        int d = ShapeUtil.NormalizeDim("Pad", dim, Rank);
        if (before < 0 || after < 0) throw new ArgumentException($"Pad: padding must be non-negative, got ({before}, {after}).");
        if (before == 0 && after == 0) return this;
        return Record(Indexing.Pad(this, d, before, after), new OpKind.Pad(d, before, after), this);
    }

    /// <summary>This tensor if contiguous, otherwise a contiguous copy (gradient passes through).</summary>
    public Tensor Contiguous() => IsContiguous ? this : Record<OpKind.Contiguous>(Copy(), this);

    /// <summary>A contiguous copy with its own storage (gradient passes through).</summary>
    public Tensor Clone() => Record<OpKind.Contiguous>(Copy(), this);

    /// <summary>Concatenates tensors along <paramref name="dim"/>; all other dims must match.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("Cat: expected at least one tensor.");
        var first = tensors[0];
        int d = ShapeUtil.NormalizeDim("Cat", dim, first.Rank);
        var dtype = tensors.Select(t => t.DType).Aggregate(DTypeExtensions.Promote);
        var inputs = tensors.Select(t => t.To(dtype)).ToArray();
        var shape = (int[])first.ShapeArray.Clone();
        shape[d] = 0;
        foreach (var t in inputs)
        {
            bool ok = t.Rank == first.Rank;
            for (int i = 0; ok && i < t.Rank; i++) ok = i == d || t.ShapeArray[i] == first.ShapeArray[i];
            if (!ok)
                throw new ArgumentException($"Cat: shapes must match except in dim {d}: got {string.Join(", ", tensors.Select(ShapeUtil.Describe))}.");
            shape[d] += t.ShapeArray[d];
        }
        if (inputs.Length == 1) return inputs[0];
        return Record(Indexing.Cat(inputs, d, shape), new OpKind.Cat(d), inputs);
    }

    /// <summary>Stacks same-shape tensors along a new dim.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("Stack: expected at least one tensor.");
        foreach (var t in tensors)
        {
            if (!ShapeUtil.SameShape(t.ShapeArray, tensors[0].ShapeArray))
                throw new ArgumentException($"Stack: all tensors must have the same shape, got {string.Join(", ", tensors.Select(ShapeUtil.Describe))}.");
        }

        int d = ShapeUtil.NormalizeDim("Stack", dim, tensors[0].Rank + 1);
        return Cat(tensors.Select(t => t.Unsqueeze(d)).ToArray(), d);
    }

    /// <summary>Splits into pieces of <paramref name="splitSize"/> along <paramref name="dim"/> (the last may be smaller); views.</summary>
    public Tensor[] Split(int splitSize, int dim = 0)
    {
        if (splitSize <= 0) throw new ArgumentException($"Split: splitSize must be positive, got {splitSize}.");
        int d = ShapeUtil.NormalizeDim("Split", dim, Rank);
        int n = ShapeArray[d];
        var parts = new List<Tensor>();
        for (int start = 0; start < n; start += splitSize) parts.Add(Narrow(d, start, Math.Min(splitSize, n - start)));
        if (n == 0) parts.Add(this);
        return parts.ToArray();
    }

    /// <summary>
    /// The slices along <paramref name="dim"/>, that dim removed (views), as <c>torch.unbind</c>: what iterating over a
    /// tensor gives in PyTorch (<c>for row in x</c>).
    /// </summary>
    public Tensor[] Unbind(int dim = 0)
    {
        int d = ShapeUtil.NormalizeDim("Unbind", dim, Rank);
        var slices = new Tensor[ShapeArray[d]];
        for (int i = 0; i < slices.Length; i++) slices[i] = Narrow(d, i, 1).Squeeze(d);
        return slices;
    }

    /// <summary>Splits into <paramref name="chunks"/> pieces of ⌈n/chunks⌉ along <paramref name="dim"/>, as PyTorch does.</summary>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        if (chunks <= 0) throw new ArgumentException($"Chunk: chunks must be positive, got {chunks}.");
        int d = ShapeUtil.NormalizeDim("Chunk", dim, Rank);
        int size = Math.Max(1, (ShapeArray[d] + chunks - 1) / chunks);
        return Split(size, d);
    }

    private long[] CheckIndex(string op, Tensor index, int dim, int size)
    {
        if (index.DType != DType.Int64)
            throw new ArgumentException($"{op}: the index must be int64, got {ShapeUtil.Describe(index)}.");
        var idx = index.ToArray<long>();
        foreach (long i in idx)
        {
            if (i < 0 || i >= size)
                throw ShapeUtil.IndexError($"{op}: index {i} is out of range for dim {dim} of size {size} (input {ShapeUtil.Describe(this)}).");
        }

        return idx;
    }

    /// <summary>The slices at the positions in the 1-D int64 <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        int d = ShapeUtil.NormalizeDim("IndexSelect", dim, Rank);
        if (index.Rank > 1) throw new ArgumentException($"IndexSelect: the index must be 0-D or 1-D, got {ShapeUtil.Describe(index)}.");
        var idx = CheckIndex("IndexSelect", index, d, ShapeArray[d]);
        return Record(Indexing.IndexSelect(this, d, idx), new OpKind.IndexSelect(d), [this, index.Reshape(-1)]);
    }

    /// <summary>A copy of this tensor with the slices of <paramref name="source"/> added at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor IndexAdd(int dim, Tensor index, Tensor source)
    {
        int d = ShapeUtil.NormalizeDim("IndexAdd", dim, Rank);
        var idx = CheckIndex("IndexAdd", index, d, ShapeArray[d]);
        var expected = (int[])ShapeArray.Clone();
        expected[d] = idx.Length;
        if (!ShapeUtil.SameShape(source.ShapeArray, expected) || source.DType != DType)
            throw new ArgumentException($"IndexAdd: the source must be {ShapeUtil.Format(expected)} {DType.Name()}, got {ShapeUtil.Describe(source)}.");
        return Record(Indexing.IndexAdd(this, d, idx, source), new OpKind.IndexAdd(d), [this, index.Reshape(-1), source]);
    }

    private void CheckGatherShapes(string op, int d, Tensor index, Tensor? source)
    {
        if (index.Rank != Rank)
            throw new ArgumentException($"{op}: index rank must equal input rank: input {ShapeUtil.Describe(this)}, index {ShapeUtil.Describe(index)}.");
        for (int i = 0; i < Rank; i++)
        {
            if (i != d && index.ShapeArray[i] > ShapeArray[i])
                throw new ArgumentException($"{op}: index {ShapeUtil.Describe(index)} is larger than input {ShapeUtil.Describe(this)} in dim {i}.");
        }

        if (source is not null && (!ShapeUtil.SameShape(source.ShapeArray, index.ShapeArray) || source.DType != DType))
            throw new ArgumentException($"{op}: the source must have the index's shape {ShapeUtil.Format(index.ShapeArray)} and dtype {DType.Name()}, got {ShapeUtil.Describe(source)}.");
    }

    /// <summary>out[i][j] = x[i][index[i][j]] for dim 1 (generally: index replaces the coordinate along <paramref name="dim"/>).</summary>
    public Tensor Gather(int dim, Tensor index)
    {
        int d = ShapeUtil.NormalizeDim("Gather", dim, Rank);
        CheckGatherShapes("Gather", d, index, null);
        CheckIndex("Gather", index, d, ShapeArray[d]);
        return Record(Indexing.Gather(this, d, index), new OpKind.Gather(d), [this, index]);
    }

    /// <summary>A copy of this tensor with source[i][j] added at [i][index[i][j]] for dim 1 (the adjoint of <see cref="Gather"/>).</summary>
    public Tensor ScatterAdd(int dim, Tensor index, Tensor source)
    {
        int d = ShapeUtil.NormalizeDim("ScatterAdd", dim, Rank);
        CheckGatherShapes("ScatterAdd", d, index, source);
        CheckIndex("ScatterAdd", index, d, ShapeArray[d]);
        return Record(Indexing.ScatterAdd(this, d, index, source), new OpKind.ScatterAdd(d), [this, index, source]);
    }
}
