using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// Multi-head attention (Vaswani et al., 2017) with the layout, names and initialisation of PyTorch's
/// <c>nn.MultiheadAttention</c>: the query, key and value projections are packed in <c>in_proj_weight</c> (3E, E)
/// (Xavier uniform) and <c>in_proj_bias</c> (3E, zeros), or, when the key or value size differs from E, kept apart
/// in <c>q_proj_weight</c>, <c>k_proj_weight</c> (E, kdim), <c>v_proj_weight</c> (E, vdim); the heads are merged by the
/// child Linear <c>out_proj</c> (its bias zeroed). Inputs are (L, N, E) and (S, N, kdim/vdim), or (N, L, E) with
/// <c>batchFirst</c>, or unbatched (L, E). Masks follow <c>nn.MultiheadAttention</c>: in an int64 (boolean) mask a
/// nonzero element means the position may NOT be attended; a floating-point mask is added to the scores.
/// </summary>
public sealed class MultiheadAttention : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer and initialises its parameters.</summary>
    /// <param name="embedDim">The model width E, &gt; 0.</param>
    /// <param name="numHeads">The number of heads; must divide <paramref name="embedDim"/>.</param>
    /// <param name="dropout">The dropout probability on the attention weights in training mode, in [0, 1).</param>
    /// <param name="bias">Whether the input and output projections learn biases.</param>
    /// <param name="kdim">The key size; E when null.</param>
    /// <param name="vdim">The value size; E when null.</param>
    /// <param name="batchFirst">Inputs and outputs are (N, L, E) rather than (L, N, E).</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation and dropout; <see cref="Generator.Default"/> when null.</param>
    public MultiheadAttention(int embedDim, int numHeads, double dropout = 0, bool bias = true, int? kdim = null, int? vdim = null,
        bool batchFirst = false, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (embedDim <= 0) throw new ArgumentOutOfRangeException(nameof(embedDim), embedDim, $"MultiheadAttention: embedDim must be positive, got {embedDim}.");
        if (numHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numHeads), numHeads, $"MultiheadAttention: numHeads must be positive, got {numHeads}.");
        if (embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: embedDim {embedDim} must be divisible by numHeads {numHeads}.", nameof(numHeads));
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"MultiheadAttention: dropout must be in [0, 1), got {dropout}.");
        if (kdim is <= 0) throw new ArgumentOutOfRangeException(nameof(kdim), kdim, $"MultiheadAttention: kdim must be positive, got {kdim}.");
        if (vdim is <= 0) throw new ArgumentOutOfRangeException(nameof(vdim), vdim, $"MultiheadAttention: vdim must be positive, got {vdim}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"MultiheadAttention: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
        EmbedDim = embedDim;
        NumHeads = numHeads;
        HeadDim = embedDim / numHeads;
        Dropout = dropout;
        KDim = kdim ?? embedDim;
        VDim = vdim ?? embedDim;
        BatchFirst = batchFirst;
        _generator = generator;
        if (KDim == embedDim && VDim == embedDim)
        {
            Init.XavierUniform(RegisterParameter("in_proj_weight", Tensor.Zeros([3 * embedDim, embedDim], dtype)), generator: generator);
        }
        else
        {
            Init.XavierUniform(RegisterParameter("q_proj_weight", Tensor.Zeros([embedDim, embedDim], dtype)), generator: generator);
            Init.XavierUniform(RegisterParameter("k_proj_weight", Tensor.Zeros([embedDim, KDim], dtype)), generator: generator);
            Init.XavierUniform(RegisterParameter("v_proj_weight", Tensor.Zeros([embedDim, VDim], dtype)), generator: generator);
        }
        if (bias) RegisterParameter("in_proj_bias", Tensor.Zeros([3 * embedDim], dtype));
        OutProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, bias, dtype, generator));
        if (OutProj.Bias is { } outBias) Init.Zeros(outBias);
    }

    /// <summary>The model width E.</summary>
    public int EmbedDim { get; }

    /// <summary>The number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>The width of one head, E / heads.</summary>
    public int HeadDim { get; }

    /// <summary>The dropout probability on the attention weights.</summary>
    public double Dropout { get; }

    /// <summary>The key size.</summary>
    public int KDim { get; }

    /// <summary>The value size.</summary>
    public int VDim { get; }

    /// <summary>Whether inputs and outputs are (N, L, E).</summary>
    public bool BatchFirst { get; }

    /// <summary>The packed projections (3E, E), or null when the key or value size differs from E.</summary>
    public Tensor? InProjWeight => TryGetParameter("in_proj_weight");

    /// <summary>The packed projection biases (3E), or null for a layer built with <c>bias: false</c>.</summary>
    public Tensor? InProjBias => TryGetParameter("in_proj_bias");

    /// <summary>The output projection, E → E.</summary>
    public Linear OutProj { get; }

    /// <summary>
    /// Attends from <paramref name="query"/> to <paramref name="key"/>/<paramref name="value"/>. Returns the output,
    /// shaped like the query, and, when <paramref name="needWeights"/>, the attention weights: (N, L, S) averaged over
    /// the heads, or (N, heads, L, S) without <paramref name="averageAttnWeights"/> ((L, S) or (heads, L, S) unbatched).
    /// </summary>
    /// <param name="query">(L, N, E), (N, L, E) with BatchFirst, or (L, E).</param>
    /// <param name="key">(S, N, kdim), (N, S, kdim) with BatchFirst, or (S, kdim).</param>
    /// <param name="value">(S, N, vdim), (N, S, vdim) with BatchFirst, or (S, vdim).</param>
    /// <param name="keyPaddingMask">(N, S) or (S): int64 nonzero = padding, ignored; or float, added to the scores.</param>
    /// <param name="needWeights">Whether to return the attention weights.</param>
    /// <param name="attnMask">(L, S) or (N·heads, L, S): int64 nonzero = not allowed; or float, added to the scores.</param>
    /// <param name="averageAttnWeights">Average the returned weights over the heads.</param>
    /// <param name="isCausal">Apply the causal mask (position i attends to j ≤ i) when <paramref name="attnMask"/> is null; with a mask given, PyTorch treats the flag as a hint that the mask is causal, and so does Nabla.</param>
    public (Tensor Output, Tensor? Weights) Forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null, bool needWeights = true,
        Tensor? attnMask = null, bool averageAttnWeights = true, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        bool batched = CheckInputs(query, key, value);
        bool selfAttention = ReferenceEquals(query, key) && ReferenceEquals(key, value);
        if (!batched)
        {
            query = query.Unsqueeze(1);
            key = selfAttention ? query : key.Unsqueeze(1);
            value = selfAttention ? query : value.Unsqueeze(1);
            keyPaddingMask = keyPaddingMask?.Unsqueeze(0);
        }
        bool seqFirst = !BatchFirst || !batched;
        int l = query.Shape[seqFirst ? 0 : 1], n = query.Shape[seqFirst ? 1 : 0], s = key.Shape[seqFirst ? 0 : 1];
        var mask = MaskFunction(l, n, s, query.DType, keyPaddingMask, attnMask, isCausal, batched);

        var (q, k, v) = Project(query, key, value, selfAttention, seqFirst);
        var (heads, weights) = Functional.Attend(q, k, v, 1 / Math.Sqrt(HeadDim), mask, IsTraining ? Dropout : 0, _generator);
        var merged = (seqFirst ? heads.Permute(2, 0, 1, 3) : heads.Permute(0, 2, 1, 3)).Reshape(seqFirst ? [l, n, EmbedDim] : [n, l, EmbedDim]);
        var output = OutProj.Call(merged);
        Tensor? returned = needWeights ? (averageAttnWeights ? weights.Mean(1) : weights) : null;
        return batched ? (output, returned) : (output.Squeeze(1), returned?.Squeeze(0));
    }

    /// <summary>Self-attention without masks: the output for query = key = value = <paramref name="input"/>.</summary>
    /// <param name="input">(L, N, E), (N, L, E) with BatchFirst, or (L, E).</param>
    public override Tensor Forward(Tensor input) => Forward(input, input, input, needWeights: false).Output;

    /// <summary>The output for one input (self-attention) or three (query, key, value), without masks.</summary>
    /// <param name="inputs">[input] or [query, key, value].</param>
    public override Tensor Forward(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return inputs.Length switch
        {
            1 => Forward(inputs[0]),
            3 => Forward(inputs[0], inputs[1], inputs[2], needWeights: false).Output,
            _ => throw new ArgumentException($"MultiheadAttention.Forward: expected 1 input (self-attention) or 3 (query, key, value), got {inputs.Length}.", nameof(inputs)),
        };
    }

    private bool CheckInputs(Tensor query, Tensor key, Tensor value)
    {
        string layout = BatchFirst ? "(N, L, E)" : "(L, N, E)";
        if (query.Rank is not (2 or 3))
            throw new ArgumentException($"MultiheadAttention: expected a query {layout} or unbatched (L, E) with E = {EmbedDim}, got {ShapeUtil.Describe(query)}.", nameof(query));
        if (key.Rank != query.Rank || value.Rank != query.Rank)
            throw new ArgumentException($"MultiheadAttention: key and value must have the query's rank {query.Rank}, got query {ShapeUtil.Describe(query)}, key {ShapeUtil.Describe(key)}, value {ShapeUtil.Describe(value)}.");
        if (query.Shape[^1] != EmbedDim)
            throw new ArgumentException($"MultiheadAttention: expected a query with embedding size {EmbedDim} in its last dim, got {ShapeUtil.Describe(query)}.", nameof(query));
        if (key.Shape[^1] != KDim || value.Shape[^1] != VDim)
            throw new ArgumentException($"MultiheadAttention: expected key size {KDim} and value size {VDim} in the last dims, got key {ShapeUtil.Describe(key)} and value {ShapeUtil.Describe(value)}.");
        if (!ShapeUtil.SameShape(key.ShapeSpan[..^1], value.ShapeSpan[..^1]))
            throw new ArgumentException($"MultiheadAttention: key and value must agree in their sequence and batch dims, got key {ShapeUtil.Describe(key)} and value {ShapeUtil.Describe(value)}.", nameof(value));
        bool batched = query.Rank == 3;
        int batchDim = BatchFirst ? 0 : 1;
        if (batched && key.Shape[batchDim] != query.Shape[batchDim])
            throw new ArgumentException($"MultiheadAttention: query and key must have the same batch size, got query {ShapeUtil.Describe(query)} and key {ShapeUtil.Describe(key)} in layout {layout}.", nameof(key));
        if (query.DType != InProjOrQWeight.DType || key.DType != query.DType || value.DType != query.DType)
            throw new ArgumentException($"MultiheadAttention: query, key and value must have the parameters' dtype {InProjOrQWeight.DType.Name()}, got {ShapeUtil.Describe(query)}, {ShapeUtil.Describe(key)}, {ShapeUtil.Describe(value)}.");
        return batched;
    }

    private Tensor InProjOrQWeight => InProjWeight ?? GetParameter("q_proj_weight");

    /// <summary>The projected queries, keys and values, each (N, heads, length, head_dim) as views of the projections.</summary>
    private (Tensor Q, Tensor K, Tensor V) Project(Tensor query, Tensor key, Tensor value, bool selfAttention, bool seqFirst)
    {
        int e = EmbedDim;
        var bias = InProjBias;
        if (InProjWeight is { } w)
        {
            if (selfAttention)
            {
                var qkv = Heads(Functional.Linear(query, w, bias), 3, seqFirst);
                return (qkv[0], qkv[1], qkv[2]);
            }
            var q = Heads(Functional.Linear(query, w.Narrow(0, 0, e), bias?.Narrow(0, 0, e)), 1, seqFirst)[0];
            if (ReferenceEquals(key, value))
            {
                var kv = Heads(Functional.Linear(key, w.Narrow(0, e, 2 * e), bias?.Narrow(0, e, 2 * e)), 2, seqFirst);
                return (q, kv[0], kv[1]);
            }
            return (q, Heads(Functional.Linear(key, w.Narrow(0, e, e), bias?.Narrow(0, e, e)), 1, seqFirst)[0],
                Heads(Functional.Linear(value, w.Narrow(0, 2 * e, e), bias?.Narrow(0, 2 * e, e)), 1, seqFirst)[0]);
        }
        return (Heads(Functional.Linear(query, GetParameter("q_proj_weight"), bias?.Narrow(0, 0, e)), 1, seqFirst)[0],
            Heads(Functional.Linear(key, GetParameter("k_proj_weight"), bias?.Narrow(0, e, e)), 1, seqFirst)[0],
            Heads(Functional.Linear(value, GetParameter("v_proj_weight"), bias?.Narrow(0, 2 * e, e)), 1, seqFirst)[0]);
    }

    /// <summary>Splits a projection (A, B, parts·E) into <paramref name="parts"/> views (N, heads, length, head_dim), copying nothing.</summary>
    private Tensor[] Heads(Tensor projection, int parts, bool seqFirst)
    {
        int a = projection.Shape[0], b = projection.Shape[1];
        var split = projection.Reshape(a, b, parts, NumHeads, HeadDim);
        var result = new Tensor[parts];
        for (int i = 0; i < parts; i++)
        {
            var part = split.Narrow(2, i, 1).Squeeze(2);
            result[i] = seqFirst ? part.Permute(1, 2, 0, 3) : part.Permute(0, 2, 1, 3);
        }
        return result;
    }

    /// <summary>The masks, checked, as one function on the scores (N, heads, L, S); null when nothing is masked.</summary>
    private Func<Tensor, Tensor>? MaskFunction(int l, int n, int s, DType dtype, Tensor? keyPaddingMask, Tensor? attnMask, bool isCausal, bool batched)
    {
        Tensor? attn = null, padding = null;
        if (attnMask is not null)
        {
            CheckMaskType("attnMask", attnMask, dtype);
            bool plain = attnMask.Rank == 2 && attnMask.Shape[0] == l && attnMask.Shape[1] == s;
            bool perHead = attnMask.Rank == 3 && attnMask.Shape[0] == n * NumHeads && attnMask.Shape[1] == l && attnMask.Shape[2] == s;
            if (!plain && !perHead)
            {
                string heads = batched ? "N·heads" : "heads";
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"MultiheadAttention: attnMask must be (L, S) = [{l}, {s}] or ({heads}, L, S) = [{n * NumHeads}, {l}, {s}], got {ShapeUtil.Describe(attnMask)}."), nameof(attnMask));
            }
            attn = plain ? attnMask : attnMask.Reshape(n, NumHeads, l, s);
        }
        if (keyPaddingMask is not null)
        {
            CheckMaskType("keyPaddingMask", keyPaddingMask, dtype);
            if (keyPaddingMask.Rank != 2 || keyPaddingMask.Shape[0] != n || keyPaddingMask.Shape[1] != s)
            {
                string expected = batched ? string.Create(CultureInfo.InvariantCulture, $"(N, S) = [{n}, {s}]") : string.Create(CultureInfo.InvariantCulture, $"(S) = [{s}]");
                var actual = batched ? keyPaddingMask : keyPaddingMask.Squeeze(0);
                throw new ArgumentException($"MultiheadAttention: keyPaddingMask must be {expected}, got {ShapeUtil.Describe(actual)}.", nameof(keyPaddingMask));
            }
            padding = keyPaddingMask.Reshape(n, 1, 1, s);
        }
        bool causal = isCausal && attn is null;
        if (attn is null && padding is null && !causal) return null;
        return scores =>
        {
            if (causal) scores = Functional.KeepOrMinusInfinity(scores, Tensor.TriangleMask(l, s, 0, lower: true, scores.DType));
            if (attn is not null) scores = attn.DType == DType.Int64 ? scores.MaskedFill(attn, double.NegativeInfinity) : scores + attn;
            if (padding is not null) scores = padding.DType == DType.Int64 ? scores.MaskedFill(padding, double.NegativeInfinity) : scores + padding;
            return scores;
        };
    }

    private static void CheckMaskType(string name, Tensor mask, DType dtype)
    {
        if (mask.DType != DType.Int64 && mask.DType != dtype)
            throw new ArgumentException($"MultiheadAttention: {name} must be int64 (boolean) or {dtype.Name()} like the query, got {ShapeUtil.Describe(mask)}.", name);
    }
}
