using System.Globalization;
using Nabla.NN;

namespace Nabla.Cli;

/// <summary>
/// A character language model, as <c>--model lstm</c>, <c>gru</c> and <c>transformer</c> build it: token ids (N, T)
/// → <c>embedding</c> → a body → <c>head</c>, a linear layer to one logit per character of the vocabulary, (N, T, V).
/// The recurrent bodies (<c>rnn</c>) are a 2-layer LSTM or GRU of <see cref="HiddenSize"/> units over
/// <see cref="EmbeddingSize"/>-wide embeddings, with dropout between the layers. The transformer adds learned positions
/// (<c>positions</c>, up to the training window length) to <see cref="ModelWidth"/>-wide embeddings and runs a causal
/// pre-norm <c>encoder</c> of 2 layers (4 heads, feed-forward 512, dropout 0.1) with a final layer norm, so position t
/// sees only the characters up to t.
/// </summary>
internal sealed class CharModel : Module
{
    public const int EmbeddingSize = 64, HiddenSize = 256, RecurrentLayers = 2;
    public const int ModelWidth = 128, Heads = 4, FeedForward = 512, EncoderLayers = 2;
    public const double DropoutP = 0.1;

    private readonly Embedding _embedding;
    private readonly RNNBase? _rnn;
    private readonly PositionalEmbedding? _positions;
    private readonly TransformerEncoder? _encoder;
    private readonly Linear _head;

    /// <summary>Builds <paramref name="kind"/> for a vocabulary of <paramref name="vocabularySize"/> characters.</summary>
    /// <param name="kind">lstm, gru or transformer.</param>
    /// <param name="vocabularySize">V, the number of distinct characters.</param>
    /// <param name="contextLength">The training window length: the longest input the transformer's positions cover.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="init">The source of the embedding's and the head's initial values.</param>
    /// <param name="dropout">
    /// The source of the body's initial values and of its dropout masks (the recurrent and attention layers draw both from
    /// one generator), which a checkpoint saves so a resumed run draws the same masks.
    /// </param>
    public CharModel(string kind, int vocabularySize, int contextLength, DType dtype, Generator init, Generator dropout)
    {
        Kind = kind;
        VocabularySize = vocabularySize;
        ContextLength = contextLength;
        int width;
        switch (kind)
        {
            case "lstm" or "gru":
                _embedding = RegisterModule("embedding", new Embedding(vocabularySize, EmbeddingSize, dtype: dtype, generator: init));
                _rnn = RegisterModule<RNNBase>("rnn", kind == "lstm"
                    ? new LSTM(EmbeddingSize, HiddenSize, RecurrentLayers, batchFirst: true, dropout: DropoutP, dtype: dtype, generator: dropout)
                    : new GRU(EmbeddingSize, HiddenSize, RecurrentLayers, batchFirst: true, dropout: DropoutP, dtype: dtype, generator: dropout));
                width = HiddenSize;
                break;
            case "transformer":
                _embedding = RegisterModule("embedding", new Embedding(vocabularySize, ModelWidth, dtype: dtype, generator: init));
                _positions = RegisterModule("positions", new PositionalEmbedding(contextLength, ModelWidth, batchFirst: true, dtype: dtype, generator: init));
                _encoder = RegisterModule("encoder", new TransformerEncoder(
                    _ => new TransformerEncoderLayer(ModelWidth, Heads, FeedForward, DropoutP, batchFirst: true, normFirst: true, dtype: dtype, generator: dropout),
                    EncoderLayers, new LayerNorm(ModelWidth, dtype: dtype)));
                width = ModelWidth;
                break;
            default:
                throw new UsageException($"unknown text model '{kind}': expected lstm, gru or transformer.");
        }
        _head = RegisterModule("head", new Linear(width, vocabularySize, dtype: dtype, generator: init));
    }

    /// <summary>lstm, gru or transformer.</summary>
    public string Kind { get; }

    /// <summary>V, the number of characters.</summary>
    public int VocabularySize { get; }

    /// <summary>The training window length; the transformer looks back at most this many characters.</summary>
    public int ContextLength { get; }

