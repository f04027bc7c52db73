using Nabla.Dispatch;

namespace Nabla;

public sealed partial class Tensor
{
    private static readonly string[] QuantileInterpolations = ["linear", "lower", "higher", "midpoint", "nearest"];

    /// <summary>
    /// The elements sorted along <paramref name="dim"/> and their original indices (int64), like <c>torch.sort</c>: NaN
    /// sorts above every number. The sort is always stable (equal elements keep their order), which
    /// <paramref name="stable"/> = false also permits. The values' gradient is scattered back through the indices.
    /// </summary>
    public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false, bool stable = false)
    {
        int d = ShapeUtil.NormalizeDim("Sort", dim, Rank);
        if (Rank == 0)
        {
            var (v, i) = Reshape(1).Sort(0, descending, stable);
            return (v.Reshape([]), i.Reshape([]));
        }
        var (values, indices) = Sorting.Sort(this, d, descending);
        return (Selected(values, d, indices), indices);
    }

    /// <summary>The indices (int64) that sort the elements along <paramref name="dim"/>, like <c>torch.argsort</c> (stable; NaN largest).</summary>
    public Tensor Argsort(int dim = -1, bool descending = false, bool stable = false)
    {
        int d = ShapeUtil.NormalizeDim("Argsort", dim, Rank);
        return Rank == 0 ? Zeros([], DType.Int64) : Sorting.Sort(this, d, descending).Indices;
    }

    /// <summary>
    /// The <paramref name="k"/> largest (or, with <paramref name="largest"/> = false, smallest) elements along
    /// <paramref name="dim"/> and their indices (int64), like <c>torch.topk</c>; NaN counts as the largest value. The
    /// result is always sorted (ties in their original order), which <paramref name="sorted"/> = false also permits.
    /// </summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true, bool sorted = true)
    {
        int d = ShapeUtil.NormalizeDim("TopK", dim, Rank);
        int n = Rank == 0 ? 1 : ShapeArray[d];
        if (k < 0 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), $"TopK: k = {k} is out of range for dim {d} of size {n} (input {ShapeUtil.Describe(this)}).");
        if (Rank == 0)
        {
            var (v, i) = Reshape(1).TopK(k, 0, largest, sorted);
            return k == 1 ? (v.Reshape([]), i.Reshape([])) : (v, i);
        }
        var (values, indices) = Sorting.Sort(this, d, descending: largest);
        indices = indices.NarrowView(d, 0, k).Materialize();
        return (Selected(values.NarrowView(d, 0, k).Materialize(), d, indices), indices);
    }

    /// <summary>
    /// The <paramref name="k"/>-th smallest element (k from 1) along <paramref name="dim"/> and its index (int64), like
    /// <c>torch.kthvalue</c>; among equal elements the k-th in a stable ascending sort.
    /// </summary>
    public (Tensor Values, Tensor Indices) Kthvalue(int k, int dim = -1, bool keepDim = false)
    {
        int d = ShapeUtil.NormalizeDim("Kthvalue", dim, Rank);
        int n = Rank == 0 ? 1 : ShapeArray[d];
        if (k < 1 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), $"Kthvalue: k = {k} is out of range for dim {d} of size {n} (expected 1 ≤ k ≤ {n}; input {ShapeUtil.Describe(this)}).");
        if (Rank == 0) return (Reshape(1).Gather(0, Zeros([1], DType.Int64)).Reshape([]), Zeros([], DType.Int64));
        var (values, indices) = Sorting.Sort(this, d, descending: false);
        var index = indices.NarrowView(d, k - 1, 1).Materialize();
        return KeepOrSqueeze(Selected(values.NarrowView(d, k - 1, 1).Materialize(), d, index), index, d, keepDim);
    }

    private static (Tensor Values, Tensor Indices) KeepOrSqueeze(Tensor values, Tensor indices, int d, bool keepDim) =>
        keepDim ? (values, indices) : (values.SqueezeDims([d]), indices.SqueezeDims([d]));

    /// <summary>
    /// The lower median of all elements (the ⌊(n − 1)/2⌋-th smallest; NaN if there is a NaN), like <c>torch.median</c>;
    /// the gradient is shared evenly among the elements equal to it, as in PyTorch.
    /// </summary>
    public Tensor Median()
    {
        if (Numel == 0) throw new ArgumentException($"Median: cannot take the median of an empty tensor ({ShapeUtil.Describe(this)}).");
        var flat = Detach().Reshape(-1);
        var sorted = Sorting.Sort(flat, 0, descending: false).Values;
        var position = MedianPositions(sorted, 0);
        var median = Indexing.Gather(sorted, 0, position).ViewRaw([], [], 0);
        return Record(median, Shared<OpKind.Median>.Instance, this);
    }

    /// <summary>
    /// The lower median along <paramref name="dim"/> and its index (int64), like <c>torch.median(dim)</c>: a line with a
    /// NaN gives NaN and the index of its first NaN; among equal elements, the one a stable sort puts at the median.
    /// </summary>
    public (Tensor Values, Tensor Indices) Median(int dim, bool keepDim = false)
    {
        int d = ShapeUtil.NormalizeDim("Median", dim, Rank);
        if (Rank == 0) return (Reshape(1).Gather(0, Zeros([1], DType.Int64)).Reshape([]), Zeros([], DType.Int64));
        if (ShapeArray[d] == 0) throw new ArgumentException($"Median: dim {d} of {ShapeUtil.Describe(this)} is empty.");
        var (values, indices) = Sorting.Sort(this, d, descending: false);
        var position = MedianPositions(values, d);
        var index = Indexing.Gather(indices, d, position);
        return KeepOrSqueeze(Selected(Indexing.Gather(values, d, position), d, index), index, d, keepDim);
    }

    /// <summary>Per line of an ascending sort along d, the position (int64, d kept) of the lower median, or of the first NaN.</summary>
    private static Tensor MedianPositions(Tensor sorted, int d)
    {
        int n = sorted.ShapeArray[d];
        var nanCount = sorted.Ne(sorted).To(DType.Int64).Sum(d, keepDim: true);
        return Where(nanCount.Gt(0), Scalar(n, DType.Int64) - nanCount, Scalar((n - 1) / 2, DType.Int64));
    }

    /// <summary>
    /// The most frequent value along <paramref name="dim"/> (the smallest of those tied) and the index (int64) of its last
    /// occurrence, like <c>torch.mode</c> on lines short enough that PyTorch's sort is stable.
    /// </summary>
    public (Tensor Values, Tensor Indices) Mode(int dim = -1, bool keepDim = false)
    {
        int d = ShapeUtil.NormalizeDim("Mode", dim, Rank);
        if (Rank == 0) return (Reshape(1).Gather(0, Zeros([1], DType.Int64)).Reshape([]), Zeros([], DType.Int64));
        if (ShapeArray[d] == 0) throw new ArgumentException($"Mode: dim {d} of {ShapeUtil.Describe(this)} is empty.");
        var (values, indices) = Sorting.Sort(this, d, descending: false);
        var position = Sorting.ModePositions(values, d);
        var index = Indexing.Gather(indices, d, position);
        return KeepOrSqueeze(Selected(Indexing.Gather(values, d, position), d, index), index, d, keepDim);
    }

    /// <summary>
    /// The <paramref name="q"/>-quantile (q in [0, 1]) of all elements (<paramref name="dim"/> null) or along
    /// <paramref name="dim"/>, like <c>torch.quantile</c>: between the sorted elements at ⌊q·(n − 1)⌋ and ⌈q·(n − 1)⌉ by
    /// <paramref name="interpolation"/>: "linear", "lower", "higher", "midpoint" or "nearest" (round half to even). A
    /// line with a NaN gives NaN.
    /// </summary>
    public Tensor Quantile(double q, int? dim = null, bool keepDim = false, string interpolation = "linear") =>
        QuantileImpl([q], scalarQ: true, dim, keepDim, interpolation);

    /// <summary>
    /// The quantiles at each value of the 0-D or 1-D <paramref name="q"/> (this tensor's dtype): the result's first dim
    /// indexes <paramref name="q"/> when it is 1-D, as in <c>torch.quantile</c>.
    /// </summary>
    public Tensor Quantile(Tensor q, int? dim = null, bool keepDim = false, string interpolation = "linear")
    {
        ArgumentNullException.ThrowIfNull(q);
        if (q.Rank > 1 || q.DType != DType)
            throw new ArgumentException($"Quantile: q must be a 0-D or 1-D tensor of the input's dtype {DType.Name()}, got {ShapeUtil.Describe(q)} (input {ShapeUtil.Describe(this)}).");
        return QuantileImpl(q.ToDoubleArray(), scalarQ: q.Rank == 0, dim, keepDim, interpolation);
    }

    private Tensor QuantileImpl(double[] qs, bool scalarQ, int? dim, bool keepDim, string interpolation)
    {
        RequireFloat("Quantile");
        if (!QuantileInterpolations.Contains(interpolation))
            throw new ArgumentException($"Quantile: interpolation must be one of {string.Join(", ", QuantileInterpolations)}, got '{interpolation}'.");
        foreach (double q in qs)
        {
            if (!(q >= 0 && q <= 1))
                throw new ArgumentOutOfRangeException(nameof(qs), $"Quantile: q values must be in [0, 1], got {q} (input {ShapeUtil.Describe(this)}).");
        }
        var src = dim is null ? Reshape(-1) : Rank == 0 ? Reshape(1) : this;
        int d = dim is null || Rank == 0 ? 0 : ShapeUtil.NormalizeDim("Quantile", dim.Value, Rank);
        if (dim is not null) ShapeUtil.NormalizeDim("Quantile", dim.Value, Rank);
        int n = src.ShapeArray[d];
        if (n == 0) throw new ArgumentException($"Quantile: cannot take quantiles over an empty dim (input {ShapeUtil.Describe(this)}).");
        var sorted = src.Sort(d).Values;
        var qShape = Enumerable.Repeat(1, src.Rank).ToArray();
        qShape[d] = qs.Length;
        var below = new long[qs.Length];
        var above = new long[qs.Length];
        var weights = new double[qs.Length];
        for (int k = 0; k < qs.Length; k++)
        {
            // The rank in the input's precision, as PyTorch computes it.
            double rank = DType == DType.Float32 ? (float)qs[k] * (float)(n - 1) : qs[k] * (n - 1);
            (below[k], above[k]) = interpolation switch
            {
                "lower" => ((long)Math.Floor(rank), (long)Math.Floor(rank)),
                "higher" => ((long)Math.Ceiling(rank), (long)Math.Ceiling(rank)),
                "nearest" => ((long)Math.Round(rank, MidpointRounding.ToEven), (long)Math.Round(rank, MidpointRounding.ToEven)),
                _ => ((long)Math.Floor(rank), (long)Math.Ceiling(rank)),
            };
            weights[k] = interpolation == "midpoint" ? 0.5 : rank - Math.Floor(rank);
            if (DType == DType.Float32) weights[k] = (float)weights[k];
        }
        // A line with a NaN sorts it last, and takes its quantiles there.
        var hasNaN = src.Ne(src).To(DType).Sum(d, keepDim: true).Gt(0.0);
        var last = Scalar(n - 1, DType.Int64);
        var low = Where(hasNaN, last, FromArray(below).Reshape(qShape));
        var result = sorted.Gather(d, low);
        if (interpolation is "linear" or "midpoint")
        {
            var high = Where(hasNaN, last, FromArray(above).Reshape(qShape));
            var upper = sorted.Gather(d, high);
            var w = FromArray(weights).To(DType).Reshape(qShape);
            var diff = upper - result;
            // PyTorch's lerp: from the nearer end, so that weight 0 and 1 give the end values exactly.
            result = Where(w.Lt(0.5), result + (w * diff), upper - (diff * (1.0 - w)));
        }
        // The quantile dim goes first, the reduced dim stays as size 1 behind it.
        result = result.Unsqueeze(0).Transpose(0, d + 1);
        if (dim is null)
            result = keepDim ? result.Reshape([qs.Length, .. Enumerable.Repeat(1, Rank)]) : result.Reshape(qs.Length);
        else if (!keepDim || Rank == 0)
            result = result.SqueezeDims([d + 1]);
        return scalarQ ? result.SqueezeDims([0]) : result;
    }

    /// <summary>
    /// The distinct elements (<paramref name="dim"/> null, flattened) or the distinct slices along <paramref name="dim"/>,
    /// in ascending (lexicographic) order, like <c>torch.unique</c>: with <paramref name="returnInverse"/> also the index
    /// (int64) of each element's (slice's) value in them, with <paramref name="returnCounts"/> how often each occurs. The
    /// result is always sorted, which <paramref name="sorted"/> = false also permits. Not differentiable.
    /// </summary>
    public (Tensor Values, Tensor? Inverse, Tensor? Counts) Unique(bool sorted = true, bool returnInverse = false, bool returnCounts = false, int? dim = null) =>
        UniqueImpl("Unique", consecutive: false, returnInverse, returnCounts, dim);

    /// <summary>
    /// The elements (or slices along <paramref name="dim"/>) with each run of equal consecutive ones collapsed to one,
    /// like <c>torch.unique_consecutive</c>, with the inverse indices and run lengths (int64) when asked. Not differentiable.
    /// </summary>
    public (Tensor Values, Tensor? Inverse, Tensor? Counts) UniqueConsecutive(bool returnInverse = false, bool returnCounts = false, int? dim = null) =>
        UniqueImpl("UniqueConsecutive", consecutive: true, returnInverse, returnCounts, dim);

    private (Tensor Values, Tensor? Inverse, Tensor? Counts) UniqueImpl(string op, bool consecutive, bool returnInverse, bool returnCounts, int? dim)
    {
        var x = Detach();
        Tensor values, inverse, counts;
        if (dim is null || Rank == 0)
        {
            if (dim is not null) ShapeUtil.NormalizeDim(op, dim.Value, Rank);
            var flat = x.Reshape(-1);
            (var firsts, inverse, counts) = Sorting.Unique(flat, flat.Numel, 1, consecutive);
            values = Indexing.IndexSelect(flat, 0, firsts);
            inverse = dim is null ? inverse.Reshape(ShapeArray) : inverse;
        }
        else
        {
            int d = ShapeUtil.NormalizeDim(op, dim.Value, Rank);
            int rows = ShapeArray[d];
            var moved = x.Transpose(0, d).Materialize();
            (var firsts, inverse, counts) = Sorting.Unique(moved, rows, rows == 0 ? 0 : Numel / rows, consecutive);
            values = Indexing.IndexSelect(x, d, firsts);
        }
        return (values, returnInverse ? inverse : null, returnCounts ? counts : null);
    }
}
