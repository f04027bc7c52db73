using System.Text;

namespace Nabla.Data;

/// <summary>
/// A character-level language-modelling dataset over one token stream: example i is the
/// <see cref="SequenceLength"/> tokens from <c>i·Stride</c> as the input and the same window shifted by one token as
/// the target, both int64 of shape (T), so that a <see cref="DataLoader"/> yields (N, T) inputs and targets. The
/// tokens are the characters of a text encoded with a <see cref="CharVocabulary"/> (built from the text itself unless
/// one is given, e.g. a trained model's). Logits (N, T, C) from a model go to <c>Functional.CrossEntropy</c> as
/// (N, C, T), <c>logits.Permute(0, 2, 1)</c>, as in PyTorch.
/// </summary>
public sealed class TextSequences : IDataset
{
    /// <summary>The largest file <see cref="FromFile"/> reads unless told otherwise: 64 MiB, 512 MiB of int64 tokens.</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    private readonly long[] _tokens;

    /// <summary>The dataset of <paramref name="text"/>'s characters.</summary>
    /// <param name="text">The text; it needs at least <paramref name="sequenceLength"/> + 1 characters.</param>
    /// <param name="sequenceLength">T, the length of each input and target, &gt; 0.</param>
    /// <param name="stride">The distance between consecutive examples' starts, &gt; 0; T (non-overlapping windows) when null.</param>
    /// <param name="vocabulary">The vocabulary to encode with; built from <paramref name="text"/> when null.</param>
    public TextSequences(string text, int sequenceLength, int? stride = null, CharVocabulary? vocabulary = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (sequenceLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(sequenceLength), sequenceLength, $"TextSequences: sequenceLength must be positive, got {sequenceLength}.");
        int step = stride ?? sequenceLength;
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, $"TextSequences: stride must be positive, got {stride}.");
        if (text.Length == 0) throw new ArgumentException("TextSequences: the text is empty.", nameof(text));
        Vocabulary = vocabulary ?? CharVocabulary.FromText(text);
        _tokens = Vocabulary.Encode(text);
        if (_tokens.Length < (long)sequenceLength + 1)
        {
            throw new ArgumentException(
                $"TextSequences: the text has {_tokens.Length} characters, but a sequence of {sequenceLength} and its target shifted by one need at least {(long)sequenceLength + 1}.",
                nameof(text));
        }
        SequenceLength = sequenceLength;
        Stride = step;
        Count = (int)Math.Min(int.MaxValue, (_tokens.Length - sequenceLength - 1) / step + 1);
    }

    /// <summary>The dataset of a UTF-8 text file's characters.</summary>
    /// <param name="path">The file; it needs at least <paramref name="sequenceLength"/> + 1 characters.</param>
    /// <param name="sequenceLength">T, the length of each input and target, &gt; 0.</param>
    /// <param name="stride">The distance between consecutive examples' starts, &gt; 0; T when null.</param>
    /// <param name="vocabulary">The vocabulary to encode with; built from the file's text when null.</param>
    /// <param name="maxBytes">The largest file accepted, so that a wrong path cannot exhaust memory.</param>
    public static TextSequences FromFile(string path, int sequenceLength, int? stride = null, CharVocabulary? vocabulary = null, long maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (maxBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, $"TextSequences.FromFile: maxBytes must be positive, got {maxBytes}.");
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"TextSequences.FromFile: the file {path} does not exist.", path);
        if (info.Length > maxBytes)
            throw new InvalidDataException($"TextSequences.FromFile: {path} has {info.Length} bytes, more than the {maxBytes} allowed; pass a larger maxBytes to read it.");
        if (info.Length == 0) throw new InvalidDataException($"TextSequences.FromFile: {path} is empty.");
        string text;
        try
        {
            text = File.ReadAllText(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"TextSequences.FromFile: {path} is not valid UTF-8 ({e.Message}).", e);
        }
        if (text.Length < (long)sequenceLength + 1 && sequenceLength > 0)
        {
            throw new InvalidDataException(
                $"TextSequences.FromFile: {path} has {text.Length} characters, but a sequence of {sequenceLength} and its target shifted by one need at least {(long)sequenceLength + 1}.");
        }
        return new TextSequences(text, sequenceLength, stride, vocabulary);
    }

    /// <summary>The vocabulary the tokens index.</summary>
    public CharVocabulary Vocabulary { get; }

    /// <summary>T, the length of each input and target.</summary>
    public int SequenceLength { get; }

    /// <summary>The distance between consecutive examples' starts, in tokens.</summary>
    public int Stride { get; }

    /// <summary>The whole token stream.</summary>
    public ReadOnlySpan<long> Tokens => _tokens;

    /// <inheritdoc/>
    public int Count { get; }

    /// <inheritdoc/>
    public (Tensor Input, Tensor Target) this[int index]
    {
        get
        {
            CheckIndex(index);
            long start = (long)index * Stride;
            return (Tensor.FromArray(_tokens.AsSpan((int)start, SequenceLength).ToArray(), SequenceLength),
                Tensor.FromArray(_tokens.AsSpan((int)start + 1, SequenceLength).ToArray(), SequenceLength));
        }
    }

    /// <summary>The examples at <paramref name="indices"/> as (N, T) int64 inputs and targets, copied straight from the stream.</summary>
    /// <param name="indices">Example indices in [0, <see cref="Count"/>).</param>
    public (Tensor Input, Tensor Target) GetBatch(ReadOnlySpan<int> indices)
    {
        if (indices.Length == 0) throw new ArgumentException("TextSequences.GetBatch: cannot make a batch of zero examples.", nameof(indices));
        int t = SequenceLength;
        var input = new long[indices.Length * t];
        var target = new long[indices.Length * t];
        for (int b = 0; b < indices.Length; b++)
        {
            CheckIndex(indices[b]);
            int start = indices[b] * Stride;
            _tokens.AsSpan(start, t).CopyTo(input.AsSpan(b * t, t));
            _tokens.AsSpan(start + 1, t).CopyTo(target.AsSpan(b * t, t));
        }
        return (Tensor.FromArray(input, indices.Length, t), Tensor.FromArray(target, indices.Length, t));
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"TextSequences: index {index} is out of range for {Count} sequences.");
    }
}
