namespace Nabla.NN;

/// <summary>
/// A stack of encoder layers with an optional final norm, as PyTorch's <c>nn.TransformerEncoder</c>: the children are
/// <c>layers</c> (so the state dict keys are <c>layers.0.self_attn.in_proj_weight</c>, …) and <c>norm</c>.
/// </summary>
public sealed class TransformerEncoder : Module
{
    private readonly ModuleList _layers;

    /// <summary>
    /// A stack of <paramref name="numLayers"/> copies of <paramref name="encoderLayer"/> (settings and parameter values,
    /// like PyTorch's deep copies; the layer given is not itself part of the stack).
    /// </summary>
    /// <param name="encoderLayer">The layer to copy.</param>
    /// <param name="numLayers">The number of layers, &gt; 0.</param>
    /// <param name="norm">The final norm, or null.</param>
    public TransformerEncoder(TransformerEncoderLayer encoderLayer, int numLayers, LayerNorm? norm = null)
        : this(Copies(encoderLayer), numLayers, norm)
    {
    }

    /// <summary>A stack of the layers <paramref name="layerFactory"/> makes for indices 0 … numLayers − 1.</summary>
    /// <param name="layerFactory">Makes layer i; every call must return a new layer.</param>
    /// <param name="numLayers">The number of layers, &gt; 0.</param>
    /// <param name="norm">The final norm, or null.</param>
    public TransformerEncoder(Func<int, TransformerEncoderLayer> layerFactory, int numLayers, LayerNorm? norm = null)
    {
        ArgumentNullException.ThrowIfNull(layerFactory);
        _layers = RegisterModule("layers", TransformerBlocks.Stack("TransformerEncoder", numLayers, layerFactory));
        if (norm is not null) Norm = RegisterModule("norm", norm);
        NumLayers = numLayers;
    }

    private static Func<int, TransformerEncoderLayer> Copies(TransformerEncoderLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return _ => layer.Clone();
    }

    /// <summary>The number of layers.</summary>
    public int NumLayers { get; }

    /// <summary>The layer at <paramref name="index"/>.</summary>
    /// <param name="index">A position in [−NumLayers, NumLayers).</param>
    public TransformerEncoderLayer this[int index] => (TransformerEncoderLayer)_layers[index];

    /// <summary>The final norm, or null.</summary>
    public LayerNorm? Norm { get; }

    /// <summary>Runs <paramref name="src"/> through every layer with the same masks, then the final norm.</summary>
    /// <param name="src">(S, N, E), (N, S, E) with batch-first layers, or (S, E).</param>
    /// <param name="mask">(S, S) or (N·heads, S, S): int64 nonzero = not allowed, or float added.</param>
    /// <param name="srcKeyPaddingMask">(N, S): int64 nonzero = padding, or float added.</param>
    /// <param name="isCausal">Apply the causal mask when <paramref name="mask"/> is null.</param>
    public Tensor Forward(Tensor src, Tensor? mask = null, Tensor? srcKeyPaddingMask = null, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(src);
        var x = src;
        foreach (var layer in _layers) x = ((TransformerEncoderLayer)layer).Forward(x, mask, srcKeyPaddingMask, isCausal);
        return Norm is null ? x : Norm.Call(x);
    }

    /// <summary>The stack's output without masks.</summary>
    /// <param name="input">(S, N, E), (N, S, E) with batch-first layers, or (S, E).</param>
    public override Tensor Forward(Tensor input) => Forward(input, null);
}
