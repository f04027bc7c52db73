namespace Nabla.NN;

/// <summary>
/// One GRU step, like PyTorch's <c>nn.GRUCell</c>: r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr),
/// z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz), n = tanh(x·W_inᵀ + b_in + r·(h·W_hnᵀ + b_hn)), h' = (1 − z)·n + z·h, run as
/// one fused step. Input (N, input_size) or (input_size), state (N, hidden_size) or (hidden_size).
/// </summary>
public class GRUCell : RNNCellBase
{
    /// <summary>Creates the cell and initialises its parameters from U(−1/√hidden_size, 1/√hidden_size).</summary>
    /// <param name="inputSize">The number of features of the input, &gt; 0.</param>
    /// <param name="hiddenSize">The number of features of the hidden state, &gt; 0.</param>
    /// <param name="bias">Whether the cell has the biases b_ih and b_hh.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation; <see cref="Generator.Default"/> when null.</param>
    public GRUCell(int inputSize, int hiddenSize, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : base(3, inputSize, hiddenSize, bias, dtype, generator)
    {
    }

    /// <summary>The next hidden state.</summary>
    /// <param name="input">(N, input_size) or (input_size).</param>
    /// <param name="hx">The hidden state (N, hidden_size) or (hidden_size); zeros when null.</param>
    public Tensor Forward(Tensor input, Tensor? hx)
    {
        var (x, batched) = CheckInput(input);
        var h = CheckState(hx, x, batched, nameof(hx));
        var next = Tensor.GruCell(Functional.Linear(x, WeightIh, BiasIh), Functional.Linear(h, WeightHh, BiasHh), h);
        return batched ? next : next.Squeeze(0);
    }

    /// <summary>The next hidden state from a zero state.</summary>
    /// <param name="input">(N, input_size) or (input_size).</param>
    public override Tensor Forward(Tensor input) => Forward(input, null);
}