    /// <summary>The layers in words, for the train summary.</summary>
    public string Description => _rnn is not null
        ? string.Create(CultureInfo.InvariantCulture, $"embedding {EmbeddingSize}, {RecurrentLayers}×{Kind.ToUpperInvariant()} {HiddenSize}, dropout {DropoutP}")
        : string.Create(CultureInfo.InvariantCulture, $"width {ModelWidth}, {EncoderLayers} causal layers, {Heads} heads, feed-forward {FeedForward}, dropout {DropoutP}");

    /// <summary>The next-character logits (N, T, V) of token ids (N, T).</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.DType != DType.Int64 || input.Rank != 2)
            throw new ArgumentException($"CharModel: expected (N, T) int64 character ids, got {input.DType.Name()} of shape ({string.Join(", ", input.Shape)}).", nameof(input));
        var x = _embedding.Call(input);
        x = _rnn is not null ? _rnn.Call(x) : _encoder!.Forward(_positions!.Call(x), isCausal: true);
        return _head.Call(x);
    }

    /// <summary>
    /// Continues <paramref name="prompt"/> by <paramref name="length"/> sampled characters. The recurrent models read the
    /// prompt once and then carry their state one character at a time; the transformer reruns the last
    /// <see cref="ContextLength"/> characters at every step. Each character is drawn from softmax(logits / temperature),
    /// restricted to the <paramref name="topK"/> likeliest when given.
    /// </summary>
    public long[] Sample(long[] prompt, int length, double temperature, int? topK, Generator generator)
    {
        var modes = Modules().Select(m => (Module: m, m.IsTraining)).ToList();
        Eval();
        try
        {
            using var noGrad = Autograd.NoGrad();
            var tokens = new List<long>(prompt);
            object? state = null;
            var logits = _rnn is not null ? RecurrentStep(prompt, ref state) : LastLogits(tokens);
            for (int i = 0; i < length; i++)
            {
                long next = Draw(logits, temperature, topK, generator);
                tokens.Add(next);
                if (i + 1 < length) logits = _rnn is not null ? RecurrentStep([next], ref state) : LastLogits(tokens);
            }
            return [.. tokens.Skip(prompt.Length)];
        }
        finally
        {
            foreach (var (module, training) in modes) module.Train(training);
        }
    }

    /// <summary>The logits after <paramref name="ids"/>, starting from <paramref name="state"/> (an LSTM's (h, c), a GRU's h; null for zeros), which it updates.</summary>
    private Tensor RecurrentStep(long[] ids, ref object? state)
    {
        var x = _embedding.Forward(Tensor.FromArray(ids, 1, ids.Length));
        Tensor output;
        if (_rnn is LSTM lstm)
        {
            var (o, s) = lstm.Forward(x, ((Tensor H, Tensor C)?)state);
            (output, state) = (o, s);
        }
        else
        {
            var (o, h) = ((GRU)_rnn!).Forward(x, (Tensor?)state);
            (output, state) = (o, h);
        }
        return _head.Forward(output.Narrow(1, ids.Length - 1, 1)).Reshape(-1);
    }

    private Tensor LastLogits(List<long> tokens)
    {
        int count = Math.Min(tokens.Count, ContextLength);
        var window = tokens.GetRange(tokens.Count - count, count).ToArray();
        return Forward(Tensor.FromArray(window, 1, count)).Narrow(1, count - 1, 1).Reshape(-1);
    }

    private static long Draw(Tensor logits, double temperature, int? topK, Generator generator)
    {
        var scaled = logits / temperature;
        if (topK is { } k && k < scaled.Numel)
        {
            var values = scaled.ToDoubleArray();
            var sorted = (double[])values.Clone();
            Array.Sort(sorted);
            double kth = sorted[^k];
            // Ties with the k-th value stay in, so the kept set never depends on the order of equal logits.
            scaled = scaled.MaskedFill(Tensor.FromArray(Array.ConvertAll(values, v => v < kth ? 1L : 0L)), double.NegativeInfinity);
        }
        return scaled.Softmax(-1).Multinomial(1, generator: generator).ToArray<long>()[0];
    }
}
