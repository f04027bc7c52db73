namespace Nabla.NN;

/// <summary>
/// The encoder-decoder Transformer (Vaswani et al., 2017) as PyTorch's <c>nn.Transformer</c>: an encoder of
/// <c>numEncoderLayers</c> layers and a decoder of <c>numDecoderLayers</c>, each stack ending in a layer norm
/// (<c>encoder.norm</c>, <c>decoder.norm</c>); every parameter with more than one dim is then re-initialised
/// Xavier-uniform, as PyTorch does. It has no embeddings: source and target come in as (S, N, E) and (T, N, E),
/// or batch-first, and the output is shaped like the target.
/// </summary>
public sealed class Transformer : Module
{
    /// <summary>Creates the model.</summary>
    /// <param name="dModel">The model width E.</param>
    /// <param name="nHead">The number of attention heads; must divide <paramref name="dModel"/>.</param>
    /// <param name="numEncoderLayers">The number of encoder layers.</param>
    /// <param name="numDecoderLayers">The number of decoder layers.</param>
    /// <param name="dimFeedforward">The width of the feed-forward blocks.</param>
    /// <param name="dropout">The dropout probability.</param>
    /// <param name="activation">"relu" or "gelu".</param>
    /// <param name="layerNormEps">The layer norms' eps.</param>
    /// <param name="batchFirst">Inputs and outputs are (N, S, E).</param>
    /// <param name="normFirst">Pre-norm layers.</param>
    /// <param name="bias">Whether the linear layers, attentions and norms learn biases.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation and dropout; <see cref="Generator.Default"/> when null.</param>
    public Transformer(int dModel = 512, int nHead = 8, int numEncoderLayers = 6, int numDecoderLayers = 6, int dimFeedforward = 2048, double dropout = 0.1,
        string activation = "relu", double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, bool bias = true,
        DType dtype = DType.Float32, Generator? generator = null)
    {
        var encoderLayer = new TransformerEncoderLayer(dModel, nHead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias, dtype, generator);
        Encoder = RegisterModule("encoder", new TransformerEncoder(encoderLayer, numEncoderLayers, new LayerNorm(dModel, layerNormEps, dtype: dtype, bias: bias)));
        var decoderLayer = new TransformerDecoderLayer(dModel, nHead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias, dtype, generator);
        Decoder = RegisterModule("decoder", new TransformerDecoder(decoderLayer, numDecoderLayers, new LayerNorm(dModel, layerNormEps, dtype: dtype, bias: bias)));
        DModel = dModel;
        NHead = nHead;
        BatchFirst = batchFirst;
        foreach (var p in Parameters())
            if (p.Rank > 1) Init.XavierUniform(p, generator: generator);
    }

    /// <summary>The model width E.</summary>
    public int DModel { get; }

    /// <summary>The number of attention heads.</summary>
    public int NHead { get; }

    /// <summary>Whether inputs and outputs are (N, S, E).</summary>
    public bool BatchFirst { get; }

    /// <summary>The encoder stack, <c>encoder</c>.</summary>
    public TransformerEncoder Encoder { get; }

    /// <summary>The decoder stack, <c>decoder</c>.</summary>
    public TransformerDecoder Decoder { get; }

    /// <summary>Encodes <paramref name="src"/> and decodes <paramref name="tgt"/> attending to it.</summary>
    /// <param name="src">(S, N, E), (N, S, E) with BatchFirst, or (S, E).</param>
    /// <param name="tgt">(T, N, E), (N, T, E) with BatchFirst, or (T, E).</param>
    /// <param name="srcMask">(S, S) or (N·heads, S, S): int64 nonzero = not allowed, or float added.</param>
    /// <param name="tgtMask">(T, T) or (N·heads, T, T), e.g. <see cref="GenerateSquareSubsequentMask"/>.</param>
    /// <param name="memoryMask">(T, S) or (N·heads, T, S).</param>
    /// <param name="srcKeyPaddingMask">(N, S).</param>
    /// <param name="tgtKeyPaddingMask">(N, T).</param>
    /// <param name="memoryKeyPaddingMask">(N, S).</param>
    /// <param name="srcIsCausal">Causal encoder self-attention when <paramref name="srcMask"/> is null.</param>
    /// <param name="tgtIsCausal">Causal decoder self-attention when <paramref name="tgtMask"/> is null.</param>
    /// <param name="memoryIsCausal">Causal memory attention when <paramref name="memoryMask"/> is null.</param>
    public Tensor Forward(Tensor src, Tensor tgt, Tensor? srcMask = null, Tensor? tgtMask = null, Tensor? memoryMask = null, Tensor? srcKeyPaddingMask = null,
        Tensor? tgtKeyPaddingMask = null, Tensor? memoryKeyPaddingMask = null, bool srcIsCausal = false, bool tgtIsCausal = false, bool memoryIsCausal = false)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(tgt);
        if (src.Rank != tgt.Rank)
            throw new ArgumentException($"Transformer: src and tgt must both be batched or both unbatched, got src {ShapeUtil.Describe(src)} and tgt {ShapeUtil.Describe(tgt)}.", nameof(tgt));
        int batchDim = BatchFirst ? 0 : 1;
        if (src.Rank == 3 && src.Shape[batchDim] != tgt.Shape[batchDim])
            throw new ArgumentException($"Transformer: the batch size of src and tgt must be equal, got src {ShapeUtil.Describe(src)} and tgt {ShapeUtil.Describe(tgt)}.", nameof(tgt));
        if (src.Shape[^1] != DModel || tgt.Shape[^1] != DModel)
            throw new ArgumentException($"Transformer: the feature number of src and tgt must be dModel = {DModel}, got src {ShapeUtil.Describe(src)} and tgt {ShapeUtil.Describe(tgt)}.");
        var memory = Encoder.Forward(src, srcMask, srcKeyPaddingMask, srcIsCausal);
        return Decoder.Forward(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal);
    }

    /// <summary>Not supported: a Transformer needs a source and a target; call <c>Forward(src, tgt)</c>.</summary>
    /// <param name="input">Unused.</param>
    public override Tensor Forward(Tensor input) =>
        throw new NotSupportedException("Transformer.Forward needs the source and the target: call Forward(src, tgt).");

    /// <summary>The output for [src, tgt], without masks.</summary>
    /// <param name="inputs">[src, tgt].</param>
    public override Tensor Forward(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != 2)
            throw new ArgumentException($"Transformer.Forward: expected 2 inputs (src, tgt), got {inputs.Length}.", nameof(inputs));
        return Forward(inputs[0], inputs[1], null);
    }

    /// <summary>
    /// The causal float mask of PyTorch's <c>generate_square_subsequent_mask</c>: (size, size) with 0 on and below the
    /// diagonal and −∞ above it, to add to the scores so that position i attends to positions j ≤ i only.
    /// </summary>
    /// <param name="size">The sequence length, ≥ 0.</param>
    /// <param name="dtype">Float32 or Float64.</param>
    public static Tensor GenerateSquareSubsequentMask(int size, DType dtype = DType.Float32)
    {
        if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, $"Transformer.GenerateSquareSubsequentMask: size must be non-negative, got {size}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"Transformer.GenerateSquareSubsequentMask: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
        return Tensor.Full([size, size], double.NegativeInfinity, dtype).Triu(1);
    }
}
