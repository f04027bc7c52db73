using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// A lookup table of learned vectors: int64 indices of shape (*) give (*, embedding_dim). The weight
/// (num_embeddings, embedding_dim) is initialised from N(0, 1), as in PyTorch; the row at the optional padding index
/// starts at zero and receives no gradient.
/// </summary>
public class Embedding : Module
{
    /// <summary>Creates the table.</summary>
    /// <param name="numEmbeddings">The number of rows (the vocabulary size), &gt; 0.</param>
    /// <param name="embeddingDim">The size of each vector, &gt; 0.</param>
    /// <param name="paddingIdx">A row that stays zero and is not trained (negative counts from the end), or null.</param>
    /// <param name="dtype">The weight's dtype.</param>
    /// <param name="generator">The random source for initialisation; <see cref="Generator.Default"/> when null.</param>
    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (numEmbeddings <= 0) throw new ArgumentOutOfRangeException(nameof(numEmbeddings), numEmbeddings, $"Embedding: numEmbeddings must be positive, got {numEmbeddings}.");
        if (embeddingDim <= 0) throw new ArgumentOutOfRangeException(nameof(embeddingDim), embeddingDim, $"Embedding: embeddingDim must be positive, got {embeddingDim}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"Embedding: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = paddingIdx is { } p ? Functional.NormalizePaddingIdx("Embedding", p, numEmbeddings) : null;
        var weight = Init.Normal(RegisterParameter("weight", Tensor.Zeros([numEmbeddings, embeddingDim], dtype)), generator: generator);
        if (PaddingIdx is { } pad)
            using (Autograd.NoGrad()) weight.Narrow(0, pad, 1).Zero();
    }

    /// <summary>The number of rows.</summary>
    public int NumEmbeddings { get; }

    /// <summary>The size of each vector.</summary>
    public int EmbeddingDim { get; }

    /// <summary>The row that is not trained, or null.</summary>
    public int? PaddingIdx { get; }

    /// <summary>The table, (num_embeddings, embedding_dim); it can be replaced by another parameter of the same shape and dtype, to share it with another layer.</summary>
    public Tensor Weight
    {
        get => GetParameter("weight");
        set => ReplaceParameter("weight", value);
    }

    /// <summary>The rows at <paramref name="input"/>.</summary>
    /// <param name="input">Int64 indices in [0, num_embeddings), any shape.</param>
    public override Tensor Forward(Tensor input) => Functional.Embedding(input, Weight, PaddingIdx);

    /// <inheritdoc/>
    public override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture, $"{NumEmbeddings}, {EmbeddingDim}") + (PaddingIdx is { } p ? string.Create(CultureInfo.InvariantCulture, $", padding_idx={p}") : "");
}
