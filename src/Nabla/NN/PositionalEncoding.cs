using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// The fixed sinusoidal positional encoding of Vaswani et al. (2017), as in PyTorch's word_language_model example:
/// pe[pos, 2i] = sin(pos / 10000^(2i/d)), pe[pos, 2i+1] = cos(pos / 10000^(2i/d)), held in the persistent buffer
/// <c>pe</c> of shape (max_len, 1, d_model) (the example's layout, so its state dicts load), added to the input and
/// followed by dropout. The table is computed in float64 and then converted to the dtype.
/// </summary>
public sealed class PositionalEncoding : Module
{
    /// <summary>Creates the encoding.</summary>
    /// <param name="dModel">The model width, &gt; 0.</param>
    /// <param name="dropout">The dropout probability applied after the addition, in [0, 1].</param>
    /// <param name="maxLen">The longest sequence, &gt; 0.</param>
    /// <param name="batchFirst">Inputs are (N, S, E) rather than the example's (S, N, E).</param>
    /// <param name="dtype">The buffer's dtype.</param>
    /// <param name="generator">The random source for dropout; <see cref="Generator.Default"/> when null.</param>
    public PositionalEncoding(int dModel, double dropout = 0.1, int maxLen = 5000, bool batchFirst = false, DType dtype = DType.Float32, Generator? generator = null)
    {
        if (dModel <= 0) throw new ArgumentOutOfRangeException(nameof(dModel), dModel, $"PositionalEncoding: dModel must be positive, got {dModel}.");
        if (maxLen <= 0) throw new ArgumentOutOfRangeException(nameof(maxLen), maxLen, $"PositionalEncoding: maxLen must be positive, got {maxLen}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"PositionalEncoding: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
        DModel = dModel;
        MaxLen = maxLen;
        BatchFirst = batchFirst;
        var table = new double[maxLen * dModel];
        for (int i = 0; 2 * i < dModel; i++)
        {
            double frequency = Math.Exp(2 * i * (-Math.Log(10000.0) / dModel));
            for (int pos = 0; pos < maxLen; pos++)
            {
                table[(pos * dModel) + (2 * i)] = Math.Sin(pos * frequency);
                if (2 * i + 1 < dModel) table[(pos * dModel) + (2 * i) + 1] = Math.Cos(pos * frequency);
            }
        }
        RegisterBuffer("pe", Tensor.FromArray(table).Reshape(maxLen, 1, dModel).To(dtype));
        Dropout = RegisterModule("dropout", new Dropout(dropout, generator));
    }

    /// <summary>The model width.</summary>
    public int DModel { get; }

    /// <summary>The longest sequence.</summary>
    public int MaxLen { get; }

    /// <summary>Whether inputs are (N, S, E).</summary>
    public bool BatchFirst { get; }

    /// <summary>The table, (max_len, 1, d_model).</summary>
    public Tensor Pe => GetBuffer("pe");

    /// <summary>The dropout after the addition.</summary>
    public Dropout Dropout { get; }

    /// <summary>The input plus the encodings of its positions, with dropout.</summary>
    /// <param name="input">(S, N, E), or (N, S, E) with BatchFirst, S ≤ max_len.</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string layout = BatchFirst ? "(N, S, E)" : "(S, N, E)";
        if (input.Rank != 3 || input.Shape[2] != DModel)
            throw new ArgumentException($"PositionalEncoding: expected input {layout} with E = {DModel}, got {ShapeUtil.Describe(input)}.", nameof(input));
        int length = input.Shape[BatchFirst ? 1 : 0];
        if (length > MaxLen)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"PositionalEncoding: the sequence length {length} exceeds maxLen {MaxLen} (input {ShapeUtil.Describe(input)}, layout {layout})."), nameof(input));
        }
        var pe = Pe.Narrow(0, 0, length);
        return Dropout.Call(input + (BatchFirst ? pe.Transpose(0, 1) : pe));
    }
}
