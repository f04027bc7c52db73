namespace Nabla.NN;

/// <summary>
/// One Transformer decoder layer as PyTorch's <c>nn.TransformerDecoderLayer</c>: self-attention over the target,
/// attention from the target to the encoder's output (the memory), then a feed-forward block, each with a residual
/// connection, dropout and layer normalisation (post-norm by default, pre-norm with <c>normFirst</c>). Children:
/// self_attn, multihead_attn, linear1, dropout, linear2, norm1, norm2, norm3, dropout1, dropout2, dropout3.
/// Target (T, N, E) and memory (S, N, E), or batch-first, or unbatched.
/// </summary>
public sealed class TransformerDecoderLayer : Module
{
    private readonly Func<Tensor, Tensor> _activation;
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="dModel">The model width E.</param>
    /// <param name="nHead">The number of attention heads; must divide <paramref name="dModel"/>.</param>
    /// <param name="dimFeedforward">The width of the feed-forward block.</param>
    /// <param name="dropout">The dropout probability.</param>
    /// <param name="activation">"relu" or "gelu".</param>
    /// <param name="layerNormEps">The layer norms' eps.</param>
    /// <param name="batchFirst">Inputs and outputs are (N, T, E).</param>
    /// <param name="normFirst">Normalise before each block (pre-norm).</param>
    /// <param name="bias">Whether the linear layers, the attentions and the layer norms learn biases.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation and dropout; <see cref="Generator.Default"/> when null.</param>
    public TransformerDecoderLayer(int dModel, int nHead, int dimFeedforward = 2048, double dropout = 0.1, string activation = "relu",
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : this(dModel, nHead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias, dtype, generator, generator)
    {
    }

    private TransformerDecoderLayer(int dModel, int nHead, int dimFeedforward, double dropout, string activation, double layerNormEps,
        bool batchFirst, bool normFirst, bool bias, DType dtype, Generator? initGenerator, Generator? dropoutGenerator)
    {
        TransformerBlocks.CheckSizes("TransformerDecoderLayer", dModel, nHead, dimFeedforward, dropout);
        _activation = TransformerBlocks.Activation("TransformerDecoderLayer", activation);
        _generator = dropoutGenerator;
        DModel = dModel;
        NHead = nHead;
        DimFeedforward = dimFeedforward;
        DropoutP = dropout;
        ActivationName = activation;
        LayerNormEps = layerNormEps;
        BatchFirst = batchFirst;
        NormFirst = normFirst;
        HasBias = bias;
        SelfAttn = RegisterModule("self_attn", new MultiheadAttention(dModel, nHead, dropout, bias, batchFirst: batchFirst, dtype: dtype, generator: initGenerator));
        MultiheadAttn = RegisterModule("multihead_attn", new MultiheadAttention(dModel, nHead, dropout, bias, batchFirst: batchFirst, dtype: dtype, generator: initGenerator));
        Linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, bias, dtype, initGenerator));
        Dropout = RegisterModule("dropout", new Dropout(dropout, dropoutGenerator));
        Linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, bias, dtype, initGenerator));
        Norm1 = RegisterModule("norm1", new LayerNorm(dModel, layerNormEps, dtype: dtype, bias: bias));
        Norm2 = RegisterModule("norm2", new LayerNorm(dModel, layerNormEps, dtype: dtype, bias: bias));
        Norm3 = RegisterModule("norm3", new LayerNorm(dModel, layerNormEps, dtype: dtype, bias: bias));
        Dropout1 = RegisterModule("dropout1", new Dropout(dropout, dropoutGenerator));
        Dropout2 = RegisterModule("dropout2", new Dropout(dropout, dropoutGenerator));
        Dropout3 = RegisterModule("dropout3", new Dropout(dropout, dropoutGenerator));
    }

    /// <summary>The model width E.</summary>
    public int DModel { get; }

    /// <summary>The number of attention heads.</summary>
    public int NHead { get; }

    /// <summary>The width of the feed-forward block.</summary>
    public int DimFeedforward { get; }

    /// <summary>The dropout probability.</summary>
    public double DropoutP { get; }

    /// <summary>The activation's name, "relu" or "gelu".</summary>
    public string ActivationName { get; }

    /// <summary>The layer norms' eps.</summary>
    public double LayerNormEps { get; }

    /// <summary>Whether inputs and outputs are (N, T, E).</summary>
    public bool BatchFirst { get; }

    /// <summary>Whether the layer normalises before each block (pre-norm).</summary>
    public bool NormFirst { get; }

    /// <summary>Whether the layer's linear maps, attentions and norms have biases.</summary>
    public bool HasBias { get; }

    /// <summary>The self-attention over the target, <c>self_attn</c>.</summary>
    public MultiheadAttention SelfAttn { get; }

    /// <summary>The attention from the target to the memory, <c>multihead_attn</c>.</summary>
    public MultiheadAttention MultiheadAttn { get; }

    /// <summary>The feed-forward block's first map.</summary>
    public Linear Linear1 { get; }

    /// <summary>The dropout inside the feed-forward block.</summary>
    public Dropout Dropout { get; }

    /// <summary>The feed-forward block's second map.</summary>
    public Linear Linear2 { get; }

    /// <summary>The norm of the self-attention block.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>The norm of the memory attention block.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>The norm of the feed-forward block.</summary>
    public LayerNorm Norm3 { get; }

    /// <summary>The dropout of the self-attention branch.</summary>
    public Dropout Dropout1 { get; }

    /// <summary>The dropout of the memory attention branch.</summary>
    public Dropout Dropout2 { get; }

    /// <summary>The dropout of the feed-forward branch.</summary>
    public Dropout Dropout3 { get; }

    /// <summary>The layer's output for the target <paramref name="tgt"/> attending to <paramref name="memory"/>.</summary>
    /// <param name="tgt">(T, N, E), (N, T, E) with BatchFirst, or (T, E).</param>
    /// <param name="memory">(S, N, E), (N, S, E) with BatchFirst, or (S, E).</param>
    /// <param name="tgtMask">(T, T) or (N·heads, T, T): int64 nonzero = not allowed, or float added.</param>
    /// <param name="memoryMask">(T, S) or (N·heads, T, S).</param>
    /// <param name="tgtKeyPaddingMask">(N, T): int64 nonzero = padding, or float added.</param>
    /// <param name="memoryKeyPaddingMask">(N, S).</param>
    /// <param name="tgtIsCausal">Apply the causal mask to the self-attention when <paramref name="tgtMask"/> is null.</param>
    /// <param name="memoryIsCausal">Apply the causal mask to the memory attention when <paramref name="memoryMask"/> is null.</param>
    public Tensor Forward(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? memoryMask = null, Tensor? tgtKeyPaddingMask = null,
        Tensor? memoryKeyPaddingMask = null, bool tgtIsCausal = false, bool memoryIsCausal = false)
    {
        ArgumentNullException.ThrowIfNull(tgt);
        ArgumentNullException.ThrowIfNull(memory);
        TransformerBlocks.CheckInput("TransformerDecoderLayer", "tgt", tgt, DModel, BatchFirst);
        TransformerBlocks.CheckInput("TransformerDecoderLayer", "memory", memory, DModel, BatchFirst);
        var x = tgt;
        if (NormFirst)
        {
            x = x + SelfAttentionBlock(Norm1.Call(x), tgtMask, tgtKeyPaddingMask, tgtIsCausal);
            x = x + MemoryBlock(Norm2.Call(x), memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal);
            return x + FeedForwardBlock(Norm3.Call(x));
        }
        x = Norm1.Call(x + SelfAttentionBlock(x, tgtMask, tgtKeyPaddingMask, tgtIsCausal));
        x = Norm2.Call(x + MemoryBlock(x, memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal));
        return Norm3.Call(x + FeedForwardBlock(x));
    }

    /// <summary>Not supported: a decoder layer needs the memory too; call <c>Forward(tgt, memory)</c>.</summary>
    /// <param name="input">Unused.</param>
    public override Tensor Forward(Tensor input) =>
        throw new NotSupportedException("TransformerDecoderLayer.Forward needs the target and the memory: call Forward(tgt, memory).");

    /// <summary>The layer's output for [tgt, memory], without masks.</summary>
    /// <param name="inputs">[tgt, memory].</param>
    public override Tensor Forward(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != 2)
            throw new ArgumentException($"TransformerDecoderLayer.Forward: expected 2 inputs (tgt, memory), got {inputs.Length}.", nameof(inputs));
        return Forward(inputs[0], inputs[1], null);
    }

    /// <summary>A new layer with this one's settings, parameter values and mode; it shares the dropout generator.</summary>
    internal TransformerDecoderLayer Clone()
    {
        var clone = new TransformerDecoderLayer(DModel, NHead, DimFeedforward, DropoutP, ActivationName, LayerNormEps, BatchFirst, NormFirst, HasBias,
            SelfAttn.OutProj.Weight.DType, new Generator(0), _generator);
        clone.LoadStateDict(StateDict(), allowNonFinite: true);
        clone.Train(IsTraining);
        return clone;
    }

    private Tensor SelfAttentionBlock(Tensor x, Tensor? mask, Tensor? keyPaddingMask, bool isCausal) =>
        Dropout1.Call(SelfAttn.Forward(x, x, x, keyPaddingMask, needWeights: false, attnMask: mask, isCausal: isCausal).Output);

    private Tensor MemoryBlock(Tensor x, Tensor memory, Tensor? mask, Tensor? keyPaddingMask, bool isCausal) =>
        Dropout2.Call(MultiheadAttn.Forward(x, memory, memory, keyPaddingMask, needWeights: false, attnMask: mask, isCausal: isCausal).Output);

    private Tensor FeedForwardBlock(Tensor x) => Dropout3.Call(Linear2.Call(Dropout.Call(_activation(Linear1.Call(x)))));
}
