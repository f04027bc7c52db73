using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// Learned absolute positions (as in GPT and BERT): an <see cref="Embedding"/> over the positions 0 … max_len − 1,
/// child <c>embedding</c> (so the key is <c>embedding.weight</c>, (max_len, d_model), N(0, 1) initially), whose first
/// T rows are added to an input of length T.
/// </summary>
public sealed class PositionalEmbedding : Module
{
    /// <summary>Creates the table.</summary>
    /// <param name="maxLen">The longest sequence, &gt; 0.</param>
    /// <param name="dModel">The model width, &gt; 0.</param>
    /// <param name="batchFirst">Inputs are (N, T, E) rather than (T, N, E).</param>
    /// <param name="dtype">The table's dtype.</param>
    /// <param name="generator">The random source for initialisation; <see cref="Generator.Default"/> when null.</param>
    public PositionalEmbedding(int maxLen, int dModel, bool batchFirst = false, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (maxLen <= 0) throw new ArgumentOutOfRangeException(nameof(maxLen), maxLen, $"PositionalEmbedding: maxLen must be positive, got {maxLen}.");
        if (dModel <= 0) throw new ArgumentOutOfRangeException(nameof(dModel), dModel, $"PositionalEmbedding: dModel must be positive, got {dModel}.");
        MaxLen = maxLen;
        DModel = dModel;
        BatchFirst = batchFirst;
        Embedding = RegisterModule("embedding", new Embedding(maxLen, dModel, dtype: dtype, generator: generator));
    }

    /// <summary>The longest sequence.</summary>
    public int MaxLen { get; }

    /// <summary>The model width.</summary>
    public int DModel { get; }

    /// <summary>Whether inputs are (N, T, E).</summary>
    public bool BatchFirst { get; }

    /// <summary>The position table, <c>embedding</c>.</summary>
    public Embedding Embedding { get; }

    /// <summary>The input plus the learned vectors of its positions (the table's first T rows, which is the lookup of 0 … T − 1).</summary>
    /// <param name="input">(T, N, E), or (N, T, E) with BatchFirst, or (T, E); T ≤ max_len.</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string layout = BatchFirst ? "(N, T, E)" : "(T, N, E)";
        if (input.Rank is not (2 or 3) || input.Shape[^1] != DModel)
            throw new ArgumentException($"PositionalEmbedding: expected input {layout} or (T, E) with E = {DModel}, got {ShapeUtil.Describe(input)}.", nameof(input));
        bool seqFirst = !BatchFirst || input.Rank == 2;
        int length = input.Shape[seqFirst ? 0 : 1];
        if (length > MaxLen)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"PositionalEmbedding: the sequence length {length} exceeds maxLen {MaxLen} (input {ShapeUtil.Describe(input)}, layout {layout})."), nameof(input));
        }
        var positions = Embedding.Weight.Narrow(0, 0, length);
        return input + (seqFirst && input.Rank == 3 ? positions.Unsqueeze(1) : positions);
    }

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"{MaxLen}, {DModel}");
}
