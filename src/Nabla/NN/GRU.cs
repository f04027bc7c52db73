namespace Nabla.NN;

/// <summary>
/// A multi-layer gated recurrent unit RNN, like PyTorch's <c>nn.GRU</c>: r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr),
/// z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz), n = tanh(x·W_inᵀ + b_in + r·(h·W_hnᵀ + b_hn)), h' = (1 − z)·n + z·h.
/// Input (T, N, input_size), (N, T, input_size) with <see cref="RNNBase.BatchFirst"/>, or unbatched (T, input_size);
/// hidden state (num_layers·num_directions, N, hidden_size). Parameters as in PyTorch (see <see cref="RNNBase"/>), each
/// (3·hidden_size, ·) in the gate order r, z, n.
/// </summary>
public sealed class GRU : RNNBase
{
    /// <summary>Creates the layer and initialises its parameters from U(−1/√hidden_size, 1/√hidden_size).</summary>
    /// <param name="inputSize">The number of features of each input element, &gt; 0.</param>
    /// <param name="hiddenSize">The number of features of the hidden state, &gt; 0.</param>
    /// <param name="numLayers">The number of stacked layers, &gt; 0.</param>
    /// <param name="bias">Whether the layers have the biases b_ih and b_hh.</param>
    /// <param name="batchFirst">Whether inputs and outputs are (N, T, features).</param>
    /// <param name="dropout">The dropout probability on the outputs of every layer but the last, in training mode, in [0, 1].</param>
    /// <param name="bidirectional">Whether every layer also runs backwards in time.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation and dropout; <see cref="Generator.Default"/> when null.</param>
    public GRU(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0,
        bool bidirectional = false, DType dtype = DType.Float32, Generator? generator = null)
        : base(RecurrentMode.Gru, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, dtype, generator)
    {
    }

    /// <summary>
    /// Runs the layer over a sequence: the output of the last layer at every step (T, N, D·hidden_size) (or batch first,
    /// or unbatched) and the final hidden state of every layer and direction (num_layers·D, N, hidden_size).
    /// </summary>
    /// <param name="input">(T, N, input_size), (N, T, input_size) when batch first, or (T, input_size).</param>
    /// <param name="hx">The initial hidden state (num_layers·D, N, hidden_size), or (num_layers·D, hidden_size) unbatched; zeros when null.</param>
    /// <param name="lengths">For a padded batch, the int64 length (1..T) of every sequence; steps past it give zero outputs and leave the state alone.</param>
    public (Tensor Output, Tensor HN) Forward(Tensor input, Tensor? hx = null, Tensor? lengths = null)
    {
        var (output, states) = Run(input, [hx], lengths);
        return (output, states[0]);
    }

    /// <summary>The output sequence for a zero initial state (so that the layer fits in a <see cref="Sequential"/>).</summary>
    /// <param name="input">(T, N, input_size), (N, T, input_size) when batch first, or (T, input_size).</param>
    public override Tensor Forward(Tensor input) => Forward(input, null, null).Output;
}
