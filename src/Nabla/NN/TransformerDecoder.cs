namespace Nabla.NN;

/// <summary>
/// A stack of decoder layers with an optional final norm, as PyTorch's <c>nn.TransformerDecoder</c>: children
/// <c>layers</c> (<c>layers.0.multihead_attn.in_proj_weight</c>, …) and <c>norm</c>.
/// </summary>
public sealed class TransformerDecoder : Module
{
    private readonly ModuleList _layers;

    /// <summary>A stack of <paramref name="numLayers"/> copies of <paramref name="decoderLayer"/> (PyTorch's deep copies).</summary>
    /// <param name="decoderLayer">The layer to copy.</param>
    /// <param name="numLayers">The number of layers, &gt; 0.</param>
    /// <param name="norm">The final norm, or null.</param>
    public TransformerDecoder(TransformerDecoderLayer decoderLayer, int numLayers, LayerNorm? norm = null)
        : this(Copies(decoderLayer), numLayers, norm)
    {
    }

    /// <summary>A stack of the layers <paramref name="layerFactory"/> makes for indices 0 … numLayers − 1.</summary>
    /// <param name="layerFactory">Makes layer i; every call must return a new layer.</param>
    /// <param name="numLayers">The number of layers, &gt; 0.</param>
    /// <param name="norm">The final norm, or null.</param>
    public TransformerDecoder(Func<int, TransformerDecoderLayer> layerFactory, int numLayers, LayerNorm? norm = null)
    {
        ArgumentNullException.ThrowIfNull(layerFactory);
        _layers = RegisterModule("layers", TransformerBlocks.Stack("TransformerDecoder", numLayers, layerFactory));
        if (norm is not null) Norm = RegisterModule("norm", norm);
        NumLayers = numLayers;
    }

    private static Func<int, TransformerDecoderLayer> Copies(TransformerDecoderLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return _ => layer.Clone();
    }

    /// <summary>The number of layers.</summary>
    public int NumLayers { get; }

    /// <summary>The layer at <paramref name="index"/>.</summary>
    /// <param name="index">A position in [−NumLayers, NumLayers).</param>
    public TransformerDecoderLayer this[int index] => (TransformerDecoderLayer)_layers[index];

    /// <summary>The final norm, or null.</summary>
    public LayerNorm? Norm { get; }

    /// <summary>Runs the target through every layer, each attending to <paramref name="memory"/>, then the final norm.</summary>
    /// <param name="tgt">(T, N, E), (N, T, E) with batch-first layers, or (T, E).</param>
    /// <param name="memory">(S, N, E), (N, S, E), or (S, E): the encoder's output.</param>
    /// <param name="tgtMask">(T, T) or (N·heads, T, T).</param>
    /// <param name="memoryMask">(T, S) or (N·heads, T, S).</param>
    /// <param name="tgtKeyPaddingMask">(N, T).</param>
    /// <param name="memoryKeyPaddingMask">(N, S).</param>
    /// <param name="tgtIsCausal">Apply the causal mask to the self-attention when <paramref name="tgtMask"/> is null.</param>
    /// <param name="memoryIsCausal">Apply the causal mask to the memory attention when <paramref name="memoryMask"/> is null.</param>
    public Tensor Forward(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? memoryMask = null, Tensor? tgtKeyPaddingMask = null,
        Tensor? memoryKeyPaddingMask = null, bool tgtIsCausal = false, bool memoryIsCausal = false)
    {
        ArgumentNullException.ThrowIfNull(tgt);
        ArgumentNullException.ThrowIfNull(memory);
        var x = tgt;
        foreach (var layer in _layers)
            x = ((TransformerDecoderLayer)layer).Forward(x, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal);
        return Norm is null ? x : Norm.Call(x);
    }

    /// <summary>Not supported: a decoder needs the memory too; call <c>Forward(tgt, memory)</c>.</summary>
    /// <param name="input">Unused.</param>
    public override Tensor Forward(Tensor input) =>
        throw new NotSupportedException("TransformerDecoder.Forward needs the target and the memory: call Forward(tgt, memory).");

    /// <summary>The stack's output for [tgt, memory], without masks.</summary>
    /// <param name="inputs">[tgt, memory].</param>
    public override Tensor Forward(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != 2)
            throw new ArgumentException($"TransformerDecoder.Forward: expected 2 inputs (tgt, memory), got {inputs.Length}.", nameof(inputs));
        return Forward(inputs[0], inputs[1], null);
    }
}
