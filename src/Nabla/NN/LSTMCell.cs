namespace Nabla.NN;

/// <summary>
/// One LSTM step, like PyTorch's <c>nn.LSTMCell</c>: gates i, f, g, o from x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh (sigmoid,
/// sigmoid, tanh, sigmoid), c' = f·c + i·g, h' = o·tanh c', run as one fused step. Input (N, input_size) or
/// (input_size), states (N, hidden_size) or (hidden_size).
/// </summary>
public class LSTMCell : RNNCellBase
{
    /// <summary>Creates the cell and initialises its parameters from U(−1/√hidden_size, 1/√hidden_size).</summary>
    /// <param name="inputSize">The number of features of the input, &gt; 0.</param>
    /// <param name="hiddenSize">The number of features of the hidden state, &gt; 0.</param>
    /// <param name="bias">Whether the cell has the biases b_ih and b_hh.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation; <see cref="Generator.Default"/> when null.</param>
    public LSTMCell(int inputSize, int hiddenSize, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : base(4, inputSize, hiddenSize, bias, dtype, generator)
    {
    }

    /// <summary>The next states h' and c'.</summary>
    /// <param name="input">(N, input_size) or (input_size).</param>
    /// <param name="hx">The states h and c, each (N, hidden_size) or (hidden_size); zeros when null.</param>
    public (Tensor H, Tensor C) Forward(Tensor input, (Tensor H, Tensor C)? hx)
    {
        var (x, batched) = CheckInput(input);
        var h = CheckState(hx?.H, x, batched, "h");
        var c = CheckState(hx?.C, x, batched, "c");
        var both = Tensor.LstmCell(Functional.Linear(x, WeightIh, BiasIh), Functional.Linear(h, WeightHh, BiasHh), c);
        var hNext = both.Narrow(0, 0, 1).Squeeze(0);
        var cNext = both.Narrow(0, 1, 1).Squeeze(0);
        return batched ? (hNext, cNext) : (hNext.Squeeze(0), cNext.Squeeze(0));
    }

    /// <summary>The next hidden state h' from zero states.</summary>
    /// <param name="input">(N, input_size) or (input_size).</param>
    public override Tensor Forward(Tensor input) => Forward(input, null).H;
}
