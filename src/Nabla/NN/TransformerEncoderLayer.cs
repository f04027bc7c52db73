using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// One Transformer encoder layer (Vaswani et al., 2017) as PyTorch's <c>nn.TransformerEncoderLayer</c>: self-attention
/// then a feed-forward block (linear1, activation, dropout, linear2), each with a residual connection, dropout and
/// layer normalisation, after the residual (post-norm, the default) or before the block (<c>normFirst</c>). The
/// children carry PyTorch's names, so state dict keys match: <c>self_attn.in_proj_weight</c>, <c>linear1.weight</c>,
/// <c>norm1.weight</c>, …. Input and output (S, N, E), or (N, S, E) with <c>batchFirst</c>, or unbatched (S, E).
/// </summary>
public sealed class TransformerEncoderLayer : Module
{
    private readonly Func<Tensor, Tensor> _activation;
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="dModel">The model width E.</param>
    /// <param name="nHead">The number of attention heads; must divide <paramref name="dModel"/>.</param>
    /// <param name="dimFeedforward">The width of the feed-forward block.</param>
    /// <param name="dropout">The dropout probability of the attention weights, the feed-forward block and the residual branches.</param>
    /// <param name="activation">"relu" or "gelu" (the exact, erf form).</param>
    /// <param name="layerNormEps">The layer norms' eps.</param>
    /// <param name="batchFirst">Inputs and outputs are (N, S, E).</param>
    /// <param name="normFirst">Normalise before each block (pre-norm) rather than after each residual.</param>
    /// <param name="bias">Whether the linear layers, the attention and the layer norms learn biases.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation and dropout; <see cref="Generator.Default"/> when null.</param>
    public TransformerEncoderLayer(int dModel, int nHead, int dimFeedforward = 2048, double dropout = 0.1, string activation = "relu",
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : this(dModel, nHead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias, dtype, generator, generator)
    {
    }

    private TransformerEncoderLayer(int dModel, int nHead, int dimFeedforward, double dropout, string activation, double layerNormEps,
        bool batchFirst, bool normFirst, bool bias, DType dtype, Generator? initGenerator, Generator? dropoutGenerator)
    {
        TransformerBlocks.CheckSizes("TransformerEncoderLayer", dModel, nHead, dimFeedforward, dropout);
        _activation = TransformerBlocks.Activation("TransformerEncoderLayer", activation);
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
        Linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, bias, dtype, initGenerator));
        Dropout = RegisterModule("dropout", new Dropout(dropout, dropoutGenerator));
        Linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, bias, dtype, initGenerator));
        Norm1 = RegisterModule("norm1", new LayerNorm(dModel, layerNormEps, dtype: dtype, bias: bias));
        Norm2 = RegisterModule("norm2", new LayerNorm(dModel, layerNormEps, dtype: dtype, bias: bias));
        Dropout1 = RegisterModule("dropout1", new Dropout(dropout, dropoutGenerator));
        Dropout2 = RegisterModule("dropout2", new Dropout(dropout, dropoutGenerator));
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

    /// <summary>Whether inputs and outputs are (N, S, E).</summary>
    public bool BatchFirst { get; }

    /// <summary>Whether the layer normalises before each block (pre-norm).</summary>
    public bool NormFirst { get; }

    /// <summary>Whether the layer's linear maps, attention and norms have biases.</summary>
    public bool HasBias { get; }

    /// <summary>The self-attention, <c>self_attn</c>.</summary>
    public MultiheadAttention SelfAttn { get; }

    /// <summary>The feed-forward block's first map, E → dimFeedforward.</summary>
    public Linear Linear1 { get; }

    /// <summary>The dropout inside the feed-forward block.</summary>
    public Dropout Dropout { get; }

    /// <summary>The feed-forward block's second map, dimFeedforward → E.</summary>
    public Linear Linear2 { get; }

    /// <summary>The norm of the attention block.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>The norm of the feed-forward block.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>The dropout of the attention branch.</summary>
    public Dropout Dropout1 { get; }

    /// <summary>The dropout of the feed-forward branch.</summary>
    public Dropout Dropout2 { get; }

    /// <summary>The layer's output for <paramref name="src"/>, with the optional masks of <see cref="MultiheadAttention"/>.</summary>
    /// <param name="src">(S, N, E), (N, S, E) with BatchFirst, or (S, E).</param>
    /// <param name="srcMask">(S, S) or (N·heads, S, S): int64 nonzero = not allowed, or float added to the scores.</param>
    /// <param name="srcKeyPaddingMask">(N, S): int64 nonzero = padding, or float added.</param>
    /// <param name="isCausal">Apply the causal mask when <paramref name="srcMask"/> is null.</param>
    public Tensor Forward(Tensor src, Tensor? srcMask = null, Tensor? srcKeyPaddingMask = null, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(src);
        TransformerBlocks.CheckInput("TransformerEncoderLayer", "src", src, DModel, BatchFirst);
        var x = src;
        if (NormFirst)
        {
            x = x + SelfAttentionBlock(Norm1.Call(x), srcMask, srcKeyPaddingMask, isCausal);
            return x + FeedForwardBlock(Norm2.Call(x));
        }
        x = Norm1.Call(x + SelfAttentionBlock(x, srcMask, srcKeyPaddingMask, isCausal));
        return Norm2.Call(x + FeedForwardBlock(x));
    }

    /// <summary>The layer's output without masks.</summary>
    /// <param name="input">(S, N, E), (N, S, E) with BatchFirst, or (S, E).</param>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>A new layer with this one's settings, parameter values and mode (PyTorch's deep copy in <c>_get_clones</c>); it shares the dropout generator.</summary>
    internal TransformerEncoderLayer Clone()
    {
        var clone = new TransformerEncoderLayer(DModel, NHead, DimFeedforward, DropoutP, ActivationName, LayerNormEps, BatchFirst, NormFirst, HasBias,
            SelfAttn.OutProj.Weight.DType, new Generator(0), _generator);
        clone.LoadStateDict(StateDict(), allowNonFinite: true);
        clone.Train(IsTraining);
        return clone;
    }

    private Tensor SelfAttentionBlock(Tensor x, Tensor? mask, Tensor? keyPaddingMask, bool isCausal) =>
        Dropout1.Call(SelfAttn.Forward(x, x, x, keyPaddingMask, needWeights: false, attnMask: mask, isCausal: isCausal).Output);

    private Tensor FeedForwardBlock(Tensor x) => Dropout2.Call(Linear2.Call(Dropout.Call(_activation(Linear1.Call(x)))));
}

