namespace Nabla.NN;

/// <summary>
/// One step of an Elman RNN, like PyTorch's <c>nn.RNNCell</c>: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), or ReLU in
/// place of tanh. Input (N, input_size) or (input_size), state (N, hidden_size) or (hidden_size).
/// </summary>
public class RNNCell : RNNCellBase
{
    /// <summary>Creates the cell and initialises its parameters from U(−1/√hidden_size, 1/√hidden_size).</summary>
    /// <param name="inputSize">The number of features of the input, &gt; 0.</param>
    /// <param name="hiddenSize">The number of features of the hidden state, &gt; 0.</param>
    /// <param name="bias">Whether the cell has the biases b_ih and b_hh.</param>
    /// <param name="nonlinearity">"tanh" or "relu".</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation; <see cref="Generator.Default"/> when null.</param>
    public RNNCell(int inputSize, int hiddenSize, bool bias = true, string nonlinearity = "tanh", DType dtype = DType.Float32, Generator? generator = null)
        : base(1, inputSize, hiddenSize, bias, dtype, generator)
    {
        _ = RNN.ParseNonlinearity(nonlinearity);
        Nonlinearity = nonlinearity;
    }

    /// <summary>"tanh" or "relu".</summary>
    public string Nonlinearity { get; }

    /// <summary>The next hidden state.</summary>
    /// <param name="input">(N, input_size) or (input_size).</param>
    /// <param name="hx">The hidden state (N, hidden_size) or (hidden_size); zeros when null.</param>
    public Tensor Forward(Tensor input, Tensor? hx)
    {
        var (x, batched) = CheckInput(input);
        var h = CheckState(hx, x, batched, nameof(hx));
        var pre = Functional.Linear(x, WeightIh, BiasIh) + Functional.Linear(h, WeightHh, BiasHh);
        var next = Nonlinearity == "relu" ? pre.Relu() : pre.Tanh();
        return batched ? next : next.Squeeze(0);
    }

    /// <summary>The next hidden state from a zero state.</summary>
    /// <param name="input">(N, input_size) or (input_size).</param>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <inheritdoc/>
    public override string ExtraRepr() => base.ExtraRepr() + (Nonlinearity == "tanh" ? "" : ", nonlinearity=" + Nonlinearity);
}
