namespace Nabla.NN;

public static partial class Functional
{
    /// <summary>
    /// Scaled dot-product attention with PyTorch 2.x semantics (<c>F.scaled_dot_product_attention</c>):
    /// softmax(q·kᵀ·scale + mask)·v for q (…, L, E), k (…, S, E) and v (…, S, Ev), giving (…, L, Ev); the batch
    /// dims broadcast. A floating-point <paramref name="attnMask"/> is added to the scores; an int64 mask (Nabla's
    /// boolean form: nonzero is true) says which positions take part, so false positions get −∞.
    /// <paramref name="isCausal"/> lets position i attend to positions j ≤ i only (the top-left lower triangle
    /// when L ≠ S). A row with every position masked has −∞ scores throughout and comes out NaN, as in PyTorch's
    /// definition; the masked positions of a partly masked row receive exactly zero gradient.
    /// </summary>
    /// <param name="query">The queries, (…, L, E).</param>
    /// <param name="key">The keys, (…, S, E).</param>
    /// <param name="value">The values, (…, S, Ev).</param>
    /// <param name="attnMask">Null, a float mask added to the scores, or an int64 mask (nonzero = may attend); broadcastable to (…, L, S).</param>
    /// <param name="dropoutP">The dropout probability applied to the attention weights, in [0, 1) (applied whenever it is positive, as in PyTorch).</param>
    /// <param name="isCausal">Apply a causal mask; not allowed together with <paramref name="attnMask"/>.</param>
    /// <param name="scale">The factor of the scores; 1/√E when null.</param>
    /// <param name="generator">The random source for dropout; <see cref="Generator.Default"/> when null.</param>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null, double dropoutP = 0,
        bool isCausal = false, double? scale = null, Generator? generator = null)
    {
        const string Op = "ScaledDotProductAttention";
        CheckAttentionOperands(Op, query, key, value);
        if (!(dropoutP >= 0 && dropoutP < 1)) throw new ArgumentOutOfRangeException(nameof(dropoutP), dropoutP, $"{Op}: dropoutP must be in [0, 1), got {dropoutP}.");
        if (isCausal && attnMask is not null)
            throw new ArgumentException($"{Op}: give either attnMask or isCausal, not both (attnMask {ShapeUtil.Describe(attnMask)}).", nameof(attnMask));
        int l = query.Shape[^2], s = key.Shape[^2];
        var scoresShape = ScoresShape(query, key);
        if (attnMask is not null) CheckMask(Op, "attnMask", attnMask, query.DType, scoresShape);
        Func<Tensor, Tensor>? mask = null;
        if (isCausal) mask = scores => KeepOrMinusInfinity(scores, Tensor.TriangleMask(l, s, 0, lower: true, scores.DType));
        else if (attnMask is { DType: DType.Int64 }) mask = scores => KeepOrMinusInfinity(scores, attnMask);
        else if (attnMask is not null) mask = scores => scores + attnMask;
        return Attend(query, key, value, scale ?? 1 / Math.Sqrt(query.Shape[^1]), mask, dropoutP, generator).Output;
    }

    /// <summary>
    /// The attention core shared by <see cref="ScaledDotProductAttention"/> and <see cref="MultiheadAttention"/>:
    /// the scores (q·scale)·kᵀ, masked by <paramref name="mask"/>, their softmax over the keys (with dropout), and
    /// the weighted values. Returns the output and the weights after dropout (as PyTorch's attention returns them).
    /// </summary>
    internal static (Tensor Output, Tensor Weights) Attend(Tensor query, Tensor key, Tensor value, double scale, Func<Tensor, Tensor>? mask,
        double dropoutP, Generator? generator)
    {
        var scores = (query * scale).MatMul(key.Transpose(-2, -1));
        if (mask is not null) scores = mask(scores);
        var weights = scores.Softmax(-1);
        if (dropoutP > 0) weights = Dropout(weights, dropoutP, training: true, generator);
        return (weights.MatMul(value), weights);
    }

    /// <summary>The scores where <paramref name="keep"/> is nonzero, −∞ elsewhere.</summary>
    internal static Tensor KeepOrMinusInfinity(Tensor scores, Tensor keep) =>
        Tensor.Where(keep, scores, Tensor.Scalar(double.NegativeInfinity, scores.DType));

    private static void CheckAttentionOperands(string op, Tensor query, Tensor key, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        RequireFloat(op, query);
        if (query.Rank < 2 || key.Rank < 2 || value.Rank < 2)
            throw new ArgumentException($"{op}: query, key and value need at least 2 dims (…, L, E), (…, S, E), (…, S, Ev), got {ShapeUtil.Describe(query)}, {ShapeUtil.Describe(key)}, {ShapeUtil.Describe(value)}.");
        if (key.DType != query.DType || value.DType != query.DType)
            throw new ArgumentException($"{op}: query, key and value must share a dtype, got {ShapeUtil.Describe(query)}, {ShapeUtil.Describe(key)}, {ShapeUtil.Describe(value)}.");
        if (key.Shape[^1] != query.Shape[^1])
            throw new ArgumentException($"{op}: key must have the query's embedding size {query.Shape[^1]} in its last dim, got query {ShapeUtil.Describe(query)} and key {ShapeUtil.Describe(key)}.", nameof(key));
        if (value.Shape[^2] != key.Shape[^2])
            throw new ArgumentException($"{op}: value must have the key's sequence length {key.Shape[^2]}, got key {ShapeUtil.Describe(key)} and value {ShapeUtil.Describe(value)}.", nameof(value));
    }

    private static int[] ScoresShape(Tensor query, Tensor key)
    {
        var batch = ShapeUtil.BroadcastShapes("ScaledDotProductAttention", query.ShapeSpan[..^2], key.ShapeSpan[..^2]);
        return [.. batch, query.Shape[^2], key.Shape[^2]];
    }

    /// <summary>Checks that a mask is int64 or of the scores' dtype and broadcasts to <paramref name="scoresShape"/> without changing it.</summary>
    internal static void CheckMask(string op, string name, Tensor mask, DType scoresType, int[] scoresShape)
    {
        if (mask.DType != DType.Int64 && mask.DType != scoresType)
            throw new ArgumentException($"{op}: {name} must be int64 (boolean) or {scoresType.Name()} like the query, got {ShapeUtil.Describe(mask)}.", name);
        bool fits = mask.Rank <= scoresShape.Length;
        for (int i = 1; fits && i <= mask.Rank; i++) fits = mask.Shape[^i] == 1 || mask.Shape[^i] == scoresShape[^i];
        if (!fits)
            throw new ArgumentException($"{op}: {name} must broadcast to the attention scores {ShapeUtil.Format(scoresShape)}, got {ShapeUtil.Describe(mask)}.", name);
    }
}
