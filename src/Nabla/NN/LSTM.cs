namespace Nabla.NN;

/// <summary>
/// A multi-layer long short-term memory RNN, like PyTorch's <c>nn.LSTM</c>: with gates i, f, g, o from
/// x_t·W_ihᵀ + b_ih + h_(t−1)·W_hhᵀ + b_hh (sigmoid, sigmoid, tanh, sigmoid), c_t = f·c_(t−1) + i·g and
/// h_t = o·tanh c_t. Input (T, N, input_size), (N, T, input_size) with <see cref="RNNBase.BatchFirst"/>, or unbatched
/// (T, input_size); states h and c (num_layers·num_directions, N, hidden_size). Parameters as in PyTorch (see
/// <see cref="RNNBase"/>), each (4·hidden_size, ·) in the gate order i, f, g, o.
/// </summary>
public sealed class LSTM : RNNBase
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
    public LSTM(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0,
        bool bidirectional = false, DType dtype = DType.Float32, Generator? generator = null)
        : base(RecurrentMode.Lstm, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, dtype, generator)
    {
    }

    /// <summary>
    /// Runs the layer over a sequence: the output of the last layer at every step (T, N, D·hidden_size) (or batch first,
    /// or unbatched) and the final states h and c of every layer and direction (num_layers·D, N, hidden_size).
    /// </summary>
    /// <param name="input">(T, N, input_size), (N, T, input_size) when batch first, or (T, input_size).</param>
    /// <param name="hx">The initial states h and c, each (num_layers·D, N, hidden_size) or (num_layers·D, hidden_size) unbatched; zeros when null.</param>
    /// <param name="lengths">For a padded batch, the int64 length (1..T) of every sequence; steps past it give zero outputs and leave the states alone.</param>
    public (Tensor Output, (Tensor H, Tensor C) State) Forward(Tensor input, (Tensor H, Tensor C)? hx = null, Tensor? lengths = null)
    {
        var (output, states) = Run(input, hx is { } s ? [s.H, s.C] : [null, null], lengths);
        return (output, (states[0], states[1]));
    }

    /// <summary>The output sequence for zero initial states (so that the layer fits in a <see cref="Sequential"/>).</summary>
    /// <param name="input">(T, N, input_size), (N, T, input_size) when batch first, or (T, input_size).</param>
    public override Tensor Forward(Tensor input) => Forward(input, null, null).Output;
}
