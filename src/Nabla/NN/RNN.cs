namespace Nabla.NN;

/// <summary>
/// A multi-layer Elman RNN, like PyTorch's <c>nn.RNN</c>: h_t = tanh(x_t·W_ihᵀ + b_ih + h_(t−1)·W_hhᵀ + b_hh), or
/// ReLU in place of tanh. Input (T, N, input_size), (N, T, input_size) with <see cref="RNNBase.BatchFirst"/>, or
/// unbatched (T, input_size); hidden state (num_layers·num_directions, N, hidden_size). Parameters as in PyTorch
/// (see <see cref="RNNBase"/>), each (hidden_size, ·).
/// </summary>
public sealed class RNN : RNNBase
{
    /// <summary>Creates the layer and initialises its parameters from U(−1/√hidden_size, 1/√hidden_size).</summary>
    /// <param name="inputSize">The number of features of each input element, &gt; 0.</param>
    /// <param name="hiddenSize">The number of features of the hidden state, &gt; 0.</param>
    /// <param name="numLayers">The number of stacked layers, &gt; 0.</param>
    /// <param name="nonlinearity">"tanh" or "relu".</param>
    /// <param name="bias">Whether the layers have the biases b_ih and b_hh.</param>
    /// <param name="batchFirst">Whether inputs and outputs are (N, T, features).</param>
    /// <param name="dropout">The dropout probability on the outputs of every layer but the last, in training mode, in [0, 1].</param>
    /// <param name="bidirectional">Whether every layer also runs backwards in time.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation and dropout; <see cref="Generator.Default"/> when null.</param>
    public RNN(int inputSize, int hiddenSize, int numLayers = 1, string nonlinearity = "tanh", bool bias = true, bool batchFirst = false,
        double dropout = 0, bool bidirectional = false, DType dtype = DType.Float32, Generator? generator = null)
        : base(ParseNonlinearity(nonlinearity), inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, dtype, generator) =>
        Nonlinearity = nonlinearity;

    /// <summary>"tanh" or "relu".</summary>
    public string Nonlinearity { get; }

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

    /// <inheritdoc/>
    public override string ExtraRepr()
    {
        string s = base.ExtraRepr();
        return Nonlinearity == "tanh" ? s : s + ", nonlinearity=" + Nonlinearity;
    }

    internal static RecurrentMode ParseNonlinearity(string nonlinearity) => nonlinearity switch
    {
        "tanh" => RecurrentMode.RnnTanh,
        "relu" => RecurrentMode.RnnRelu,
        _ => throw new ArgumentException($"RNN: nonlinearity must be \"tanh\" or \"relu\", got \"{nonlinearity}\".", nameof(nonlinearity)),
    };
}