/// <summary>The checks and pieces the Transformer layers share.</summary>
internal static class TransformerBlocks
{
    public static void CheckSizes(string layer, int dModel, int nHead, int dimFeedforward, double dropout)
    {
        if (dModel <= 0) throw new ArgumentOutOfRangeException(nameof(dModel), dModel, $"{layer}: dModel must be positive, got {dModel}.");
        if (nHead <= 0) throw new ArgumentOutOfRangeException(nameof(nHead), nHead, $"{layer}: nHead must be positive, got {nHead}.");
        if (dModel % nHead != 0) throw new ArgumentException($"{layer}: dModel {dModel} must be divisible by nHead {nHead}.", nameof(nHead));
        if (dimFeedforward <= 0) throw new ArgumentOutOfRangeException(nameof(dimFeedforward), dimFeedforward, $"{layer}: dimFeedforward must be positive, got {dimFeedforward}.");
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"{layer}: dropout must be in [0, 1), got {dropout}.");
    }

    public static Func<Tensor, Tensor> Activation(string layer, string name) => name switch
    {
        "relu" => x => x.Relu(),
        "gelu" => x => x.Gelu(),
        _ => throw new ArgumentException($"{layer}: activation must be \"relu\" or \"gelu\", got \"{name}\".", nameof(name)),
    };

    public static void CheckInput(string layer, string name, Tensor x, int dModel, bool batchFirst)
    {
        if (x.Rank is not (2 or 3) || x.Shape[^1] != dModel)
        {
            string layout = batchFirst ? "(N, S, E)" : "(S, N, E)";
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{layer}: expected {name} {layout} or unbatched (S, E) with E = {dModel}, got {ShapeUtil.Describe(x)}."), name);
        }
    }

    /// <summary>A ModuleList of the <paramref name="numLayers"/> layers that <paramref name="factory"/> makes, each a distinct module.</summary>
    public static ModuleList Stack<T>(string owner, int numLayers, Func<int, T> factory) where T : Module
    {
        if (numLayers <= 0) throw new ArgumentOutOfRangeException(nameof(numLayers), numLayers, $"{owner}: numLayers must be positive, got {numLayers}.");
        var list = new ModuleList();
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < numLayers; i++)
        {
            var layer = factory(i) ?? throw new ArgumentException($"{owner}: the layer factory returned null for layer {i}.", nameof(factory));
            if (!seen.Add(layer)) throw new ArgumentException($"{owner}: the layer factory returned the same layer twice (layer {i}); each layer needs its own parameters.", nameof(factory));
            list.Add(layer);
        }
        return list;
    }
}
